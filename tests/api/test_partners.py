"""/api/masterdata/partners with nested contacts and bank accounts."""

import pytest

from ecerp.masterdata import services
from ecerp.masterdata.models import Partner, PartnerBankAccount, PartnerContact
from tests.api.conftest import error_codes

pytestmark = pytest.mark.django_db
URL = "/api/masterdata/partners"
CREDIT_CODE = "91350100M000100Y43"


@pytest.fixture
def supplier(admin_user):
    return services.save_partner(user=admin_user, data={"code": "P00001", "name": "东京美妆株式会社",
                                                        "roles": ["supplier", "ecommerce"], "country": "JP"})


def test_create_with_roles_and_credit_code(api_as):
    response = api_as("purchasing").post(URL, {
        "name": "顺丰速运", "roles": ["logistics", "customer"], "social_credit_code": CREDIT_CODE,
        "customs_code": "3101234567", "credit_limit": "50000.00", "payment_days": 30,
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["roles"] == ["customer", "logistics"]
    assert body["credit_limit"] == "50000.0000" and body["code"].startswith("P")
    partner = Partner.objects.get(pk=body["id"])
    assert partner.is_logistics and partner.is_customer and not partner.is_supplier


def test_create_errors(api_as, supplier):
    client = api_as("purchasing")
    cases = [
        ({"name": "x", "roles": ["supplier"], "social_credit_code": "91350100M000100Y4X"},
         [("social_credit_code", "INVALID_SOCIAL_CREDIT_CODE")]),
        ({"name": "x", "roles": ["supplier"], "code": "P00001"}, [("code", "CODE_TAKEN")]),
        ({"name": "x", "roles": []}, [("roles", "PARTNER_ROLE_REQUIRED")]),
        ({"name": "x", "roles": ["supplier"], "customs_code": "123"}, [("customs_code", "INVALID_CUSTOMS_CODE")]),
        ({"name": "x", "roles": ["supplier"], "customs_code_valid_from": "2026-01-01",
          "customs_code_valid_until": "2025-01-01"}, [("customs_code_valid_until", "VALIDITY_ORDER")]),
        ({"name": "x", "roles": ["pirate"]}, [("roles.0", "INVALID_VALUE")]),
        ({"name": "x", "roles": ["supplier"], "customs_code_valid_from": "昨天"},
         [("customs_code_valid_from", "INVALID_VALUE")]),
    ]
    for body, expected in cases:
        response = client.post(URL, body)
        assert response.status_code == 400, body
        assert error_codes(response) == expected, (body, response.json())
    assert Partner.objects.count() == 1


def test_list_filter_by_role_and_search(api_as, supplier, admin_user):
    services.save_partner(user=admin_user, data={"name": "中通快递", "roles": ["logistics"]})
    client = api_as("finance")
    by_role = client.get(URL, role="logistics").json()
    assert [item["name"] for item in by_role["items"]] == ["中通快递"] and by_role["count"] == 1
    assert [item["code"] for item in client.get(URL, q="东京").json()["items"]] == ["P00001"]
    assert client.get(URL, role="pirate").status_code == 400


def test_update_replaces_roles(api_as, supplier):
    response = api_as("purchasing").patch(f"{URL}/{supplier.pk}", {"roles": ["supplier"]})
    assert response.status_code == 200 and response.json()["roles"] == ["supplier"]
    supplier.refresh_from_db()
    assert not supplier.is_ecommerce and supplier.name == "东京美妆株式会社"


def test_permissions_and_not_found(api_as, supplier):
    warehouse = api_as("warehouse")
    assert warehouse.get(URL).status_code == 403
    assert api_as("operations").post(URL, {"name": "x", "roles": ["supplier"]}).status_code == 403
    assert api_as("purchasing").get(f"{URL}/999999").status_code == 404


def test_contacts_phone_masked_unless_permitted(api_as, supplier):
    # given a contact added by purchasing
    purchasing = api_as("purchasing")
    response = purchasing.post(f"{URL}/{supplier.pk}/contacts",
                               {"name": "田中", "phone": "13812345678", "is_primary": True})
    assert response.status_code == 201, response.content
    # then purchasing (no personal-data permission) sees the phone masked
    assert response.json()["phone"] == "138****5678"
    assert purchasing.get(f"{URL}/{supplier.pk}/contacts").json()[0]["phone"] == "138****5678"
    # and customs (personal-data permission) sees it in full
    assert api_as("customs").get(f"{URL}/{supplier.pk}/contacts").json()[0]["phone"] == "13812345678"
    assert PartnerContact.objects.get().phone == "13812345678"


def test_contact_errors_and_updates(api_as, supplier):
    purchasing = api_as("purchasing")
    bad = purchasing.post(f"{URL}/{supplier.pk}/contacts", {"name": "田中", "phone": "12345"})
    assert bad.status_code == 400 and error_codes(bad) == [("phone", "INVALID_PHONE")]
    first = purchasing.post(f"{URL}/{supplier.pk}/contacts", {"name": "田中", "is_primary": True}).json()
    second = purchasing.post(f"{URL}/{supplier.pk}/contacts", {"name": "铃木"}).json()
    changed = purchasing.patch(f"{URL}/{supplier.pk}/contacts/{second['id']}", {"is_primary": True})
    assert changed.status_code == 200
    assert [c["name"] for c in purchasing.get(f"{URL}/{supplier.pk}/contacts").json()] == ["铃木", "田中"]
    assert not PartnerContact.objects.get(pk=first["id"]).is_primary
    assert purchasing.get(f"{URL}/999999/contacts").status_code == 404
    # a contact of another partner is not found under this one
    other = api_as("admin").post(URL, {"name": "其他", "roles": ["customer"]}).json()
    assert purchasing.patch(f"{URL}/{other['id']}/contacts/{first['id']}", {"name": "x"}).status_code == 404
    # only admin deletes
    assert purchasing.delete(f"{URL}/{supplier.pk}/contacts/{first['id']}").status_code == 403
    assert api_as("admin").delete(f"{URL}/{supplier.pk}/contacts/{first['id']}").status_code == 204


def test_bank_accounts(api_as, supplier):
    finance = api_as("finance")
    response = finance.post(f"{URL}/{supplier.pk}/bank-accounts", {
        "bank_name": "招商银行上海分行", "account_name": "东京美妆株式会社", "account_number": "6225 8801 2345 6789",
        "is_default": True,
    })
    assert response.status_code == 201, response.content
    assert response.json()["account_number"] == "6225880123456789"
    missing = finance.post(f"{URL}/{supplier.pk}/bank-accounts", {"bank_name": "招商银行"})
    assert missing.status_code == 400
    assert {field for field, code in error_codes(missing)} == {"account_name", "account_number"}
    assert {code for field, code in error_codes(missing)} == {"REQUIRED"}
    assert len(finance.get(f"{URL}/{supplier.pk}/bank-accounts").json()) == 1
    assert api_as("warehouse").get(f"{URL}/{supplier.pk}/bank-accounts").status_code == 403
    assert api_as("customs").post(f"{URL}/{supplier.pk}/bank-accounts", {"bank_name": "x"}).status_code == 403
    assert PartnerBankAccount.objects.count() == 1

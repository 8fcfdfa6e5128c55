"""/api/masterdata/stores: data scope, cross-border rules, references."""

import pytest

from ecerp.masterdata import services
from ecerp.masterdata.models import Store
from tests.api.conftest import error_codes

pytestmark = pytest.mark.django_db
URL = "/api/masterdata/stores"


@pytest.fixture
def setup(admin_user):
    company = services.save_partner(user=admin_user, data={"name": "杭州跨境电商有限公司", "roles": ["ecommerce"]})
    supplier = services.save_partner(user=admin_user, data={"name": "供应商甲", "roles": ["supplier"]})
    bonded = services.save_warehouse(user=admin_user, data={"code": "WH002", "name": "宁波保税仓", "type": "bonded"})
    tmall = services.save_store(user=admin_user, data={"code": "ST001", "name": "天猫旗舰店", "platform": "tmall",
                                                       "shop_id": "TM-1"})
    jd = services.save_store(user=admin_user, data={"code": "ST002", "name": "京东自营店", "platform": "jd",
                                                    "shop_id": "JD-1"})
    return {"company": company, "supplier": supplier, "bonded": bonded, "tmall": tmall, "jd": jd}


def test_scope_filters_list_and_get(api_as, admin_user, setup):
    client = api_as("operations")
    services.set_user_scope(user=admin_user, target_user=client.user, all_stores=False, all_warehouses=True,
                            stores=[setup["tmall"]], warehouses=[])
    assert [s["code"] for s in client.get(URL).json()["items"]] == ["ST001"]
    assert client.get(f"{URL}/{setup['jd'].pk}").status_code == 404
    assert client.patch(f"{URL}/{setup['jd'].pk}", {"name": "x"}).status_code == 404
    assert client.patch(f"{URL}/{setup['tmall'].pk}", {"name": "天猫店"}).status_code == 200
    assert Store.objects.get(pk=setup["jd"].pk).name == "京东自营店"
    assert [s["code"] for s in api_as("management").get(URL, platform="jd").json()["items"]] == ["ST002"]


def test_create_cross_border_store(api_as, setup):
    client = api_as("operations")
    response = client.post(URL, {
        "name": "天猫国际店", "platform": "tmall_global", "shop_id": "TMG-1", "type": "cbec_1210",
        "ecommerce_company_id": setup["company"].pk, "default_warehouse_id": setup["bonded"].pk,
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ecommerce_company"]["id"] == setup["company"].pk and body["default_warehouse"]["code"] == "WH002"


def test_create_errors(api_as, admin_user, setup):
    client = api_as("operations")
    base = {"name": "x", "platform": "douyin", "shop_id": "DY-1"}
    cases = [
        ({**base, "type": "cbec_9610"}, [("ecommerce_company", "ECOMMERCE_COMPANY_REQUIRED")]),
        ({**base, "ecommerce_company_id": setup["supplier"].pk}, [("ecommerce_company", "WRONG_PARTNER_ROLE")]),
        ({**base, "platform": "tmall", "shop_id": "TM-1"}, [("shop_id", "CODE_TAKEN")]),
        ({**base, "platform": "myspace"}, [("platform", "INVALID_VALUE")]),
        ({**base, "platform_partner_id": 999999}, [("platform_partner_id", "UNKNOWN_PARTNER")]),
    ]
    for body, expected in cases:
        response = client.post(URL, body)
        assert response.status_code == 400, body
        assert error_codes(response) == expected, (body, response.json())
    # a default warehouse outside the caller's scope is unknown to them
    services.set_user_scope(user=admin_user, target_user=client.user, all_stores=True, all_warehouses=False,
                            stores=[], warehouses=[])
    hidden = client.post(URL, {**base, "default_warehouse_id": setup["bonded"].pk})
    assert error_codes(hidden) == [("default_warehouse_id", "UNKNOWN_WAREHOUSE")]
    assert Store.objects.count() == 2


def test_permissions(api_as, setup):
    assert api_as("finance").post(URL, {"name": "x"}).status_code == 403
    assert api_as("operations").delete(f"{URL}/{setup['jd'].pk}").status_code == 403
    assert api_as("admin").delete(f"{URL}/{setup['jd'].pk}").status_code == 204

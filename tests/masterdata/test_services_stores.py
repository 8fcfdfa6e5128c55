"""Warehouses, locations and stores: types, codes, platform shop ids, the e-commerce company."""

import pytest

from ecerp.core.errors import DomainError
from ecerp.masterdata import services
from ecerp.masterdata.models import Location
from tests.core.factories import make_partner, make_store, make_warehouse


def fields_of(error):
    return {detail.field: detail.code for detail in error.value.details}


@pytest.mark.django_db
def test_warehouse_types_and_codes(admin_user):
    normal = make_warehouse(admin_user)
    bonded = make_warehouse(admin_user, name="宁波保税仓", type="bonded", customs_area_code="3105",
                            contact_phone="0574-87654321")
    assert (normal.code, bonded.code, bonded.type) == ("WH001", "WH002", "bonded")
    bonded.refresh_from_db()
    assert bonded.contact_phone == "0574-87654321"
    with pytest.raises(DomainError) as error:
        make_warehouse(admin_user, name="x", type="floating")
    assert fields_of(error) == {"type": "INVALID_VALUE"}


@pytest.mark.django_db
def test_warehouse_type_checked_on_update(admin_user):
    # given a warehouse
    warehouse = make_warehouse(admin_user)
    # when its type is changed to something unknown
    with pytest.raises(DomainError) as error:
        services.save_warehouse(user=admin_user, instance=warehouse, data={"type": "floating"})
    # then it is refused and nothing changes
    assert fields_of(error) == {"type": "INVALID_VALUE"}
    warehouse.refresh_from_db()
    assert warehouse.type == "normal"


@pytest.mark.django_db
def test_location_codes_unique_per_warehouse(admin_user):
    # given two warehouses and a location A-01 in the first
    first, second = make_warehouse(admin_user), make_warehouse(admin_user, name="北京仓")
    services.save_location(user=admin_user, data={"warehouse": first, "code": "A-01"})
    # then A-01 is refused in the same warehouse but fine in the other, blank codes are generated
    with pytest.raises(DomainError) as error:
        services.save_location(user=admin_user, data={"warehouse": first, "code": "A-01"})
    assert fields_of(error) == {"code": "CODE_TAKEN"}
    assert services.save_location(user=admin_user, data={"warehouse": second, "code": "A-01"}).code == "A-01"
    assert services.save_location(user=admin_user, data={"warehouse": first}).code == "L00001"


@pytest.mark.django_db
def test_location_code_change_is_checked(admin_user):
    # given two locations in one warehouse
    warehouse = make_warehouse(admin_user)
    services.save_location(user=admin_user, data={"warehouse": warehouse, "code": "A-01"})
    other = services.save_location(user=admin_user, data={"warehouse": warehouse, "code": "A-02"})
    # when the second is renamed to the first's code, or to a code with a space
    for bad, code in (("A-01", "CODE_TAKEN"), ("A 03", "INVALID_CODE")):
        with pytest.raises(DomainError) as error:
            services.save_location(user=admin_user, instance=other, data={"code": bad})
        assert fields_of(error) == {"code": code}
    # then it keeps its code, and a good new code is saved
    services.save_location(user=admin_user, instance=other, data={"code": " B-01 "})
    assert sorted(Location.objects.values_list("code", flat=True)) == ["A-01", "B-01"]


@pytest.mark.django_db
def test_cross_border_store_needs_an_ecommerce_company(admin_user):
    # when a 1210 store has no e-commerce company
    with pytest.raises(DomainError) as error:
        make_store(admin_user, name="天猫国际店", platform="tmall_global", type="cbec_1210")
    assert fields_of(error) == {"ecommerce_company": "ECOMMERCE_COMPANY_REQUIRED"}
    # when the company given is only a supplier
    supplier = make_partner(admin_user, name="某供应商", roles=["supplier"])
    with pytest.raises(DomainError) as error:
        make_store(admin_user, name="天猫国际店", platform="tmall_global", type="cbec_1210",
                   ecommerce_company=supplier)
    assert fields_of(error) == {"ecommerce_company": "WRONG_PARTNER_ROLE"}
    # then with an e-commerce company it is saved
    company = make_partner(admin_user, name="某电商企业", roles=["ecommerce"])
    store = make_store(admin_user, name="天猫国际店", platform="tmall_global", type="cbec_1210",
                       ecommerce_company=company)
    assert store.is_cross_border and store.code == "ST001"


@pytest.mark.django_db
def test_platform_partner_must_be_a_platform(admin_user):
    not_platform = make_partner(admin_user, roles=["logistics"])
    with pytest.raises(DomainError) as error:
        make_store(admin_user, platform_partner=not_platform)
    assert fields_of(error) == {"platform_partner": "WRONG_PARTNER_ROLE"}


@pytest.mark.django_db
def test_platform_and_shop_id_are_unique(admin_user):
    # given a Tmall shop 1001
    make_store(admin_user)
    # then the same shop id on Tmall is refused, on JD it is fine
    with pytest.raises(DomainError) as error:
        make_store(admin_user, name="另一家")
    assert fields_of(error) == {"shop_id": "CODE_TAKEN"}
    assert make_store(admin_user, name="京东店", platform="jd").platform == "jd"


@pytest.mark.django_db
def test_unknown_platform_or_store_type_is_refused(admin_user):
    with pytest.raises(DomainError) as error:
        make_store(admin_user, platform="amazon", type="export")
    assert fields_of(error) == {"platform": "INVALID_VALUE", "type": "INVALID_VALUE"}

"""/api/masterdata/warehouses and their locations: data scope, masking, per-warehouse codes."""

import pytest

from ecerp.masterdata import services
from ecerp.masterdata.models import Location, Warehouse
from tests.api.conftest import error_codes

pytestmark = pytest.mark.django_db
URL = "/api/masterdata/warehouses"


@pytest.fixture
def warehouses(admin_user):
    shanghai = services.save_warehouse(user=admin_user, data={"code": "WH001", "name": "上海仓",
                                                              "contact_phone": "13812345678"})
    bonded = services.save_warehouse(user=admin_user, data={"code": "WH002", "name": "宁波保税仓", "type": "bonded"})
    services.save_location(user=admin_user, data={"warehouse": shanghai, "code": "A-01-01", "zone": "A"})
    services.save_location(user=admin_user, data={"warehouse": bonded, "code": "B-01-01", "zone": "B"})
    return shanghai, bonded


@pytest.fixture
def shanghai_clerk(api_as, admin_user, warehouses):
    """A warehouse-role user whose scope is the Shanghai warehouse only."""
    client = api_as("warehouse")
    services.set_user_scope(user=admin_user, target_user=client.user, all_stores=True, all_warehouses=False,
                            stores=[], warehouses=[warehouses[0]])
    return client


def test_list_is_limited_to_the_scope(shanghai_clerk, api_as, warehouses):
    assert [w["code"] for w in shanghai_clerk.get(URL).json()["items"]] == ["WH001"]
    assert [w["code"] for w in api_as("warehouse").get(URL).json()["items"]] == ["WH001", "WH002"]
    assert [w["code"] for w in api_as("admin").get(URL, type="bonded").json()["items"]] == ["WH002"]


def test_out_of_scope_records_are_not_found(shanghai_clerk, warehouses):
    bonded = warehouses[1]
    assert shanghai_clerk.get(f"{URL}/{bonded.pk}").status_code == 404
    assert shanghai_clerk.get(f"{URL}/{bonded.pk}/locations").status_code == 404
    location = Location.objects.get(warehouse=bonded)
    assert shanghai_clerk.get(f"{URL}/{bonded.pk}/locations/{location.pk}").status_code == 404
    response = shanghai_clerk.patch(f"{URL}/{bonded.pk}/locations/{location.pk}", {"zone": "Z"})
    assert response.status_code == 404 and error_codes(response) == [(None, "NOT_FOUND")]
    assert Location.objects.get(pk=location.pk).zone == "B"


def test_contact_phone_masked_unless_permitted(api_as, warehouses):
    shanghai = warehouses[0]
    assert api_as("warehouse").get(f"{URL}/{shanghai.pk}").json()["contact_phone"] == "138****5678"
    assert api_as("admin").get(f"{URL}/{shanghai.pk}").json()["contact_phone"] == "13812345678"


def test_create_update_and_errors(api_as, warehouses):
    admin = api_as("admin")
    response = admin.post(URL, {"name": "洛杉矶海外仓", "type": "overseas", "contact_phone": "021-12345678"})
    assert response.status_code == 201, response.content
    assert response.json()["code"].startswith("WH")
    assert error_codes(admin.post(URL, {"name": "x", "type": "moon"})) == [("type", "INVALID_VALUE")]
    assert error_codes(admin.post(URL, {"name": "x", "code": "WH001"})) == [("code", "CODE_TAKEN")]
    assert error_codes(admin.post(URL, {"name": "x", "operator_id": 999999})) == [("operator_id", "UNKNOWN_PARTNER")]
    assert error_codes(admin.post(URL, {"name": "x", "contact_phone": "abc"})) == [("contact_phone", "INVALID_PHONE")]
    changed = admin.patch(f"{URL}/{warehouses[0].pk}", {"name": "上海一号仓"})
    assert changed.status_code == 200 and changed.json()["name"] == "上海一号仓"
    assert api_as("warehouse").post(URL, {"name": "x"}).status_code == 403
    assert Warehouse.objects.count() == 3


def test_locations(shanghai_clerk, warehouses):
    shanghai = warehouses[0]
    url = f"{URL}/{shanghai.pk}/locations"
    created = shanghai_clerk.post(url, {"code": "A-01-02", "zone": "A", "pick_sequence": 2})
    assert created.status_code == 201, created.content
    # the same code in the same warehouse is taken; another warehouse may use it
    assert error_codes(shanghai_clerk.post(url, {"code": "A-01-02"})) == [("code", "CODE_TAKEN")]
    generated = shanghai_clerk.post(url, {"zone": "C"}).json()
    assert generated["code"].startswith("L")
    listed = shanghai_clerk.get(url, zone="A").json()
    assert [loc["code"] for loc in listed["items"]] == ["A-01-01", "A-01-02"] and listed["count"] == 2
    changed = shanghai_clerk.patch(f"{url}/{created.json()['id']}", {"pick_sequence": 5})
    assert changed.status_code == 200 and changed.json()["pick_sequence"] == 5
    assert shanghai_clerk.delete(f"{url}/{created.json()['id']}").status_code == 403

"""/api/masterdata/categories: hierarchical codes, tree, filters."""

import pytest

from ecerp.masterdata.models import Category
from tests.api.conftest import error_codes

pytestmark = pytest.mark.django_db
URL = "/api/masterdata/categories"


def test_codes_follow_the_hierarchical_rule(api_as):
    client = api_as("purchasing")
    top = client.post(URL, {"name": "母婴"}).json()
    child = client.post(URL, {"name": "奶粉", "parent_id": top["id"]}).json()
    leaf = client.post(URL, {"name": "一段奶粉", "parent_id": child["id"]}).json()
    assert (top["code"], child["code"], leaf["code"]) == ("01", "0101", "0101001")
    assert (leaf["level"], leaf["parent"]["code"]) == (3, "0101")
    # the rule allows three levels only
    too_deep = client.post(URL, {"name": "x", "parent_id": leaf["id"]})
    assert too_deep.status_code == 400 and error_codes(too_deep) == [("parent", "CODE_LEVEL_TOO_DEEP")]
    # a given code must extend the parent's code
    wrong = client.post(URL, {"name": "x", "code": "0201", "parent_id": top["id"]})
    assert error_codes(wrong) == [("code", "CODE_PARENT_MISMATCH")]
    assert error_codes(client.post(URL, {"name": "x", "code": "01"})) == [("code", "CODE_TAKEN")]
    assert error_codes(client.post(URL, {"name": "x", "parent_id": 999999})) == [("parent_id", "UNKNOWN_CATEGORY")]
    assert Category.objects.count() == 3


def test_tree_and_filters(api_as):
    client = api_as("admin")
    top = client.post(URL, {"name": "美妆"}).json()
    client.post(URL, {"name": "彩妆", "parent_id": top["id"]})
    client.post(URL, {"name": "食品", "active": False})
    tree = client.get(f"{URL}/tree").json()
    assert [(node["code"], [c["code"] for c in node["children"]]) for node in tree] == [("01", ["0101"]), ("02", [])]
    assert [node["code"] for node in client.get(f"{URL}/tree", active="true").json()] == ["01"]
    assert [c["code"] for c in client.get(URL, level=2).json()["items"]] == ["0101"]
    assert [c["code"] for c in client.get(URL, parent=top["id"]).json()["items"]] == ["0101"]
    assert client.get(URL, active="false").json()["count"] == 1


def test_moving_needs_a_new_code(api_as):
    client = api_as("admin")
    first, second = client.post(URL, {"name": "美妆"}).json(), client.post(URL, {"name": "个护"}).json()
    child = client.post(URL, {"name": "面膜", "parent_id": first["id"]}).json()
    refused = client.patch(f"{URL}/{child['id']}", {"parent_id": second["id"]})
    assert refused.status_code == 400 and error_codes(refused) == [("code", "CODE_PARENT_MISMATCH")]
    moved = client.patch(f"{URL}/{child['id']}", {"parent_id": second["id"], "code": "0201"})
    assert moved.status_code == 200 and moved.json()["code"] == "0201"


def test_permissions(api_as):
    assert api_as("operations").post(URL, {"name": "x"}).status_code == 403
    assert api_as("warehouse").get(f"{URL}/tree").status_code == 200
    assert api_as("purchasing").delete(f"{URL}/1").status_code == 403
    assert api_as("admin").get(f"{URL}/999999").status_code == 404

"""/api/masterdata/products: list with filters and paging, get, create, update, delete, bundle components."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecerp.masterdata import services
from ecerp.masterdata.models import BundleComponent, Product
from tests.api.conftest import error_codes

pytestmark = pytest.mark.django_db
URL = "/api/masterdata/products"


@pytest.fixture
def catalogue(admin_user):
    """Cosmetics (01) > face care (0101), and food (02); four products."""
    cosmetics = services.save_category(user=admin_user, data={"name": "美妆"})
    face = services.save_category(user=admin_user, data={"name": "面部护理", "parent": cosmetics})
    food = services.save_category(user=admin_user, data={"name": "食品"})
    make = lambda **data: services.save_product(user=admin_user, data={"unit": "件", **data})  # noqa: E731
    return {
        "cosmetics": cosmetics, "face": face, "food": food,
        "cream": make(code="SKU000001", name="面霜", brand="资生堂", category=face, is_cross_border=True,
                      hs_code="3304990099", origin_country="JP", customs_unit="035", sale_price=Decimal("199.00")),
        "lipstick": make(code="SKU000002", name="口红", brand="迪奥", category=cosmetics),
        "rice": make(code="SKU000003", name="大米", category=food, cost_price=Decimal("3.1000")),
        "old": make(code="SKU000004", name="旧款面膜", brand="资生堂", category=face, active=False),
    }


def codes(response):
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def test_list_filters(api_as, catalogue):
    client = api_as("operations")
    assert codes(client.get(URL)) == ["SKU000001", "SKU000002", "SKU000003", "SKU000004"]
    assert codes(client.get(URL, q="面")) == ["SKU000001", "SKU000004"]
    # a category includes the categories below it
    assert codes(client.get(URL, category=catalogue["cosmetics"].pk)) == ["SKU000001", "SKU000002", "SKU000004"]
    assert codes(client.get(URL, category=catalogue["face"].pk)) == ["SKU000001", "SKU000004"]
    assert codes(client.get(URL, brand="资生堂", active="true")) == ["SKU000001"]
    assert codes(client.get(URL, is_cross_border="true")) == ["SKU000001"]
    assert codes(client.get(URL, is_bundle="false", active="false")) == ["SKU000004"]


def test_paging_with_count(api_as, catalogue):
    response = api_as("operations").get(URL, limit=2, offset=1)
    assert codes(response) == ["SKU000002", "SKU000003"]
    assert response.json()["count"] == 4
    bad = api_as("operations").get(URL, limit=0)
    assert bad.status_code == 400 and error_codes(bad) == [("limit", "INVALID_VALUE")]


def test_money_and_weights_are_decimal_strings(api_as, catalogue):
    item = api_as("finance").get(f"{URL}/{catalogue['rice'].pk}").json()
    assert item["cost_price"] == "3.1000" and item["sale_price"] == "0.0000"
    assert item["gross_weight"] is None
    assert item["category"] == {"id": catalogue["food"].pk, "code": catalogue["food"].code, "name": "食品"}


def test_list_costs_the_same_queries_for_more_rows(api_as, catalogue, admin_user):
    # given a client and a first page of four products
    client = api_as("operations")
    client.get(URL)  # warm up: token last-used stamp, permission cache
    with CaptureQueriesContext(connection) as few:
        assert len(codes(client.get(URL))) == 4
    # when thirty more products in categories exist
    for number in range(30):
        services.save_product(user=admin_user, data={"name": f"商品{number}", "unit": "件",
                                                     "category": catalogue["food"]})
    with CaptureQueriesContext(connection) as many:
        assert len(codes(client.get(URL))) == 34
    # then listing them costs no extra query (categories are joined)
    assert len(many) == len(few)
    assert len(few) <= 6


def test_create_generates_code_and_parses_decimals(api_as, catalogue):
    response = api_as("operations").post(URL, {
        "name": "精华液", "unit": "瓶", "category_id": catalogue["face"].pk, "cost_price": "88.12",
        "sale_price": 150, "gross_weight": "0.25", "net_weight": "0.2",
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"].startswith("SKU") and body["components"] == []
    product = Product.objects.get(pk=body["id"])
    assert str(product.cost_price) == "88.1200" and str(product.net_weight) == "0.2000"


def test_float_money_is_refused(api_as):
    response = api_as("operations").post(URL, {"name": "精华液", "cost_price": 88.12})
    assert response.status_code == 400
    assert error_codes(response) == [("cost_price", "INVALID_VALUE")]
    assert not Product.objects.exists()


def test_create_errors_name_the_fields(api_as, catalogue):
    client = api_as("operations")
    cases = [
        ({"name": "x", "code": "SKU000001"}, [("code", "CODE_TAKEN")]),
        ({"name": "x", "hs_code": "3304"}, [("hs_code", "INVALID_HS_CODE")]),
        ({"name": "x", "is_cross_border": True}, [("hs_code", "CROSS_BORDER_FIELDS_REQUIRED"),
                                                  ("origin_country", "CROSS_BORDER_FIELDS_REQUIRED"),
                                                  ("customs_unit", "CROSS_BORDER_FIELDS_REQUIRED")]),
        ({"name": "x", "sale_price": "-1"}, [("sale_price", "NEGATIVE_AMOUNT")]),
        ({"name": "x", "cost_price": "abc", "net_weight": "1kg"},
         [("cost_price", "INVALID_DECIMAL"), ("net_weight", "INVALID_DECIMAL")]),
        ({"name": "x", "category_id": 999999}, [("category_id", "UNKNOWN_CATEGORY")]),
        ({"name": "", "unit": "件"}, [("name", "REQUIRED")]),
        ({"name": "x", "origin_country": "火星"}, [("origin_country", "INVALID_COUNTRY")]),
    ]
    for body, expected in cases:
        response = client.post(URL, body)
        assert response.status_code == 400, body
        assert error_codes(response) == expected, body
        assert all(error["message"] for error in response.json()["errors"])
    assert Product.objects.count() == 4


def test_update_changes_only_given_fields(api_as, catalogue):
    cream = catalogue["cream"]
    response = api_as("customs").patch(f"{URL}/{cream.pk}", {"hs_code": "3304.9100.00"})
    assert response.status_code == 200, response.content
    cream.refresh_from_db()
    assert cream.hs_code == "3304910000" and cream.name == "面霜" and str(cream.sale_price) == "199.0000"


def test_permissions(api_as, catalogue):
    warehouse = api_as("warehouse")
    assert warehouse.get(URL).status_code == 200
    response = warehouse.post(URL, {"name": "x"})
    assert response.status_code == 403 and error_codes(response) == [(None, "PERMISSION_DENIED")]
    assert warehouse.patch(f"{URL}/{catalogue['rice'].pk}", {"name": "y"}).status_code == 403
    assert api_as("operations").delete(f"{URL}/{catalogue['rice'].pk}").status_code == 403
    assert Product.objects.get(pk=catalogue["rice"].pk).name == "大米"


def test_not_found(api_as):
    response = api_as("operations").get(f"{URL}/999999")
    assert response.status_code == 404
    assert error_codes(response) == [(None, "NOT_FOUND")]
    assert api_as("operations").patch(f"{URL}/999999", {"name": "x"}).status_code == 404


def test_bundle_components_set_read_and_checked(api_as, catalogue):
    client = api_as("operations")
    gift = client.post(URL, {"name": "礼盒", "unit": "盒"}).json()
    # when the components are set by id and by code
    response = client.put(f"{URL}/{gift['id']}/components", {"components": [
        {"product_id": catalogue["cream"].pk, "quantity": 1},
        {"product_code": "SKU000002", "quantity": 2},
    ]})
    assert response.status_code == 200, response.content
    assert [(line["product"]["code"], line["quantity"]) for line in response.json()] == [
        ("SKU000001", 1), ("SKU000002", 2)]
    # then the product is a bundle and its detail shows the lines
    detail = client.get(f"{URL}/{gift['id']}").json()
    assert detail["is_bundle"] is True and len(detail["components"]) == 2
    assert codes(client.get(URL, is_bundle="true")) == [gift["code"]]
    assert len(client.get(f"{URL}/{gift['id']}/components").json()) == 2
    # a missing component, a cycle and an empty list are refused
    missing = client.put(f"{URL}/{gift['id']}/components",
                         {"components": [{"product_code": "NOPE", "quantity": 1}]})
    assert missing.status_code == 400 and error_codes(missing) == [("components.0", "COMPONENT_MISSING")]
    cycle = client.put(f"{URL}/{catalogue['cream'].pk}/components",
                       {"components": [{"product_id": gift["id"], "quantity": 1}]})
    assert cycle.status_code == 400 and error_codes(cycle) == [("components", "BUNDLE_CYCLE")]
    empty = client.put(f"{URL}/{gift['id']}/components", {"components": []})
    assert error_codes(empty) == [("components", "BUNDLE_EMPTY")]
    assert BundleComponent.objects.filter(bundle_id=gift["id"]).count() == 2
    # and the warehouse role may read but not change the lines
    assert api_as("warehouse").get(f"{URL}/{gift['id']}/components").status_code == 200
    assert api_as("warehouse").put(f"{URL}/{gift['id']}/components", {"components": []}).status_code == 403


def test_delete_refuses_a_product_in_use(api_as, catalogue, admin_user):
    admin = api_as("admin")
    gift = services.save_product(user=admin_user, data={"name": "礼盒", "unit": "盒"})
    services.set_bundle_components(user=admin_user, bundle=gift, components=[(catalogue["cream"], 1)])
    response = admin.delete(f"{URL}/{catalogue['cream'].pk}")
    assert response.status_code == 409 and error_codes(response) == [(None, "IN_USE")]
    assert admin.delete(f"{URL}/{catalogue['rice'].pk}").status_code == 204
    assert not Product.objects.filter(pk=catalogue["rice"].pk).exists()


def test_permission_is_checked_before_the_input(api_as):
    # given a role that may not create products, sending a malformed body
    response = api_as("warehouse").post(URL, {"name": 5, "cost_price": 1.5})
    # then it learns only that it may not, not what is wrong with the input
    assert response.status_code == 403 and error_codes(response) == [(None, "PERMISSION_DENIED")]
    # while a permitted role gets the validation errors in the same shape
    allowed = api_as("operations").post(URL, {"name": 5, "cost_price": 1.5})
    assert allowed.status_code == 400
    assert error_codes(allowed) == [("name", "INVALID_VALUE"), ("cost_price", "INVALID_VALUE")]

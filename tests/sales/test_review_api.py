"""API of review, allocation, merge and split: permission denied, error codes, happy paths."""

import json

import pytest

from ecerp.sales.models import OrderHold, ReviewRule
from ecerp.sales.states import OrderStatus
from tests.sales.orderflow import balance, fresh, order, shop, sku, stock, warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    wh = warehouse("WH1")
    item = sku("SKU-A")
    shop(warehouse=wh)
    stock(item, wh, 5)
    return {"wh": wh, "item": item}


def post(client, path, body):
    return client.client.post(path, data=json.dumps(body), content_type="application/json")


def test_review_needs_change_permission(api_as, setup):
    item = order()
    response = post(api_as("warehouse"), "/api/sales/orders/review", {"order_ids": [item.pk]})
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "PERMISSION_DENIED"
    assert fresh(item).status == OrderStatus.RECEIVED


def test_rule_review_allocate_happy_path(api_as, setup):
    client = api_as("ops_supervisor")
    # a rule holding orders with a remark
    response = post(client, "/api/sales/review-rules", {"name": "有备注", "kind": "remark_present"})
    assert response.status_code == 201
    noted, plain = order(buyer_remark="周末送"), order()
    # preview changes nothing
    preview = post(client, "/api/sales/review-preview", {"order_ids": [noted.pk, plain.pk]}).json()
    assert [row["outcome"] for row in preview] == ["held", "reviewed"]
    assert fresh(noted).status == OrderStatus.RECEIVED
    # review
    body = post(client, "/api/sales/orders/review", {"order_ids": [noted.pk, plain.pk]}).json()
    assert [row["outcome"] for row in body] == ["held", "reviewed"] and "周末送" in body[0]["reasons"][0]
    # allocate the reviewed one
    body = post(client, "/api/sales/orders/allocate", {"order_ids": [plain.pk]}).json()
    assert body[0]["outcome"] == "allocated" and body[0]["warehouse"] == "WH1"
    assert balance(setup["item"], setup["wh"]) == (5, 1)
    # release the held one by hand
    response = post(client, f"/api/orders/{noted.pk}/release", {"reason": "已联系买家"})
    assert response.status_code == 200 and response.json()["status"] == "reviewed"
    assert not OrderHold.objects.filter(order=noted, active=True).exists()


def test_error_codes(api_as, setup):
    client = api_as("ops_supervisor")
    item = order()
    response = post(client, "/api/sales/review-rules", {"name": "x", "kind": "amount_above",
                                                       "parameters": {"threshold": "abc"}})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "parameters.threshold"
    assert ReviewRule.objects.count() == 0
    response = post(client, f"/api/orders/{item.pk}/hold", {"reason": ""})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "REASON_REQUIRED"
    response = post(client, f"/api/orders/{item.pk}/release", {"reason": "x"})
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "ORDER_NOT_HELD"
    response = post(client, "/api/sales/orders/merge", {"order_ids": [item.pk]})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "MERGE_MISMATCH"
    response = post(client, "/api/sales/orders/review", {"order_ids": [999999]})
    assert response.status_code == 404
    response = post(client, f"/api/orders/{item.pk}/split", {"line_nos": [1]})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "INVALID_SPLIT"


def test_merge_and_split_happy_path(api_as, setup):
    client = api_as("operations")
    first, second = order(), order()
    assert client.get("/api/sales/merge-groups").json() == [[first.pk, second.pk]]
    response = post(client, "/api/sales/orders/merge", {"order_ids": [first.pk, second.pk]})
    assert response.status_code == 201
    merged = response.json()
    assert len(merged["lines"]) == 2
    response = post(client, f"/api/orders/{merged['id']}/split", {"line_nos": [2]})
    assert response.status_code == 201 and len(response.json()) == 2


def test_store_allocation_order_and_terms(api_as, setup):
    # given a second warehouse listed before the first for the store
    other = warehouse("WH2")
    stock(setup["item"], other, 5)
    client = api_as("ops_supervisor")
    response = client.client.put("/api/sales/stores/TM01/allocation", data=json.dumps(
        {"warehouses": ["WH2", "WH1"], "payment_terms": "cod"}), content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"store": "TM01", "warehouses": ["WH2", "WH1"], "payment_terms": "cod"}
    bad = client.client.put("/api/sales/stores/TM01/allocation", data=json.dumps({"warehouses": ["NOPE"]}),
                            content_type="application/json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "NO_WAREHOUSE"
    assert api_as("warehouse").client.put("/api/sales/stores/TM01/allocation", data=json.dumps(
        {"warehouses": []}), content_type="application/json").status_code == 403


def test_order_payment_terms_deposit(api_as, setup):
    # given a deposit order of 90 with 90 paid but a deposit of 100 required
    client = api_as("ops_supervisor")
    item = order()
    response = post(client, f"/api/orders/{item.pk}/payment-terms", {"payment_terms": "deposit",
                                                                    "deposit_amount": "100"})
    assert response.status_code == 200 and response.json()["payment_terms"] == "deposit"
    post(client, "/api/sales/review-rules", {"name": "付款", "kind": "payment_terms_not_satisfied"})
    body = post(client, "/api/sales/orders/review", {"order_ids": [item.pk]}).json()
    assert body[0]["outcome"] == "held" and "定金未付" in body[0]["reasons"][0]
    response = post(client, f"/api/orders/{item.pk}/payment-terms", {"payment_terms": "barter"})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "INVALID_RULE"

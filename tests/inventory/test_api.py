"""Inventory API: permission denied, error codes, happy paths; money as decimal strings."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ecerp.masterdata.models import UserScope
from tests.api.conftest import error_codes
from tests.inventory.helpers import balance, receive, reserve, sku, warehouse

pytestmark = pytest.mark.django_db


def test_balances_list_with_filters_and_money_as_strings(api_as):
    client = api_as("purchasing")
    cream, lotion, first, second = sku("面霜"), sku("乳液"), warehouse("A仓"), warehouse("B仓")
    receive(cream, first, 3, "3.333333")
    receive(lotion, second, 2, "1")
    reserve(cream, first, 1)
    response = client.get("/api/inventory/balances", sku=cream.code)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["sku"], item["warehouse"], item["on_hand"], item["reserved"], item["available"]) == (
        cream.code, first.code, 3, 1, 2)
    assert (item["value"], item["avg_cost"]) == ("10.00", "3.333333")
    assert client.get("/api/inventory/balances", warehouse_id=second.pk).json()["count"] == 1
    later = (timezone.now() + datetime.timedelta(minutes=1)).isoformat()
    assert client.get("/api/inventory/balances", changed_since=later).json()["count"] == 0


def test_balances_outside_the_data_scope_are_not_listed(api_as):
    client = api_as("warehouse")
    product, mine, theirs = sku(), warehouse("A仓"), warehouse("B仓")
    receive(product, mine, 1)
    receive(product, theirs, 1)
    scope = UserScope.objects.create(user=client.user)
    scope.warehouses.set([mine])
    body = client.get("/api/inventory/balances").json()
    assert [item["warehouse"] for item in body["items"]] == [mine.code]
    response = client.post("/api/inventory/documents", {"direction": "receipt", "warehouse_id": theirs.pk})
    assert response.status_code == 400 and error_codes(response) == [("warehouse_id", "UNKNOWN_WAREHOUSE")]


def test_permission_denied_and_anonymous(api_as, anonymous):
    assert anonymous.get("/api/inventory/balances").status_code == 401
    response = api_as("customs").get("/api/inventory/balances")
    assert response.status_code == 403 and error_codes(response) == [(None, "PERMISSION_DENIED")]
    response = api_as("finance").post("/api/inventory/documents", {"direction": "receipt", "warehouse_id": 1})
    assert response.status_code == 403


def test_an_other_receipt_is_created_and_confirmed_in_one_call(api_as):
    client = api_as("warehouse")
    product, wh = sku(), warehouse()
    response = client.post("/api/inventory/documents", {
        "direction": "receipt", "warehouse_id": wh.pk, "reason": "期初",
        "lines": [{"sku": product.code, "quantity": 4, "unit_cost": "2.125"}], "confirm": True,
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "confirmed" and body["code"].startswith("QR")
    assert body["lines"][0]["value"] == "8.50" and body["lines"][0]["unit_cost"] == "2.125000"
    assert balance(product, wh)[:3] == (4, 0, Decimal("8.50"))
    moves = client.get("/api/inventory/moves", sku=product.code).json()
    assert moves["count"] == 1 and moves["items"][0]["document_code"] == body["code"]


def test_document_errors_name_the_line(api_as):
    client = api_as("warehouse")
    product, wh = sku(), warehouse()
    response = client.post("/api/inventory/documents", {
        "direction": "issue", "warehouse_id": wh.pk,
        "lines": [{"sku": "NOPE", "quantity": 1}, {"product_id": product.pk, "quantity": 1, "unit_cost": "x"}],
    })
    assert response.status_code == 400
    assert error_codes(response) == [("lines.1.product_id", "UNKNOWN_PRODUCT"),
                                     ("lines.2.unit_cost", "INVALID_DECIMAL")]
    response = client.post("/api/inventory/documents", {
        "direction": "issue", "warehouse_id": wh.pk, "lines": [{"sku": product.code, "quantity": 2}],
        "confirm": True,
    })
    assert response.status_code == 409 and error_codes(response) == [("lines.1.quantity", "INSUFFICIENT_STOCK")]
    assert "NOPE" not in response.json()["errors"][0]["message"] and product.code in response.json()["errors"][0][
        "message"]
    # nothing was kept of the refused document
    assert client.get("/api/inventory/documents").json()["count"] == 0
    response = client.post("/api/inventory/documents", {
        "direction": "receipt", "warehouse_id": wh.pk, "lines": [{"sku": product.code, "quantity": -1}]})
    assert error_codes(response) == [("lines.1.quantity", "NEGATIVE_QUANTITY")]


def test_a_transfer_through_the_api(api_as):
    client = api_as("warehouse")
    product, source, target = sku(), warehouse("A仓"), warehouse("B仓")
    receive(product, source, 5, "3")
    response = client.post("/api/inventory/transfers", {
        "from_warehouse_id": source.pk, "to_warehouse_id": target.pk,
        "lines": [{"product_id": product.pk, "quantity": 2}], "ship": True})
    assert response.status_code == 201, response.json()
    transfer = response.json()
    assert transfer["status"] == "shipped" and transfer["lines"][0]["value"] == "6.00"
    transit = client.get("/api/inventory/in-transit").json()
    assert transit == [{"product_id": product.pk, "sku": product.code, "to_warehouse_id": target.pk,
                        "to_warehouse": target.code, "quantity": 2, "value": "6.00"}]
    response = client.post(f"/api/inventory/transfers/{transfer['id']}/receive")
    assert response.json()["status"] == "received"
    assert balance(product, target)[:3] == (2, 0, Decimal("6.00"))
    response = client.post(f"/api/inventory/transfers/{transfer['id']}/cancel")
    assert response.status_code == 409 and error_codes(response) == [("status", "INVALID_TRANSITION")]
    response = client.post("/api/inventory/transfers", {"from_warehouse_id": source.pk,
                                                        "to_warehouse_id": source.pk})
    assert error_codes(response) == [("to_warehouse", "SAME_WAREHOUSE")]
    assert client.post("/api/inventory/transfers/999999/ship").status_code == 404


def test_a_stocktake_through_the_api(api_as):
    client = api_as("warehouse")
    product, found, wh = sku("面霜"), sku("精华"), warehouse()
    receive(product, wh, 5, "2")
    response = client.post("/api/inventory/stocktakes", {"warehouse_id": wh.pk, "start": True})
    assert response.status_code == 201
    stocktake = response.json()
    assert [(line["sku"], line["book_quantity"]) for line in stocktake["lines"]] == [(product.code, 5)]
    url = f"/api/inventory/stocktakes/{stocktake['id']}"
    response = client.post(f"{url}/lines", {"sku": found.code, "counted_quantity": 1})
    assert response.status_code == 200, response.json()
    response = client.post(f"{url}/approve")
    assert response.status_code == 400 and error_codes(response) == [("counted_quantity", "COUNT_MISSING")]
    client.post(f"{url}/counts", {"counts": [{"sku": product.code, "counted_quantity": 4}]})
    response = client.post(f"{url}/approve")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert balance(product, wh)[:3] == (4, 0, Decimal("8.00"))
    assert balance(found, wh)[0] == 1
    # approval needs its own permission
    assert api_as("purchasing").post(f"{url}/approve").status_code == 403


def test_the_movement_report(api_as):
    client = api_as("finance")
    product, wh = sku(), warehouse()
    receive(product, wh, 4, "2.5")
    today = timezone.localdate().isoformat()
    response = client.get("/api/inventory/report", start=today, end=today)
    assert response.status_code == 200
    row = response.json()[0]
    assert (row["opening_quantity"], row["in_quantity"], row["in_value"], row["closing_value"]) == (
        0, 4, "10.00", "10.00")
    response = client.get("/api/inventory/report", start=today, end="2000-01-01")
    assert error_codes(response) == [("end", "INVALID_DATE_RANGE")]
    response = client.get("/api/inventory/report")
    assert response.status_code == 400 and ("start", "REQUIRED") in error_codes(response)


def test_bundle_availability(api_as):
    from tests.inventory.helpers import bundle

    client = api_as("operations")
    cream, wh = sku(), warehouse()
    box = bundle([(cream, 2)])
    receive(cream, wh, 5)
    response = client.get(f"/api/inventory/bundles/{box.pk}/available", warehouse_id=wh.pk)
    assert response.json() == {"product_id": box.pk, "warehouse_id": wh.pk, "available": 2}

"""Order API: push (single, batch, Idempotency-Key), list, read, cancel; mapping; quarantine."""

import json

import pytest

from ecerp.sales.models import QuarantinedRecord, SalesOrder
from tests.sales.helpers import product, record, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    product("SKU-A")
    return store()


def push(client, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.client.post("/api/orders", data=json.dumps(body), content_type="application/json",
                              headers=headers)


def test_push_needs_the_permission(api_as, shop):
    response = push(api_as("warehouse"), record("T1"))
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "PERMISSION_DENIED"
    assert SalesOrder.objects.count() == 0


def test_push_single_order_then_read_it(api_as, shop):
    client = api_as("operations")
    response = push(client, record("T1"))
    assert response.status_code == 201
    body = response.json()
    assert body["counts"]["created"] == 1
    order_id = body["results"][0]["order_id"]
    # operations may not see personal data: the phone is masked
    detail = client.get(f"/api/orders/{order_id}").json()
    assert detail["paid_amount"] == "90.00" and detail["lines"][0]["product_code"] == "SKU-A"
    assert detail["consignee_phone"] == "138****0001"
    full = api_as("admin").get(f"/api/orders/{order_id}").json()
    assert full["consignee_phone"] == "13800000001"


def test_same_idempotency_key_answers_the_same(api_as, shop):
    client = api_as("operations")
    first = push(client, record("T1"), key="k-1")
    again = push(client, record("T1"), key="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert SalesOrder.objects.count() == 1


def test_same_key_other_body_is_409(api_as, shop):
    client = api_as("operations")
    push(client, record("T1"), key="k-2")
    response = push(client, record("T2"), key="k-2")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "IDEMPOTENCY_CONFLICT"
    assert SalesOrder.objects.count() == 1


def test_batch_with_one_bad_record(api_as, shop):
    client = api_as("operations")
    bad = record("T2", lines=[{"sku_code": "SKU-A", "unit_price": "1"}])
    response = push(client, {"orders": [record("T1"), bad, record("T3")]})
    assert response.status_code == 201
    body = response.json()
    assert [item["outcome"] for item in body["results"]] == ["created", "quarantined", "created"]
    assert body["results"][1]["errors"][0]["field"] == "lines.1.quantity"
    assert QuarantinedRecord.objects.count() == 1


def test_single_bad_record_is_400_and_quarantined(api_as, shop):
    response = push(api_as("operations"), record("T1", store_code="NOPE"))
    assert response.status_code == 400
    assert response.json()["results"][0]["errors"][0]["code"] == "UNKNOWN_STORE"


def test_list_filters_and_cancel(api_as, shop):
    client = api_as("operations")
    push(client, {"orders": [record("T1"), record("T2", lines=[{"sku_code": "NEW", "quantity": 1,
                                                                "unit_price": "5"}])]})
    pending = client.get("/api/orders", pending_mapping="true").json()
    assert [item["platform_order_no"] for item in pending["items"]] == ["T2"]
    order = SalesOrder.objects.get(platform_order_no="T1")
    response = client.post(f"/api/orders/{order.pk}/cancel", {"reason": "买家取消"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert client.get("/api/orders", status="cancelled").json()["count"] == 1
    assert client.get("/api/orders/999999").status_code == 404


def test_cancel_after_shipment_is_409(api_as, shop):
    from ecerp.sales import services

    client = api_as("operations")
    push(client, record("T1"))
    order = SalesOrder.objects.get()
    services.mark_shipped(user=None, order=order)
    response = client.post(f"/api/orders/{order.pk}/cancel", {})
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "ORDER_NOT_OPEN"


def test_mapping_api_releases_orders(api_as, shop):
    client = api_as("operations")
    push(client, record("T1", lines=[{"sku_code": "TB-1", "quantity": 1, "unit_price": "5"}]))
    unmapped = client.get("/api/sales/unmapped-skus").json()
    assert unmapped == [{"store": "TM01", "sku_code": "TB-1", "title": "", "orders": 1}]
    response = client.post("/api/sales/sku-mappings", {"sku_code": "TB-1", "product_code": "SKU-A",
                                                       "store": "TM01"})
    assert response.status_code == 201 and response.json()["released"] == 1
    assert SalesOrder.objects.get().status == "received"
    missing = client.post("/api/sales/sku-mappings", {"sku_code": "TB-1", "product_code": "NOPE", "store": "TM01"})
    assert missing.status_code == 400 and missing.json()["errors"][0]["code"] == "UNKNOWN_PRODUCT"


def test_quarantine_retry_and_discard_api(api_as, shop):
    client = api_as("operations")
    push(client, {"orders": [record("T1", paid_amount="x"), record("T2", paid_amount="y")]})
    first, second = QuarantinedRecord.objects.order_by("pk")
    listed = client.get("/api/sales/quarantine").json()
    assert listed["count"] == 2
    fixed = dict(first.raw, paid_amount="90")
    response = client.post(f"/api/sales/quarantine/{first.pk}/retry", {"raw": fixed})
    assert response.status_code == 200 and response.json()["counts"]["created"] == 1
    assert client.post(f"/api/sales/quarantine/{second.pk}/discard").json()["status"] == "discarded"
    again = client.post(f"/api/sales/quarantine/{second.pk}/discard")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "QUARANTINE_CLOSED"
    assert api_as("finance").post(f"/api/sales/quarantine/{first.pk}/retry", {}).status_code == 403

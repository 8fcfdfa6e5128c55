"""Fulfilment API: shipments (create, scan, ship, sign, cancel), pick waves, PDFs, available-to-sell."""

import datetime

import pytest

from ecerp.inventory import services
from ecerp.inventory.models import Shipment
from tests.core.factories import make_store
from tests.inventory.helpers import receive, reserve, sku, warehouse
from tests.inventory.shipment_helpers import fresh_carrier, reserved_shipment  # noqa: F401

pytestmark = pytest.mark.django_db
BARCODE = "6900000000014"


def test_creating_a_shipment_needs_the_permission_and_a_reservation(api_as, anonymous):
    cream, wh = sku(barcode=BARCODE), warehouse()
    receive(cream, wh, 5)
    reserve(cream, wh, 2, reference="SO7")
    body = {"reference_type": "test.order", "reference_id": "SO7", "reference_code": "SO7", "warehouse_id": wh.pk,
            "consignee": {"name": "李四", "phone": "13900001111", "address": "北京市朝阳区建国路1号"},
            "lines": [{"sku": cream.code, "quantity": 2}]}
    assert anonymous.post("/api/inventory/shipments", body).status_code == 401
    assert api_as("finance").post("/api/inventory/shipments", body).status_code == 403
    client = api_as("operations")
    # an unknown SKU names its line
    bad = client.post("/api/inventory/shipments", {**body, "lines": [{"sku": "NOPE", "quantity": 2}]})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "lines.1.product"
    # more than reserved is a mismatch
    short = client.post("/api/inventory/shipments", {**body, "lines": [{"sku": cream.code, "quantity": 3}]})
    assert short.status_code == 400 and short.json()["errors"][0]["code"] == "RESERVATION_MISMATCH"
    created = client.post("/api/inventory/shipments", body)
    assert created.status_code == 201
    data = created.json()
    # the operations role may not see personal data: masked
    assert data["consignee"]["phone"] == "139****1111" and data["status"] == "created"
    assert client.post("/api/inventory/shipments", body).json()["errors"][0]["code"] == "SHIPMENT_EXISTS"
    # customs may see personal data but not shipments; admin sees both
    assert api_as("admin").get(f"/api/inventory/shipments/{data['id']}").json()["consignee"]["phone"] == "13900001111"


def test_scan_ship_and_sign_through_the_api(api_as):
    cream, wh = sku(barcode=BARCODE), warehouse()
    shipment = reserved_shipment([(cream, 2)], wh)
    client = api_as("warehouse")
    assert api_as("operations").post(f"/api/inventory/shipments/{shipment.pk}/scan",
                                     {"barcode": BARCODE}).status_code == 403
    # a wrong barcode is refused with its code and the barcode in the message
    wrong = client.post(f"/api/inventory/shipments/{shipment.pk}/scan", {"barcode": "6900000000021"})
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["code"] == "UNKNOWN_BARCODE" and "6900000000021" in wrong.json()["errors"][0][
        "message"]
    first = client.post(f"/api/inventory/shipments/{shipment.pk}/scan", {"barcode": BARCODE}).json()
    assert (first["scanned"], first["total"], first["complete"]) == (1, 2, False)
    # shipping before the last unit is scanned is refused
    early = client.post(f"/api/inventory/shipments/{shipment.pk}/ship", {"carrier": "SIM"})
    assert early.status_code == 400 and early.json()["errors"][0]["code"] == "NOT_FULLY_SCANNED"
    assert client.post(f"/api/inventory/shipments/{shipment.pk}/scan", {"barcode": BARCODE}).json()["complete"]
    shipped = client.post(f"/api/inventory/shipments/{shipment.pk}/ship", {"carrier": "SIM"})
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    assert shipped.json()["lines"][0]["unit_cost"] == "10.000000"
    again = client.post(f"/api/inventory/shipments/{shipment.pk}/ship", {"carrier": "SIM"})
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "ALREADY_SHIPPED"
    signed = client.post(f"/api/inventory/shipments/{shipment.pk}/sign", {"signed_at": "2026-11-30T10:00:00+08:00"})
    assert signed.json()["status"] == "signed"
    # the label downloads as a PDF
    label = client.get(f"/api/inventory/shipments/{shipment.pk}/label.pdf")
    assert label.status_code == 200 and label["Content-Type"] == "application/pdf" and label.content[:4] == b"%PDF"
    assert client.get("/api/inventory/shipments/999999/label.pdf").status_code == 404


def test_batch_ship_reports_each_parcel(api_as):
    cream, wh = sku(barcode=BARCODE), warehouse()
    shipment = reserved_shipment([(cream, 1)], wh)
    client = api_as("warehouse")
    rows = client.post("/api/inventory/shipment-batches/ship", {"shipment_ids": [shipment.pk], "carrier": "SIM"})
    assert rows.status_code == 200 and rows.json()[0]["ok"] is False
    assert rows.json()[0]["errors"][0]["code"] == "NOT_FULLY_SCANNED"
    missing = client.post("/api/inventory/shipment-batches/ship", {"shipment_ids": [999999]})
    assert missing.status_code == 404


def test_confirm_packed_then_batch_ship(api_as):
    # given two waiting parcels
    cream, wh = sku(barcode=BARCODE), warehouse()
    first = reserved_shipment([(cream, 2)], wh)
    client = api_as("warehouse")
    # when confirmed packed as a whole (整单验货) and shipped in one batch
    rows = client.post("/api/inventory/shipment-batches/confirm-packed", {"shipment_ids": [first.pk]})
    assert rows.status_code == 200 and rows.json()[0]["ok"] is True
    again = client.post("/api/inventory/shipment-batches/confirm-packed", {"shipment_ids": [first.pk]})
    assert again.json()[0]["ok"] is True  # already packed: a harmless retry
    shipped = client.post("/api/inventory/shipment-batches/ship", {"shipment_ids": [first.pk], "carrier": "SIM"})
    assert shipped.json()[0]["ok"] is True and shipped.json()[0]["waybill_no"].startswith("SIM")
    # then a shipped parcel can no longer be confirmed packed
    late = client.post("/api/inventory/shipment-batches/confirm-packed", {"shipment_ids": [first.pk]})
    assert late.json()[0]["ok"] is False and late.json()[0]["errors"][0]["code"] == "SHIPMENT_NOT_OPEN"
    assert api_as("finance").post("/api/inventory/shipment-batches/confirm-packed",
                                  {"shipment_ids": [first.pk]}).status_code == 403


def test_a_wave_through_the_api_with_its_pick_list(api_as):
    cream, wh = sku(), warehouse()
    shipment = reserved_shipment([(cream, 2)], wh)
    client = api_as("warehouse")
    assert api_as("operations").post("/api/inventory/pick-waves", {"warehouse_id": wh.pk,
                                                                    "shipment_ids": [shipment.pk]}).status_code == 403
    created = client.post("/api/inventory/pick-waves", {"warehouse_id": wh.pk, "shipment_ids": [shipment.pk]})
    assert created.status_code == 201 and created.json()["lines"][0]["quantity"] == 2
    again = client.post("/api/inventory/pick-waves", {"warehouse_id": wh.pk, "shipment_ids": [shipment.pk]})
    assert again.json()["errors"][0]["code"] == "SHIPMENT_NOT_OPEN"
    printed = client.get(f"/api/inventory/pick-waves/{created.json()['id']}/pick-list.pdf")
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")


def test_shipments_outside_the_callers_warehouses_are_not_found(api_as):
    from ecerp.masterdata import services as masterdata_services

    cream, here, there = sku(), warehouse("上海仓"), warehouse("广州仓")
    shipment = reserved_shipment([(cream, 1)], there)
    client = api_as("warehouse")
    masterdata_services.set_user_scope(user=None, target_user=client.user, all_stores=True, all_warehouses=False,
                                       stores=[], warehouses=[here])
    assert client.get(f"/api/inventory/shipments/{shipment.pk}").status_code == 404
    assert client.get("/api/inventory/shipments").json()["count"] == 0
    assert Shipment.objects.count() == 1


def test_available_to_sell_lists_what_changed_since_a_time(api_as):
    cream, lotion, wh = sku("面霜"), sku("乳液"), warehouse()
    receive(cream, wh, 10)
    receive(lotion, wh, 10)
    store = make_store()
    client = api_as("operations")
    none = client.get("/api/inventory/available-to-sell", store=store.code)
    assert none.status_code == 404 and none.json()["errors"][0]["code"] == "NO_POLICY"
    assert client.get("/api/inventory/available-to-sell", store="NOPE").status_code == 404
    services.save_store_stock_policy(user=None, store=store, warehouses=[wh], share_ratio="0.8",
                                     default_safety_stock=2)
    full = client.get("/api/inventory/available-to-sell", store=store.code).json()
    assert {(row["sku"], row["quantity"]) for row in full["items"]} == {(cream.code, 6), (lotion.code, 6)}
    # when the cream moves after the last push
    reserve(cream, wh, 5)
    changed = client.get("/api/inventory/available-to-sell", store=store.code, changed_since=full["as_of"]).json()
    # then only the cream comes back: floor((10 - 5 - 2) * 0.8) = 2
    assert [(row["sku"], row["quantity"]) for row in changed["items"]] == [(cream.code, 2)]
    later = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)).isoformat()
    assert client.get("/api/inventory/available-to-sell", store=store.code, changed_since=later).json()["items"] == []
    assert api_as("customs").get("/api/inventory/available-to-sell", store=store.code).status_code == 403


def test_the_shipment_list_costs_the_same_queries_for_one_parcel_or_many(api_as, django_assert_max_num_queries):
    cream, wh = sku(), warehouse()
    for number in range(12):
        reserved_shipment([(cream, 1)], wh, reference=f"SO{number}")
    client = api_as("warehouse")
    # token, user, permissions, scope, count, page: a constant handful, not one per parcel
    with django_assert_max_num_queries(12):
        response = client.get("/api/inventory/shipments", limit=50)
    assert response.json()["count"] == 12 and len(response.json()["items"]) == 12

"""Shipments: created for a reserved order, packed with scan check, shipped (stock leaves once), signed."""

from decimal import Decimal

import pytest

from ecerp.core.errors import DomainError
from ecerp.core.events import subscribe, unsubscribe
from ecerp.core.models import OutboxEvent, StateHistory
from ecerp.inventory import services
from ecerp.inventory.carriers import get_carrier
from ecerp.inventory.models import MoveKind, ScanRecord, Shipment, StockMove
from ecerp.inventory.states import SHIPMENT_TRANSITIONS, ShipmentStatus
from tests.inventory.helpers import balance, receive, sku, warehouse
from tests.inventory.shipment_helpers import fresh_carrier, reserved_shipment, scan_all  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_shipment_is_created_for_a_reserved_order_with_encrypted_consignee():
    # given an order that reserved 2 creams
    product, wh = sku(barcode="6901234567892"), warehouse()
    # when its parcel is created
    shipment = reserved_shipment([(product, 2)], wh)
    # then it waits for picking, with one line, and the consignee is stored encrypted
    assert shipment.code.startswith("FH") and shipment.status == ShipmentStatus.CREATED
    assert [(line.product_id, line.quantity, line.scanned_quantity) for line in shipment.lines.all()] == [
        (product.pk, 2, 0)]
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT consignee_phone FROM inventory_shipment WHERE id = %s", [shipment.pk])
        assert cursor.fetchone()[0].startswith("enc1:")
    assert Shipment.objects.get(pk=shipment.pk).consignee_phone == "13812345678"


def test_a_shipment_must_carry_exactly_the_reservation_of_its_order():
    product, other, wh = sku("A"), sku("B"), warehouse()
    receive(product, wh, 5)
    receive(other, wh, 5)
    services.reserve_stock(user=None, reference_type="sales.order", reference_id="SO9",
                           lines=[services.ReserveLine(product, wh, 2)])
    # when the parcel asks for other goods than were reserved
    with pytest.raises(DomainError) as error:
        services.create_shipment(user=None, reference_type="sales.order", reference_id="SO9", warehouse=wh,
                                 lines=[(product, 1), (other, 1)])
    # then it is refused
    assert error.value.code == "RESERVATION_MISMATCH"
    assert not Shipment.objects.exists()


def test_an_order_has_one_live_shipment():
    product, wh = sku(), warehouse()
    shipment = reserved_shipment([(product, 1)], wh)
    with pytest.raises(DomainError) as error:
        services.create_shipment(user=None, reference_type="sales.order", reference_id="SO1", warehouse=wh,
                                 lines=[(product, 1)])
    assert error.value.code == "SHIPMENT_EXISTS" and error.value.http_status == 409
    # a cancelled parcel makes room for a new one (the reservation stayed with the order)
    services.cancel_shipment(user=None, shipment=shipment, reason="换仓")
    again = services.create_shipment(user=None, reference_type="sales.order", reference_id="SO1", warehouse=wh,
                                     lines=[(product, 1)])
    assert again.status == ShipmentStatus.CREATED


def test_no_lines_and_bad_quantities_are_refused_naming_the_line():
    product, wh = sku(), warehouse()
    with pytest.raises(DomainError) as error:
        services.create_shipment(user=None, reference_type="sales.order", reference_id="X", warehouse=wh, lines=[])
    assert error.value.code == "NO_LINES"
    with pytest.raises(DomainError) as error:
        services.create_shipment(user=None, reference_type="sales.order", reference_id="X", warehouse=wh,
                                 lines=[(product, 0)])
    assert error.value.code == "NEGATIVE_QUANTITY" and error.value.field == "lines.1.quantity"


def test_the_state_table_allows_only_the_fulfilment_edges():
    assert SHIPMENT_TRANSITIONS[ShipmentStatus.CREATED] == {ShipmentStatus.PICKING, ShipmentStatus.PACKED,
                                                            ShipmentStatus.CANCELLED}
    assert ShipmentStatus.CANCELLED not in SHIPMENT_TRANSITIONS[ShipmentStatus.SHIPPED]
    assert SHIPMENT_TRANSITIONS[ShipmentStatus.SIGNED] == set()
    assert SHIPMENT_TRANSITIONS[ShipmentStatus.RETURNED] == set()


# --- scan check -----------------------------------------------------------------------------------------

def test_a_wrong_barcode_is_refused_naming_it_and_kept_as_a_refused_scan():
    cream, lotion, wh = sku("面霜", barcode="6900000000014"), sku("乳液", barcode="6900000000021"), warehouse()
    shipment = reserved_shipment([(cream, 1)], wh)
    with pytest.raises(DomainError) as error:
        services.scan_item(user=None, shipment=shipment, barcode="6900000000021")
    assert error.value.code == "WRONG_ITEM" and "6900000000021" in str(error.value) and lotion.code in str(error.value)
    with pytest.raises(DomainError) as error:
        services.scan_item(user=None, shipment=shipment, barcode="NOPE")
    assert error.value.code == "UNKNOWN_BARCODE" and "NOPE" in str(error.value)
    assert list(ScanRecord.objects.values_list("accepted", "error_code")) == [
        (False, "WRONG_ITEM"), (False, "UNKNOWN_BARCODE")]
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CREATED


def test_the_parcel_is_packed_only_when_every_unit_is_scanned_and_an_extra_unit_is_refused():
    cream, lotion, wh = sku("面霜", barcode="6900000000014"), sku("乳液"), warehouse()
    shipment = reserved_shipment([(cream, 2), (lotion, 1)], wh)
    # when the first cream is scanned
    first = services.scan_item(user=None, shipment=shipment, barcode="6900000000014")
    # then picking has started, 1 of 3
    assert (first.scanned, first.total, first.complete) == (1, 3, False)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PICKING
    services.scan_item(user=None, shipment=shipment, barcode="6900000000014")
    # a third cream is one too many
    with pytest.raises(DomainError) as error:
        services.scan_item(user=None, shipment=shipment, barcode="6900000000014")
    assert error.value.code == "EXTRA_ITEM" and "6900000000014" in str(error.value)
    # the lotion has no barcode: its code is scanned
    last = services.scan_item(user=None, shipment=shipment, barcode=lotion.code)
    assert last.complete
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED and shipment.packed_at is not None
    assert ScanRecord.objects.filter(accepted=True).count() == 3


def test_scans_survive_a_reload_and_can_be_reset():
    cream, wh = sku(barcode="6900000000014"), warehouse()
    shipment = reserved_shipment([(cream, 2)], wh)
    services.scan_item(user=None, shipment=shipment, barcode="6900000000014")
    reloaded = Shipment.objects.get(pk=shipment.pk)
    assert reloaded.lines.get().scanned_quantity == 1
    services.reset_scans(user=None, shipment=reloaded)
    assert reloaded.lines.get().scanned_quantity == 0


def test_resetting_a_packed_parcel_moves_it_back_to_picking_with_history():
    # given a parcel scanned complete (packed)
    cream, wh = sku(barcode="6900000000014"), warehouse()
    shipment = reserved_shipment([(cream, 1)], wh)
    services.scan_item(user=None, shipment=shipment, barcode="6900000000014")
    # when its scans are reset for a repack
    services.reset_scans(user=None, shipment=Shipment.objects.get(pk=shipment.pk))
    # then it is picking again, unpacked, and the move is in the state history
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PICKING and shipment.packed_at is None
    assert StateHistory.objects.filter(object_id=str(shipment.pk), from_state="packed", to_state="picking").exists()


# --- ship ------------------------------------------------------------------------------------------------

def test_shipping_issues_the_reserved_stock_at_the_moving_average_and_publishes_the_cost(
        django_capture_on_commit_callbacks):
    # given 4 creams received at 10 and 2 at 13 (average 11), an order of 3 packed
    cream, wh = sku(barcode="6900000000014"), warehouse()
    receive(cream, wh, 2, unit_cost="13")
    shipment = reserved_shipment([(cream, 3)], wh, cost="10")
    receive(cream, wh, 2, unit_cost="10")  # on hand 7: 2@13 + 3@10 + 2@10 -> average 76/7
    scan_all(shipment)
    received = []

    @subscribe("ShipmentShipped")
    def listen(event):
        received.append(event)

    try:
        # when it ships with the simulated carrier
        with django_capture_on_commit_callbacks(execute=True):
            shipped = services.ship_shipment(user=None, shipment=shipment, carrier_code="sim")
    finally:
        unsubscribe("ShipmentShipped", listen)
    # then the stock left (on hand 4, nothing reserved) at the average, once
    assert shipped.status == ShipmentStatus.SHIPPED and shipped.waybill_no.startswith("SIM")
    on_hand, reserved, value, avg = balance(cream, wh)
    assert (on_hand, reserved) == (4, 0)
    move = StockMove.objects.get(kind=MoveKind.ISSUE)
    assert move.quantity == -3 and move.unit_cost == Decimal("10.857143")
    assert move.document_type == "sales.order" and move.document_id == "SO1"
    line = shipped.lines.get()
    assert line.unit_cost == move.unit_cost and line.value == -move.value
    # and ShipmentShipped carries the source, waybill, carrier and the cost
    event = OutboxEvent.objects.get(event_type="ShipmentShipped").payload
    assert event["reference_id"] == "SO1" and event["carrier"] == "SIM" and event["waybill_no"] == shipped.waybill_no
    assert event["lines"] == [{"sku_code": cream.code, "quantity": 3, "unit_cost": str(move.unit_cost),
                               "value": str(line.value), "move_id": move.pk}]
    assert len(received) == 1 and received[0]["shipment_code"] == shipment.code


def test_shipping_twice_is_refused_and_issues_nothing_more():
    cream, wh = sku(), warehouse()
    shipment = reserved_shipment([(cream, 1)], wh)
    scan_all(shipment)
    services.ship_shipment(user=None, shipment=shipment, carrier_code="SIM")
    with pytest.raises(DomainError) as error:
        services.ship_shipment(user=None, shipment=Shipment.objects.get(pk=shipment.pk), carrier_code="SIM")
    assert error.value.code == "ALREADY_SHIPPED" and error.value.http_status == 409
    # a stale copy still in "packed" is refused too, under the row lock
    with pytest.raises(DomainError) as error:
        services.ship_shipment(user=None, shipment=shipment, carrier_code="SIM")
    assert error.value.code == "ALREADY_SHIPPED"
    assert StockMove.objects.filter(kind=MoveKind.ISSUE).count() == 1
    assert OutboxEvent.objects.filter(event_type="ShipmentShipped").count() == 1


def test_an_unscanned_parcel_or_an_unknown_carrier_cannot_ship():
    cream, wh = sku(), warehouse()
    shipment = reserved_shipment([(cream, 2)], wh)
    with pytest.raises(DomainError) as error:
        services.ship_shipment(user=None, shipment=shipment, carrier_code="SIM")
    assert error.value.code == "NOT_FULLY_SCANNED"
    # and the carrier was never asked for a waybill
    assert get_carrier("SIM").events == {}
    scan_all(shipment)
    with pytest.raises(DomainError) as error:
        services.ship_shipment(user=None, shipment=shipment, carrier_code="NOBODY")
    assert error.value.code == "UNKNOWN_CARRIER" and error.value.field == "carrier"
    assert balance(cream, wh)[:2] == (2, 2)


def test_a_released_reservation_stops_the_parcel_from_shipping():
    cream, wh = sku(), warehouse()
    shipment = reserved_shipment([(cream, 1)], wh)
    scan_all(shipment)
    services.release_reservation(user=None, reference_type="sales.order", reference_id="SO1")
    with pytest.raises(DomainError) as error:
        services.ship_shipment(user=None, shipment=shipment, carrier_code="SIM")
    assert error.value.code == "RESERVATION_MISMATCH"
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED and shipment.waybill_no == ""


def test_batch_ship_ships_the_good_parcels_and_reports_the_bad_one():
    cream, wh = sku(), warehouse()
    good = reserved_shipment([(cream, 1)], wh, reference="SO1")
    bad = reserved_shipment([(cream, 1)], wh, reference="SO2")
    scan_all(good)
    results = services.ship_shipments(user=None, shipments=[good, bad], carrier_code="SIM")
    assert [r.error.code if r.error else "ok" for r in results] == ["ok", "NOT_FULLY_SCANNED"]


# --- sign-off, cancel, intercept ---------------------------------------------------------------------

def _shipped(wh=None):
    cream, wh = sku(barcode="6900000000014"), wh or warehouse()
    shipment = reserved_shipment([(cream, 2)], wh, cost="12")
    scan_all(shipment)
    return services.ship_shipment(user=None, shipment=shipment, carrier_code="SIM"), cream, wh


def test_sign_off_is_recorded_by_hand_or_from_the_carrier_once():
    shipment, _cream, _wh = _shipped()
    get_carrier("SIM").simulate_delivery(shipment.waybill_no)
    signed = services.poll_carrier(user=None, shipment=shipment)
    assert signed.status == ShipmentStatus.SIGNED and signed.signed_at is not None
    # a repeated callback changes nothing
    services.record_sign_off(user=None, shipment=signed)
    assert OutboxEvent.objects.filter(event_type="ShipmentSigned").count() == 1


def test_cancelling_an_unshipped_parcel_keeps_the_reservation_and_publishes_the_fact():
    cream, wh = sku(), warehouse()
    shipment = reserved_shipment([(cream, 1)], wh)
    services.cancel_shipment(user=None, shipment=shipment, reason="客户取消")
    assert balance(cream, wh)[:2] == (1, 1)
    with pytest.raises(DomainError) as error:
        services.ship_shipment(user=None, shipment=shipment, carrier_code="SIM")
    assert error.value.code == "INVALID_TRANSITION"
    event = OutboxEvent.objects.get(event_type="ShipmentCancelled").payload
    assert event["reference_id"] == "SO1" and event["reason"] == "客户取消"
    history = StateHistory.objects.filter(model="inventory.shipment", object_id=str(shipment.pk))
    assert list(history.values_list("from_state", "to_state")) == [("created", "cancelled")]


def test_a_shipped_parcel_cannot_be_cancelled_but_can_be_intercepted_and_comes_back_into_stock():
    shipment, cream, wh = _shipped()
    with pytest.raises(DomainError) as error:
        services.cancel_shipment(user=None, shipment=shipment)
    assert error.value.code == "INVALID_TRANSITION"
    # when it is intercepted and the carrier brings it back
    intercepted = services.intercept_shipment(user=None, shipment=shipment, reason="客户拒收")
    assert intercepted.status == ShipmentStatus.INTERCEPTING
    get_carrier("SIM").simulate_return(shipment.waybill_no)
    returned = services.poll_carrier(user=None, shipment=intercepted)
    # then the goods are back at the cost they left with
    assert returned.status == ShipmentStatus.RETURNED
    assert balance(cream, wh)[:3] == (2, 0, Decimal("24.00"))
    assert StockMove.objects.filter(kind=MoveKind.RETURN_IN, document_id=str(shipment.pk)).get().quantity == 2
    assert {"ShipmentIntercepted", "ShipmentReturned"} <= set(OutboxEvent.objects.values_list("event_type", flat=True))


def test_a_delivered_parcel_cannot_be_intercepted():
    shipment, _cream, _wh = _shipped()
    get_carrier("SIM").simulate_delivery(shipment.waybill_no)
    with pytest.raises(DomainError) as error:
        services.intercept_shipment(user=None, shipment=shipment)
    assert error.value.code == "CARRIER_FAILED"
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED

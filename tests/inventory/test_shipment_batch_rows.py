"""The batch services write what the one-parcel services write: same moves, lines, history, audit rows, events.

create_shipments, confirm_packed and ship_many read tuples instead of instances; these tests ship
one parcel through the one-parcel path and a twin parcel (same stock story, other SKUs) through the
batch, and compare every row they leave, with ids, codes and times put aside.
"""

from decimal import Decimal

import pytest

from ecerp.core.crypto import decrypt
from ecerp.core.events import subscribe, unsubscribe
from ecerp.core.models import AuditLog, OutboxEvent, StateHistory
from ecerp.inventory import services
from ecerp.inventory.models import Shipment, ShipmentLine, StockMove
from ecerp.inventory.services import ReserveLine, ShipmentRequest
from ecerp.inventory.states import ShipmentStatus
from tests.core.factories import make_store
from tests.inventory.helpers import balance, receive, sku, warehouse
from tests.inventory.shipment_helpers import CONSIGNEE, fresh_carrier, scan_all  # noqa: F401

pytestmark = pytest.mark.django_db


def _story(wh, reference):
    """Two SKUs received at different costs, reserved by `reference` (2 + 1 units), more received after."""
    first, second = sku(f"面霜{reference}"), sku(f"精华{reference}")
    receive(first, wh, 3, unit_cost="13")
    receive(second, wh, 5, unit_cost="7.5")
    services.reserve_stock(user=None, reference_type="sales.order", reference_id=reference, reference_code=reference,
                           lines=[ReserveLine(first, wh, 2), ReserveLine(second, wh, 1)])
    return first, second


def _same(value, names: dict, keyed: dict):
    """value with the texts of one parcel (codes, waybill, times) replaced by role names (names: {actual: role}),
    and the ids under the keys of keyed ({key: {actual: role}}) too."""
    if isinstance(value, dict):
        return {key: keyed[key].get(item, item) if key in keyed else _same(item, names, keyed)
                for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_same(item, names, keyed) for item in value]
    if isinstance(value, str):
        for actual, role in names.items():
            value = value.replace(actual, role)
        return value
    return value


def _rows(shipment: Shipment, first, second) -> dict:
    shipment = Shipment.objects.get(pk=shipment.pk)
    moves = list(StockMove.objects.filter(document_id=shipment.reference_id).order_by("pk"))
    names = {shipment.code: "CODE", shipment.reference_id: "REF", first.code: "SKU1", second.code: "SKU2"}
    if shipment.waybill_no:
        names[shipment.waybill_no] = "WAYBILL"
    if shipment.shipped_at:
        names[shipment.shipped_at.isoformat()] = "SHIPPED_AT"
    products = {first.pk: "P1", second.pk: "P2"}
    keyed = {"shipment_id": {shipment.pk: "SHIPMENT"}, "move_id": {move.pk: f"MOVE{n}" for n, move in enumerate(moves)},
             "document_line": {move.document_line: f"RESERVATION{n}" for n, move in enumerate(moves)}}
    events = {event.event_type: event.payload for event in OutboxEvent.objects.all()
              if event.payload.get("document_id", event.payload.get("reference_id")) == shipment.reference_id}
    audits = [(row.action, row.object_repr, list((row.before or {}).items()), list((row.after or {}).items()),
               row.note) for row in AuditLog.objects.filter(model="inventory.shipment", object_id=str(shipment.pk))
              .order_by("pk")]
    created = [(action, repr_, before, [(key, "SHIPMENT" if key == "id" else value) for key, value in after
                                        if key != "created_at"], note)
               for action, repr_, before, after, note in audits]
    return _same({
        "moves": [(products[move.product_id], move.warehouse_id, move.location_id, move.kind, move.quantity,
                   move.unit_cost, move.value, move.balance_quantity, move.balance_value, move.document_type,
                   move.document_code, keyed["document_line"][move.document_line],
                   move.occurred_at == shipment.shipped_at, move.user_id, move.reason) for move in moves],
        "lines": [(line_no, products[product_id], *rest) for line_no, product_id, *rest in
                  ShipmentLine.objects.filter(shipment=shipment).order_by("line_no").values_list(
                      "line_no", "product_id", "quantity", "scanned_quantity", "unit_cost", "value")],
        "shipment": (shipment.status, shipment.carrier_code, bool(shipment.waybill_no), shipment.reference_code,
                     shipment.consignee_name, shipment.consignee_phone, shipment.consignee_address),
        "history": list(StateHistory.objects.filter(model="inventory.shipment", object_id=str(shipment.pk))
                        .order_by("pk").values_list("from_state", "to_state", "reason")),
        "audit": created,
        "events": events,
        "balances": [balance(first, shipment.warehouse_id), balance(second, shipment.warehouse_id)],
    }, names, keyed)


def test_a_batch_writes_the_rows_the_one_parcel_services_write(django_capture_on_commit_callbacks):
    wh, shop = warehouse(), make_store()
    # the one-parcel way
    first, second = _story(wh, "SO1")
    one = services.create_shipment(user=None, reference_type="sales.order", reference_id="SO1",
                                   reference_code="SO1", warehouse=wh, lines=[(first, 2), (second, 1)],
                                   consignee=CONSIGNEE, store=shop)
    receive(first, wh, 4, unit_cost="10")
    scan_all(one)
    services.ship_shipment(user=None, shipment=one, carrier_code="SIM")
    # the batch way, for a twin (products given as ids, the warehouse and store as ids too)
    twin_first, twin_second = _story(wh, "SO2")
    [created] = services.create_shipments(user=None, requests=[ShipmentRequest(
        reference_type="sales.order", reference_id="SO2", reference_code="SO2", warehouse=wh.pk,
        lines=[(twin_first.pk, 2), (twin_second.pk, 1)], consignee=CONSIGNEE, store=shop.pk)])
    assert created.error is None
    twin = created.shipment
    assert twin.pk and twin.code.startswith("FH") and twin.status == ShipmentStatus.CREATED
    receive(twin_first, wh, 4, unit_cost="10")
    scan_all(twin)
    with django_capture_on_commit_callbacks(execute=True):
        [shipped] = services.ship_shipments(user=None, shipments=[twin], carrier_code="SIM")
    assert shipped.error is None
    assert shipped.shipment.status == ShipmentStatus.SHIPPED and shipped.shipment.waybill_no.startswith("SIM")
    # then both leave the same rows
    mine, theirs = _rows(one, first, second), _rows(twin, twin_first, twin_second)
    assert mine["moves"] and mine["events"].keys() == {"StockIssued", "ShipmentShipped"}
    for key in mine:
        assert theirs[key] == mine[key], key
    # the moves' ids in the events are the ids of the rows written
    issued = OutboxEvent.objects.get(event_type="StockIssued", payload__document_id="SO2").payload
    for line in issued["lines"]:
        move = StockMove.objects.get(pk=line["move_id"])
        assert (move.document_id, move.document_line, str(move.value)) == ("SO2", line["document_line"],
                                                                          line["value"])
    assert Decimal(issued["total_value"]) == sum(StockMove.objects.filter(document_id="SO2").values_list(
        "value", flat=True))


def test_confirm_packed_writes_the_same_history_and_audit_row_for_every_parcel():
    wh = warehouse()
    first, second = _story(wh, "SO1")
    one = services.create_shipment(user=None, reference_type="sales.order", reference_id="SO1", warehouse=wh,
                                   lines=[(first, 2), (second, 1)])
    [result] = services.confirm_packed(user=None, shipments=[one])
    assert result.error is None and result.shipment.status == ShipmentStatus.PACKED
    parcel = Shipment.objects.get(pk=one.pk)
    assert parcel.status == ShipmentStatus.PACKED and parcel.packed_at is not None
    assert list(ShipmentLine.objects.filter(shipment=parcel).values_list("quantity", "scanned_quantity")) == [
        (2, 2), (1, 1)]
    assert list(StateHistory.objects.filter(model="inventory.shipment", object_id=str(one.pk)).values_list(
        "from_state", "to_state", "reason")) == [("created", "packed", "整单验货")]
    row = AuditLog.objects.filter(model="inventory.shipment", object_id=str(one.pk), action="update").get()
    assert (row.object_repr, row.before, row.after, row.note) == (
        one.code, {"status": "open"}, {"status": "packed"}, "整单验货（未逐件扫描）")
    # a second confirmation changes nothing; a shipped parcel is refused
    [again] = services.confirm_packed(user=None, shipments=[parcel])
    assert again.error is None and StateHistory.objects.filter(object_id=str(one.pk)).count() == 1
    services.ship_shipments(user=None, shipments=[parcel], carrier_code="SIM")
    [late] = services.confirm_packed(user=None, shipments=[parcel])
    assert late.error.code == "SHIPMENT_NOT_OPEN"


def test_a_sealed_consignee_keeps_its_ciphertext_and_other_texts_are_encrypted():
    from django.db import connection

    from ecerp.core.crypto import encrypt
    from ecerp.inventory.services.shipments import Consignee, Sealed

    wh = warehouse()
    first, _second = _story(wh, "SO1")
    stored = encrypt("李四")
    padded = encrypt(" 王五 ")
    [created] = services.create_shipments(user=None, requests=[ShipmentRequest(
        reference_type="sales.order", reference_id="SO1", warehouse=wh, lines=[(first, 2), (_second, 1)],
        consignee=Consignee(name=Sealed("李四", stored), phone=Sealed(" 王五 ", padded), address="上海 路1号"))])
    assert created.error is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT consignee_name, consignee_phone, consignee_address FROM inventory_shipment "
                       "WHERE id = %s", [created.shipment.pk])
        name, phone, address = cursor.fetchone()
    # the name's ciphertext is copied; a text that strips differently is encrypted again (stripped)
    assert name == stored
    assert phone != padded and decrypt(phone) == "王五"
    assert address.startswith("enc1:") and decrypt(address) == "上海 路1号"
    assert AuditLog.objects.get(model="inventory.shipment", action="create").after["consignee_name"] == "李*"


def test_orders_shipped_by_their_parcels_move_with_one_history_row_each(django_capture_on_commit_callbacks):
    received = []

    @subscribe("ShipmentShipped")
    def listen(event):
        received.append(event)

    wh = warehouse()
    first, second = _story(wh, "SO1")
    one = services.create_shipment(user=None, reference_type="sales.order", reference_id="SO1", warehouse=wh,
                                   lines=[(first, 2), (second, 1)])
    services.confirm_packed(user=None, shipments=[one])
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.ship_shipments(user=None, shipments=[one], carrier_code="SIM")
    finally:
        unsubscribe("ShipmentShipped", listen)
    assert [event["shipment_code"] for event in received] == [one.code]
    assert set(received[0]) >= {"shipment_id", "shipment_code", "reference_type", "reference_id", "reference_code",
                                "store_code", "warehouse_code", "carrier", "waybill_no", "occurred_at", "lines",
                                "total_value"}


def test_update_by_id_is_a_compare_and_set_on_its_guards():
    from ecerp.inventory.models import StockBalance
    from ecerp.inventory.services.ledger import update_by_id

    wh = warehouse()
    first, second = sku("甲"), sku("乙")
    receive(first, wh, 3)
    receive(second, wh, 5)
    rows = {row.product_id: row for row in StockBalance.objects.filter(warehouse=wh)}
    # one guard holds, the other was changed under us: only the first row changes
    changed = update_by_id(StockBalance, ["on_hand", "reserved"], [
        (2, 1, rows[first.pk].pk, 3, 0), (4, 0, rows[second.pk].pk, 99, 0)], guards=("on_hand", "reserved"))
    assert changed == 1
    assert balance(first, wh)[:2] == (2, 1) and balance(second, wh)[:2] == (5, 0)
    assert update_by_id(StockBalance, ["value"], [(Decimal("1.50"), rows[second.pk].pk)]) == 1
    assert balance(second, wh)[2] == Decimal("1.50")

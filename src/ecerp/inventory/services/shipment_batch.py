"""Shipments in batches: create many parcels, confirm many packed, ship many, each with a few queries.

The same rules as the one-parcel services in shipments.py (same errors, same events, same
ledger postings), applied to sets: one lock query for the parcels of a batch, one for their
reservations, one posting of every issued line (post_move_documents), bulk inserts for
parcels, lines, history, audit rows and outbox events. A parcel that breaks a rule is left out
with its error; the others go on (one bad parcel never stops the batch).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.core.audit import record_many, snapshot
from ecerp.core.bulk import insert_records, preparer, update_rows
from ecerp.core.errors import DomainError, ErrorCode
from ecerp.core.events import publish_many
from ecerp.core.models import AuditAction
from ecerp.core.services import next_codes
from ecerp.core.states import move_many
from ecerp.inventory.errors import InventoryError, InventoryInvalid, ShipmentConflict, line_field
from ecerp.inventory.events import SHIPMENT_SHIPPED, STOCK_ISSUED
from ecerp.inventory.models import MoveKind, Reservation, Shipment, ShipmentLine
from ecerp.inventory.services.codes import ensure_rules
from ecerp.inventory.services.ledger import (
    MoveDocument,
    MoveLine,
    check_quantity,
    check_stockable,
    moves_payload,
    post_move_documents,
)
from ecerp.inventory.services.shipments import (
    LABELS,
    BatchResult,
    Consignee,
    _book_waybill,
    _user,
    create_shipment,
    reservation_mismatch,
    shipment_payload,
    shipping_refusal,
)
from ecerp.inventory.states import SHIPMENT_TRANSITIONS, ReservationStatus, ShipmentStatus
from ecerp.masterdata.models import Product, Store, Warehouse


@dataclass
class ShipmentRequest:
    """One parcel to create (see create_shipment): its source document, warehouse, lines and consignee."""

    reference_type: str
    reference_id: object
    warehouse: Warehouse
    lines: list[tuple[Product, int]]
    reference_code: str = ""
    consignee: Consignee = field(default_factory=Consignee)
    store: Store | None = None


@dataclass
class CreateResult:
    request: ShipmentRequest
    shipment: Shipment | None = None
    error: DomainError | None = None


def _reserved_by_reference(reference_type: str, reference_ids) -> dict[str, list[Reservation]]:
    rows: dict[str, list[Reservation]] = defaultdict(list)
    for row in Reservation.objects.filter(reference_type=reference_type, reference_id__in=list(reference_ids),
                                          status=ReservationStatus.ACTIVE).select_related("product", "warehouse"):
        rows[row.reference_id].append(row)
    return rows


def _units(reservations: list[Reservation]) -> dict[tuple[int, int], int]:
    units: dict[tuple[int, int], int] = defaultdict(int)
    for row in reservations:
        units[(row.product_id, row.warehouse_id)] += row.quantity
    return dict(units)


def _codes(count: int) -> list[str]:
    try:
        return next_codes(target="shipment", count=count)
    except DomainError as error:
        if error.code != ErrorCode.CODE_RULE_MISSING:
            raise
    ensure_rules()
    return next_codes(target="shipment", count=count)


def create_shipments(*, user, requests: list[ShipmentRequest]) -> list[CreateResult]:
    """Create many parcels at once (each as create_shipment would); one result per request, in order.

    Per request: NO_LINES, BUNDLE_NOT_STOCKED / NEGATIVE_QUANTITY, SHIPMENT_EXISTS (the document
    has a live parcel, or appears twice in the batch), RESERVATION_MISMATCH; the good ones are
    created in one transaction (codes in one sequence move, bulk inserts, audit rows).
    """
    results = [CreateResult(request) for request in requests]
    wanted: list[dict[int, int]] = []
    for result in results:
        request = result.request
        request.reference_id = str(request.reference_id)
        units: dict[int, int] = {}
        try:
            if not request.lines:
                raise InventoryInvalid(InventoryError.NO_LINES, _("发货单没有明细"), field="lines")
            for index, (product, quantity) in enumerate(request.lines):
                check_stockable(product, field=line_field(index, "product"))
                check_quantity(quantity, field=line_field(index, "quantity"))
                units[product.pk] = units.get(product.pk, 0) + quantity
        except DomainError as error:
            result.error = error
        wanted.append(units)
    by_type = defaultdict(list)
    for index, result in enumerate(results):
        if result.error is None:
            by_type[result.request.reference_type].append(index)
    with transaction.atomic():
        for reference_type, indexes in by_type.items():
            ids = [results[i].request.reference_id for i in indexes]
            live = set(Shipment.objects.filter(reference_type=reference_type, reference_id__in=ids).exclude(
                status__in=[ShipmentStatus.CANCELLED, ShipmentStatus.RETURNED]).values_list("reference_id", flat=True))
            reserved = _reserved_by_reference(reference_type, ids)
            seen = set()
            for i in indexes:
                request = results[i].request
                reference = request.reference_code or f"{reference_type}#{request.reference_id}"
                if request.reference_id in live or request.reference_id in seen:
                    results[i].error = ShipmentConflict(InventoryError.SHIPMENT_EXISTS,
                                                        _("单据「%(reference)s」已有发货单"), reference=reference)
                elif _units(reserved.get(request.reference_id, [])) != {
                        (product_id, request.warehouse.pk): units for product_id, units in wanted[i].items()}:
                    results[i].error = reservation_mismatch(reference, request.warehouse)
                seen.add(request.reference_id)
        good = [i for i, result in enumerate(results) if result.error is None]
        if not good:
            return results
        who = _user(user)
        shipments = []
        for i, code in zip(good, _codes(len(good)), strict=True):
            request = results[i].request
            consignee = Consignee(**request.consignee) if isinstance(request.consignee, dict) else request.consignee
            shipments.append(Shipment(
                code=code, reference_type=request.reference_type, reference_id=request.reference_id,
                reference_code=request.reference_code, warehouse=request.warehouse, store=request.store,
                consignee_name=consignee.name.strip(), consignee_phone=consignee.phone.strip(),
                consignee_address=consignee.address.strip(), created_by=who, status=ShipmentStatus.CREATED))
        try:
            with transaction.atomic():
                insert_records(Shipment, shipments, key="code")
        except IntegrityError:  # a concurrent creator won a document's parcel: redo one by one
            for i in good:
                request = results[i].request
                try:
                    results[i].shipment = create_shipment(
                        user=user, reference_type=request.reference_type, reference_id=request.reference_id,
                        reference_code=request.reference_code, warehouse=request.warehouse, lines=request.lines,
                        consignee=request.consignee, store=request.store)
                except DomainError as error:
                    results[i].error = error
            return results
        lines = []
        for i, shipment in zip(good, shipments, strict=True):
            results[i].shipment = shipment
            lines += [ShipmentLine(shipment=shipment, line_no=number, product_id=product_id, quantity=quantity)
                      for number, (product_id, quantity) in enumerate(wanted[i].items(), start=1)]
        insert_records(ShipmentLine, lines, key=None)
        record_many(user=user, entries=[(AuditAction.CREATE, shipment, None, snapshot(shipment))
                                        for shipment in shipments])
    return results


def confirm_packed(*, user, shipments: list[Shipment]) -> list[BatchResult]:
    """Confirm whole parcels packed without scanning each unit (整单验货, e.g. goods packed at the source).

    Every line counts as fully checked and the parcel moves to packed (history row, packed_at,
    an audit row saying it was confirmed as a whole). SHIPMENT_NOT_OPEN for parcels that are not
    created or picking; packed ones are left as they are (a retry is harmless).
    """
    results = {shipment.pk: BatchResult(shipment) for shipment in shipments}
    with transaction.atomic():
        locked = list(Shipment.objects.select_for_update().filter(pk__in=list(results)).order_by("pk"))
        open_ones = []
        for shipment in locked:
            results[shipment.pk].shipment = shipment
            if shipment.status in (ShipmentStatus.CREATED, ShipmentStatus.PICKING):
                open_ones.append(shipment)
            elif shipment.status != ShipmentStatus.PACKED:
                results[shipment.pk].error = InventoryInvalid(
                    InventoryError.SHIPMENT_NOT_OPEN, _("包裹「%(shipment)s」状态为「%(status)s」，不能验货"),
                    field="status", shipment=shipment.code, status=LABELS[shipment.status])
        if open_ones:
            ids = [shipment.pk for shipment in open_ones]
            ShipmentLine.objects.filter(shipment_id__in=ids).update(scanned_quantity=F("quantity"))
            move_many(user=user, objs=open_ones, to_state=ShipmentStatus.PACKED, transitions=SHIPMENT_TRANSITIONS,
                      labels=LABELS, reason=str(_("整单验货")), extra={"packed_at": timezone.now()})
            record_many(user=user, entries=[(AuditAction.UPDATE, shipment, {"status": "open"},
                                             {"status": ShipmentStatus.PACKED}) for shipment in open_ones],
                        note=str(_("整单验货（未逐件扫描）")))
    return [results[shipment.pk] for shipment in shipments]


def ship_many(*, user, shipments: list[Shipment], carrier_code: str) -> list[BatchResult]:
    """Ship many packed parcels with one carrier (as ship_shipment does for one), in one transaction.

    Waybills are booked first, outside the transaction, for the parcels a fresh read shows
    shippable. Then, under the parcels' row locks: the same checks (ALREADY_SHIPPED,
    NOT_FULLY_SCANNED, INVALID_TRANSITION, RESERVATION_MISMATCH) per parcel; every good parcel's
    reservation is consumed and issued at the moving average in one posting; lines keep their
    unit cost and value; StockIssued and ShipmentShipped are published per parcel.
    """
    results = {shipment.pk: BatchResult(shipment) for shipment in shipments}
    fresh = {shipment.pk: shipment for shipment in Shipment.objects.filter(pk__in=list(results))}
    waybills: dict[int, tuple[str, str]] = {}
    for pk, shipment in fresh.items():
        error = shipping_refusal(shipment)
        if error is None:
            try:
                waybills[pk] = _book_waybill(shipment, carrier_code)
            except DomainError as failure:
                error = failure
        if error is not None:
            results[pk].error = error
    with transaction.atomic():
        locked = list(Shipment.objects.select_for_update(of=("self",)).select_related("warehouse", "store")
                      .filter(pk__in=list(waybills)).order_by("pk"))
        lines_of: dict[int, list[ShipmentLine]] = defaultdict(list)
        for line in ShipmentLine.objects.filter(shipment_id__in=[s.pk for s in locked]).select_related("product"):
            lines_of[line.shipment_id].append(line)
        reserved: dict[tuple[str, str], list[Reservation]] = {}
        for reference_type in {shipment.reference_type for shipment in locked}:
            ids = [shipment.reference_id for shipment in locked if shipment.reference_type == reference_type]
            for reference_id, rows in _reserved_by_reference(reference_type, ids).items():
                reserved[(reference_type, reference_id)] = rows
        going = []
        for shipment in locked:
            results[shipment.pk].shipment = shipment
            error = shipping_refusal(shipment)
            rows = reserved.get((shipment.reference_type, shipment.reference_id), [])
            if error is None and _units(rows) != {(line.product_id, shipment.warehouse_id): line.quantity
                                                  for line in lines_of[shipment.pk]}:
                reference = shipment.reference_code or f"{shipment.reference_type}#{shipment.reference_id}"
                error = reservation_mismatch(reference, shipment.warehouse)
            if error is not None:
                results[shipment.pk].error = error
            else:
                going.append(shipment)
        if not going:
            return [results[shipment.pk] for shipment in shipments]
        now = timezone.now()
        consumed = [row.pk for shipment in going for row in reserved[(shipment.reference_type, shipment.reference_id)]]
        if Reservation.objects.filter(pk__in=consumed, status=ReservationStatus.ACTIVE).update(
                status=ReservationStatus.CONSUMED, closed_at=now) != len(consumed):
            raise ShipmentConflict(InventoryError.RESERVATION_MISMATCH, _("库存占用已被其他操作改变，请重试"))
        documents = []
        for shipment in going:
            rows = reserved[(shipment.reference_type, shipment.reference_id)]
            documents.append(MoveDocument(
                shipment.reference_type, shipment.reference_id, shipment.reference_code,
                [MoveLine(product=row.product, warehouse=row.warehouse, quantity=row.quantity, from_reserved=True,
                          document_line=str(row.pk)) for row in rows],
                reason=str(_("发货 %(code)s") % {"code": shipment.code})))
        posted = post_move_documents(user=user, kind=MoveKind.ISSUE, documents=documents, occurred_at=now)
        line_rows, shipment_rows, events, audit = [], [], [], []
        stamp = preparer(Shipment._meta.get_field("shipped_at"))(now)
        for shipment, moves in zip(going, posted, strict=True):
            by_product = {move.product_id: move for move in moves}
            lines = lines_of[shipment.pk]
            for line in lines:
                issued = by_product[line.product_id]
                line.unit_cost, line.value = issued.unit_cost, -issued.value
                line_rows.append((line.unit_cost, line.value, line.pk))
            carrier, waybill_no = waybills[shipment.pk]
            before = snapshot(shipment)
            shipment.carrier_code, shipment.waybill_no, shipment.shipped_at = carrier, waybill_no, now
            shipment_rows.append((carrier, waybill_no, stamp, shipment.pk))
            events.append((STOCK_ISSUED, moves_payload(moves, document_type=shipment.reference_type,
                                                       document_id=shipment.reference_id,
                                                       document_code=shipment.reference_code, occurred_at=now)))
            events.append((SHIPMENT_SHIPPED, shipment_payload(shipment, occurred_at=now.isoformat(), lines=[
                {"sku_code": line.product.code, "quantity": line.quantity, "unit_cost": str(line.unit_cost),
                 "value": str(line.value), "move_id": by_product[line.product_id].pk} for line in lines
            ], total_value=str(sum(line.value for line in lines)))))
            audit.append((before, shipment))
        update_rows(ShipmentLine, ["unit_cost = %s", "value = %s"], ["id = %s"], line_rows)
        update_rows(Shipment, ["carrier_code = %s", "waybill_no = %s", "shipped_at = %s"], ["id = %s"], shipment_rows)
        move_many(user=user, objs=going, to_state=ShipmentStatus.SHIPPED, transitions=SHIPMENT_TRANSITIONS,
                  labels=LABELS, reason={s.pk: f"{s.carrier_code} {s.waybill_no}" for s in going})
        record_many(user=user, entries=[(AuditAction.UPDATE, shipment, before, snapshot(shipment))
                                        for before, shipment in audit], note="ship")
        publish_many(events)
    return [results[shipment.pk] for shipment in shipments]

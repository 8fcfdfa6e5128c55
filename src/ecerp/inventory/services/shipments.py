"""Shipments (发货单/包裹): pack with scan check (验货), ship with a carrier waybill, sign-off, cancel, intercept.

A shipment belongs to a source document (a sales order) that has already reserved its stock
with reserve_stock under the same reference; the shipment never reserves or releases by
itself. Shipping issues the reservation (issue_reserved_stock) in the same transaction as the
state change, so stock leaves exactly once. States: see states.SHIPMENT_TRANSITIONS.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.errors import DomainError
from ecerp.core.events import publish
from ecerp.core.models import AuditAction
from ecerp.core.states import check_transition, move
from ecerp.inventory.carriers import RETURNED, SIGNED, get_carrier
from ecerp.inventory.errors import InventoryError, InventoryInvalid, ShipmentConflict, line_field
from ecerp.inventory.events import (
    SHIPMENT_CANCELLED,
    SHIPMENT_INTERCEPTED,
    SHIPMENT_RETURNED,
    SHIPMENT_SHIPPED,
    SHIPMENT_SIGNED,
)
from ecerp.inventory.models import MoveKind, Reservation, ScanRecord, Shipment, ShipmentLine
from ecerp.inventory.services.codes import next_document_code
from ecerp.inventory.services.ledger import MoveLine, check_quantity, check_stockable
from ecerp.inventory.services.reservations import issue_reserved_stock
from ecerp.inventory.services.stock import receive_stock
from ecerp.inventory.states import OPEN_SHIPMENT_STATES, SHIPMENT_TRANSITIONS, ReservationStatus, ShipmentStatus
from ecerp.masterdata.models import Product, Store, Warehouse

DOCUMENT_TYPE = "inventory.shipment"
LABELS = dict(ShipmentStatus.choices)


@dataclass
class Consignee:
    name: str = ""
    phone: str = ""
    address: str = ""


class Sealed(str):
    """A consignee text that carries its ciphertext, read raw from the source document's encrypted column.

    It is the clear text in every respect; create_shipments writes the ciphertext it carries
    instead of encrypting the text again (the same value at rest, without a Fernet call)."""

    __slots__ = ("stored",)

    def __new__(cls, clear: str, stored: str):
        value = super().__new__(cls, clear)
        value.stored = stored
        return value


def _user(user):
    return user if getattr(user, "pk", None) else None


def _move(user, shipment: Shipment, to_state: str, reason: str = "") -> bool:
    return move(user=user, obj=shipment, to_state=to_state, transitions=SHIPMENT_TRANSITIONS, labels=LABELS,
                reason=reason)


def _locked(shipment: Shipment) -> Shipment:
    return Shipment.objects.select_for_update(of=("self",)).select_related("warehouse", "store").get(pk=shipment.pk)


def _reserved(reference_type: str, reference_id: str) -> dict[tuple[int, int], int]:
    """{(product_id, warehouse_id): units} of the document's active reservations."""
    reserved: dict[tuple[int, int], int] = {}
    for product_id, warehouse_id, quantity in Reservation.objects.filter(
            reference_type=reference_type, reference_id=reference_id, status=ReservationStatus.ACTIVE
    ).values_list("product_id", "warehouse_id", "quantity"):
        reserved[(product_id, warehouse_id)] = reserved.get((product_id, warehouse_id), 0) + quantity
    return reserved


def reservation_mismatch(reference: str, warehouse: Warehouse | str) -> InventoryInvalid:
    """RESERVATION_MISMATCH: the document's active reservations are not exactly the parcel's lines there.

    warehouse: the warehouse or its code."""
    return InventoryInvalid(InventoryError.RESERVATION_MISMATCH,
                            _("单据「%(reference)s」在仓库「%(warehouse)s」的库存占用与发货明细不一致"),
                            field="lines", reference=reference,
                            warehouse=warehouse if isinstance(warehouse, str) else warehouse.code)


def _check_reservation(*, reference_type: str, reference_id: str, reference_code: str, warehouse: Warehouse,
                       wanted: dict[int, int]) -> None:
    """RESERVATION_MISMATCH unless the document's active reservations are exactly these lines in this warehouse.

    issue_reserved_stock issues the whole reservation of a reference, so a parcel must carry all of it.
    """
    expected = {(product_id, warehouse.pk): quantity for product_id, quantity in wanted.items()}
    if _reserved(reference_type, reference_id) != expected:
        raise reservation_mismatch(reference_code or f"{reference_type}#{reference_id}", warehouse)


def shipment_payload(shipment: Shipment, **extra) -> dict:
    """The common part of every shipment event (codes, not objects)."""
    return {
        "shipment_id": shipment.pk,
        "shipment_code": shipment.code,
        "reference_type": shipment.reference_type,
        "reference_id": shipment.reference_id,
        "reference_code": shipment.reference_code,
        "store_code": shipment.store.code if shipment.store_id else None,
        "warehouse_code": shipment.warehouse.code,
        "carrier": shipment.carrier_code,
        "waybill_no": shipment.waybill_no,
        **extra,
    }


def create_shipment(*, user, reference_type: str, reference_id, reference_code: str = "", warehouse: Warehouse,
                    lines: list[tuple[Product, int]], consignee: Consignee | dict | None = None,
                    store: Store | None = None) -> Shipment:
    """Create a parcel (code FH...) for a source document that has reserved its stock in warehouse.

    lines: (product, quantity) pairs; the same SKU twice is summed. Raises NO_LINES,
    BUNDLE_NOT_STOCKED / NEGATIVE_QUANTITY (naming lines.<n>.<field>), RESERVATION_MISMATCH
    when the document's active reservations are not exactly these lines in this warehouse, and
    SHIPMENT_EXISTS (409) when the document has a live parcel already. Audited.
    """
    reference_id = str(reference_id)
    if not lines:
        raise InventoryInvalid(InventoryError.NO_LINES, _("发货单没有明细"), field="lines")
    wanted: dict[int, int] = {}
    products: dict[int, Product] = {}
    for index, (product, quantity) in enumerate(lines):
        check_stockable(product, field=line_field(index, "product"))
        check_quantity(quantity, field=line_field(index, "quantity"))
        wanted[product.pk] = wanted.get(product.pk, 0) + quantity
        products[product.pk] = product
    if isinstance(consignee, dict):
        consignee = Consignee(**consignee)
    consignee = consignee or Consignee()
    reference = reference_code or f"{reference_type}#{reference_id}"
    with transaction.atomic():
        if Shipment.objects.filter(reference_type=reference_type, reference_id=reference_id).exclude(
                status__in=[ShipmentStatus.CANCELLED, ShipmentStatus.RETURNED]).exists():
            raise ShipmentConflict(InventoryError.SHIPMENT_EXISTS, _("单据「%(reference)s」已有发货单"),
                                   reference=reference)
        _check_reservation(reference_type=reference_type, reference_id=reference_id, reference_code=reference_code,
                           warehouse=warehouse, wanted=wanted)
        try:
            with transaction.atomic():
                shipment = Shipment.objects.create(
                    code=next_document_code("shipment"), reference_type=reference_type, reference_id=reference_id,
                    reference_code=reference_code, warehouse=warehouse, store=store,
                    consignee_name=consignee.name.strip(), consignee_phone=consignee.phone.strip(),
                    consignee_address=consignee.address.strip(), created_by=_user(user))
        except IntegrityError:  # a concurrent call created the document's parcel first
            raise ShipmentConflict(InventoryError.SHIPMENT_EXISTS, _("单据「%(reference)s」已有发货单"),
                                   reference=reference) from None
        ShipmentLine.objects.bulk_create([
            ShipmentLine(shipment=shipment, line_no=number, product=products[product_id], quantity=quantity)
            for number, (product_id, quantity) in enumerate(wanted.items(), start=1)
        ])
        record_change(user=user, action=AuditAction.CREATE, instance=shipment, after=snapshot(shipment))
        return shipment


# --- pack with scan check (验货) ----------------------------------------------------------------------

@dataclass
class ScanResult:
    line: ShipmentLine
    scanned: int  # units of the shipment scanned so far
    total: int
    complete: bool


def _refuse(code: str, message, **params) -> DomainError:
    return InventoryInvalid(code, message, field="barcode", **params)


def _match(shipment: Shipment, barcode: str) -> ShipmentLine:
    lines = list(shipment.lines.select_related("product"))
    for line in lines:
        if barcode in {line.product.barcode, line.product.code} - {""}:
            if line.scanned_quantity >= line.quantity:
                raise _refuse(InventoryError.EXTRA_ITEM,
                              _("条码「%(barcode)s」多扫了：商品「%(sku)s」只需 %(quantity)s 件，已全部验过"),
                              barcode=barcode, sku=line.product.code, quantity=line.quantity)
            return line
    product = Product.objects.filter(Q(barcode=barcode) | Q(code=barcode)).first()
    if product is None:
        raise _refuse(InventoryError.UNKNOWN_BARCODE, _("条码「%(barcode)s」不是任何商品的条码"), barcode=barcode)
    raise _refuse(InventoryError.WRONG_ITEM, _("条码「%(barcode)s」（%(sku)s %(name)s）不属于包裹「%(shipment)s」"),
                  barcode=barcode, sku=product.code, name=product.name, shipment=shipment.code)


def scan_item(*, user, shipment: Shipment, barcode: str) -> ScanResult:
    """Check one scanned unit against the parcel; the parcel is packed when every unit is scanned.

    The barcode is a product's barcode or code. Refused, and kept as a refused ScanRecord:
    UNKNOWN_BARCODE, WRONG_ITEM (a product not in the parcel), EXTRA_ITEM (one more unit than
    the line needs, also once packed), SHIPMENT_NOT_OPEN (cancelled or shipped parcels). The first scan
    moves created -> picking, the last one picking -> packed. Each accepted unit is one
    conditional UPDATE (scanned < quantity), so two scanners never overcount.
    """
    barcode = (barcode or "").strip()
    refused: DomainError | None = None
    with transaction.atomic():
        shipment = _locked(shipment)
        try:
            if not barcode:
                raise _refuse(InventoryError.UNKNOWN_BARCODE, _("请扫描条码"), barcode="")
            # a packed parcel still answers EXTRA_ITEM / WRONG_ITEM, the message a packer needs
            if shipment.status not in OPEN_SHIPMENT_STATES:
                raise InventoryInvalid(InventoryError.SHIPMENT_NOT_OPEN,
                                       _("包裹「%(shipment)s」状态为「%(status)s」，不能验货"), field="barcode",
                                       shipment=shipment.code, status=shipment.get_status_display())
            line = _match(shipment, barcode)
        except DomainError as error:
            refused = error
            ScanRecord.objects.create(shipment=shipment, barcode=barcode[:64], accepted=False,
                                      error_code=error.code, user=_user(user))
        if refused is None:
            updated = ShipmentLine.objects.filter(pk=line.pk, scanned_quantity__lt=F("quantity")).update(
                scanned_quantity=F("scanned_quantity") + 1)
            if updated != 1:  # unreachable under the row lock; kept as the database-side guard
                raise _refuse(InventoryError.EXTRA_ITEM, _("条码「%(barcode)s」多扫了"), barcode=barcode)
            ScanRecord.objects.create(shipment=shipment, line=line, barcode=barcode[:64], accepted=True,
                                      user=_user(user))
            _move(user, shipment, ShipmentStatus.PICKING, reason=str(_("开始验货")))
            totals = shipment.lines.values_list("quantity", "scanned_quantity")
            total = sum(quantity for quantity, _scanned in totals)
            scanned = sum(done for _quantity, done in totals)
            complete = scanned == total
            if complete:
                _move(user, shipment, ShipmentStatus.PACKED, reason=str(_("验货完成")))
                Shipment.objects.filter(pk=shipment.pk).update(packed_at=timezone.now())
            line.refresh_from_db()
            return ScanResult(line=line, scanned=scanned, total=total, complete=complete)
    raise refused


def reset_scans(*, user, shipment: Shipment) -> None:
    """Start the scan check of an unshipped parcel again (e.g. after repacking): every line back to 0."""
    with transaction.atomic():
        shipment = _locked(shipment)
        if shipment.status not in OPEN_SHIPMENT_STATES:
            raise InventoryInvalid(InventoryError.SHIPMENT_NOT_OPEN,
                                   _("包裹「%(shipment)s」状态为「%(status)s」，不能验货"), field="status",
                                   shipment=shipment.code, status=shipment.get_status_display())
        shipment.lines.update(scanned_quantity=0)
        if shipment.status == ShipmentStatus.PACKED:
            _move(user, shipment, ShipmentStatus.PICKING, reason="reset scans")
            Shipment.objects.filter(pk=shipment.pk).update(packed_at=None)
        record_change(user=user, action=AuditAction.UPDATE, instance=shipment, before={"scans": "kept"},
                      after={"scans": "reset"}, note="reset scans")


# --- ship, sign, cancel, intercept --------------------------------------------------------------------

def _book_waybill(shipment: Shipment, carrier_code: str) -> tuple[str, str]:
    """(carrier code, waybill no) from the carrier, outside any transaction; CARRIER_FAILED on its error."""
    adapter = get_carrier(carrier_code)
    if shipment.waybill_no and shipment.carrier_code == adapter.code:
        return adapter.code, shipment.waybill_no
    try:
        waybill_no = adapter.create_waybill(shipment)
    except DomainError:
        raise
    except Exception as error:  # the carrier's API failed: nothing was written, retry later
        raise InventoryInvalid(InventoryError.CARRIER_FAILED, _("承运商「%(carrier)s」下单失败：%(error)s"),
                               field="carrier", carrier=adapter.code, error=str(error)[:200]) from error
    return adapter.code, waybill_no


SHIPPED_STATES = (ShipmentStatus.SHIPPED, ShipmentStatus.SIGNED, ShipmentStatus.INTERCEPTING, ShipmentStatus.RETURNED)


def shipping_refusal(shipment: Shipment) -> DomainError | None:
    """Why a parcel in its current state may not ship (None when it is packed): ALREADY_SHIPPED,
    INVALID_TRANSITION (cancelled) or NOT_FULLY_SCANNED."""
    return refusal_for(shipment.status, shipment.code, shipment.waybill_no)


def refusal_for(status: str, code: str, waybill_no: str) -> DomainError | None:
    """shipping_refusal for a parcel given by its status, code and waybill number (batches read tuples)."""
    if status in SHIPPED_STATES:
        return ShipmentConflict(InventoryError.ALREADY_SHIPPED, _("包裹「%(shipment)s」已发货（运单号 %(waybill)s）"),
                                shipment=code, waybill=waybill_no)
    if status == ShipmentStatus.CANCELLED:
        try:
            check_transition(SHIPMENT_TRANSITIONS, status, ShipmentStatus.SHIPPED, labels=LABELS)
        except DomainError as error:
            return error
    if status != ShipmentStatus.PACKED:
        return InventoryInvalid(InventoryError.NOT_FULLY_SCANNED, _("包裹「%(shipment)s」还没有验货完成，不能发货"),
                                field="status", shipment=code)
    return None


def _check_shippable(shipment: Shipment) -> list[ShipmentLine]:
    """The lines of a parcel that may ship now: ALREADY_SHIPPED, NOT_FULLY_SCANNED, INVALID_TRANSITION
    (cancelled) or RESERVATION_MISMATCH otherwise."""
    refusal = shipping_refusal(shipment)
    if refusal is not None:
        raise refusal
    lines = list(shipment.lines.select_related("product"))
    _check_reservation(reference_type=shipment.reference_type, reference_id=shipment.reference_id,
                       reference_code=shipment.reference_code, warehouse=shipment.warehouse,
                       wanted={line.product_id: line.quantity for line in lines})
    return lines


def ship_shipment(*, user, shipment: Shipment, carrier_code: str) -> Shipment:
    """Hand a packed parcel to the carrier: waybill number, stock issued, ShipmentShipped published.

    The waybill is booked first (outside the transaction; the simulated carrier and real ones
    return the same number for the same parcel) once a fresh read shows the parcel may ship. Then,
    in one transaction under the row lock, the same checks again: the parcel must be packed
    (NOT_FULLY_SCANNED; INVALID_TRANSITION when cancelled; ALREADY_SHIPPED 409 for a shipped
    one, which never issues twice), the source's reservation must still be exactly the lines
    (RESERVATION_MISMATCH), the reserved stock is issued at the moving average, each line
    keeps its unit cost and value, and ShipmentShipped carries lines, quantities and costs.
    """
    # checked on a fresh read before the carrier is asked (no booking for a parcel that cannot go),
    # and again under the row lock
    _check_shippable(Shipment.objects.select_related("warehouse").get(pk=shipment.pk))
    carrier, waybill_no = _book_waybill(shipment, carrier_code)
    with transaction.atomic():
        shipment = _locked(shipment)
        lines = _check_shippable(shipment)
        before = snapshot(shipment)
        _move(user, shipment, ShipmentStatus.SHIPPED, reason=f"{carrier} {waybill_no}")
        now = timezone.now()
        moves = issue_reserved_stock(user=user, reference_type=shipment.reference_type,
                                     reference_id=shipment.reference_id, reference_code=shipment.reference_code,
                                     kind=MoveKind.ISSUE, reason=str(_("发货 %(code)s") % {"code": shipment.code}),
                                     occurred_at=now)
        by_product = {move.product_id: move for move in moves}
        for line in lines:
            issued = by_product[line.product_id]
            line.unit_cost, line.value = issued.unit_cost, -issued.value
        ShipmentLine.objects.bulk_update(lines, ["unit_cost", "value"])
        shipment.carrier_code, shipment.waybill_no, shipment.shipped_at = carrier, waybill_no, now
        shipment.save(update_fields=["carrier_code", "waybill_no", "shipped_at"])
        record_change(user=user, action=AuditAction.UPDATE, instance=shipment, before=before, after=snapshot(shipment),
                      note="ship")
        publish(SHIPMENT_SHIPPED, shipment_payload(shipment, occurred_at=now.isoformat(), lines=[
            {"sku_code": line.product.code, "quantity": line.quantity, "unit_cost": str(line.unit_cost),
             "value": str(line.value), "move_id": by_product[line.product_id].pk} for line in lines
        ], total_value=str(sum(line.value for line in lines))))
        return shipment


@dataclass
class BatchResult:
    shipment: Shipment
    error: DomainError | None = None


def ship_shipments(*, user, shipments: list[Shipment], carrier_code: str) -> list[BatchResult]:
    """Ship several parcels; each succeeds or fails on its own (one bad parcel never stops the batch).

    Set-based: see shipment_batch.ship_many (one transaction, one posting for the whole batch).
    """
    from ecerp.inventory.services.shipment_batch import ship_many
    return ship_many(user=user, shipments=shipments, carrier_code=carrier_code)


def record_sign_off(*, user, shipment: Shipment, signed_at: datetime.datetime | None = None) -> Shipment:
    """Record that the consignee signed (签收): shipped (or intercepting) -> signed; ShipmentSigned.

    Signing a signed parcel again is a no-op (carrier callbacks repeat). INVALID_TRANSITION from
    any other state.
    """
    with transaction.atomic():
        shipment = _locked(shipment)
        signed_at = signed_at or timezone.now()
        if not _move(user, shipment, ShipmentStatus.SIGNED, reason=str(_("签收"))):
            return shipment
        shipment.signed_at = signed_at
        shipment.save(update_fields=["signed_at"])
        publish(SHIPMENT_SIGNED, shipment_payload(shipment, occurred_at=signed_at.isoformat()))
        return shipment


def cancel_shipment(*, user, shipment: Shipment, reason: str = "") -> Shipment:
    """Cancel a parcel that has not shipped; ShipmentCancelled. The reservation stays with the source.

    INVALID_TRANSITION once shipped (intercept it instead); cancelling twice is a no-op.
    """
    with transaction.atomic():
        shipment = _locked(shipment)
        if _move(user, shipment, ShipmentStatus.CANCELLED, reason=reason or str(_("取消发货"))):
            publish(SHIPMENT_CANCELLED, shipment_payload(shipment, occurred_at=timezone.now().isoformat(),
                                                         reason=reason))
        return shipment


def intercept_shipment(*, user, shipment: Shipment, reason: str = "") -> Shipment:
    """Ask the carrier to stop a shipped parcel (拦截): shipped -> intercepting; ShipmentIntercepted.

    CARRIER_FAILED when the carrier refuses (e.g. already delivered); INVALID_TRANSITION from
    other states; a second call while intercepting is a no-op.
    """
    if shipment.status == ShipmentStatus.INTERCEPTING:
        return shipment
    if shipment.status != ShipmentStatus.SHIPPED:
        _move(user, shipment, ShipmentStatus.INTERCEPTING)  # raises INVALID_TRANSITION naming both states
    adapter = get_carrier(shipment.carrier_code)
    if not adapter.intercept(shipment.waybill_no):
        raise InventoryInvalid(InventoryError.CARRIER_FAILED, _("承运商「%(carrier)s」无法拦截运单 %(waybill)s"),
                               field="carrier", carrier=adapter.code, waybill=shipment.waybill_no)
    with transaction.atomic():
        shipment = _locked(shipment)
        if _move(user, shipment, ShipmentStatus.INTERCEPTING, reason=reason or str(_("拦截"))):
            publish(SHIPMENT_INTERCEPTED, shipment_payload(shipment, occurred_at=timezone.now().isoformat(),
                                                           reason=reason))
        return shipment


def record_return(*, user, shipment: Shipment, returned_at: datetime.datetime | None = None) -> Shipment:
    """The intercepted parcel is back: intercepting -> returned, its goods received again; ShipmentReturned.

    The units come back into the shipping warehouse as return_in moves at the unit cost they left
    with (StockReceived is published as for any receipt). A second call is a no-op.
    """
    with transaction.atomic():
        shipment = _locked(shipment)
        if shipment.status == ShipmentStatus.RETURNED:
            return shipment
        returned_at = returned_at or timezone.now()
        _move(user, shipment, ShipmentStatus.RETURNED, reason=str(_("拦截退回")))
        lines = list(shipment.lines.select_related("product"))
        moves = receive_stock(user=user, kind=MoveKind.RETURN_IN, lines=[
            MoveLine(product=line.product, warehouse=shipment.warehouse, quantity=line.quantity,
                     unit_cost=line.unit_cost, document_line=str(line.line_no)) for line in lines
        ], document_type=DOCUMENT_TYPE, document_id=shipment.pk, document_code=shipment.code,
            reason=str(_("拦截退回")), occurred_at=returned_at)
        publish(SHIPMENT_RETURNED, shipment_payload(shipment, occurred_at=returned_at.isoformat(), lines=[
            {"sku_code": move.product.code, "quantity": move.quantity, "unit_cost": str(move.unit_cost),
             "value": str(move.value), "move_id": move.pk} for move in moves
        ]))
        return shipment


def poll_carrier(*, user, shipment: Shipment) -> Shipment:
    """Ask the carrier for news of a shipped or intercepting parcel: a signed event signs it, a return returns it."""
    if shipment.status not in (ShipmentStatus.SHIPPED, ShipmentStatus.INTERCEPTING):
        return shipment
    events = get_carrier(shipment.carrier_code).track(shipment.waybill_no)
    for event in events:
        if event.kind == SIGNED:
            return record_sign_off(user=user, shipment=shipment, signed_at=event.at)
        if event.kind == RETURNED and shipment.status == ShipmentStatus.INTERCEPTING:
            return record_return(user=user, shipment=shipment, returned_at=event.at)
    return shipment

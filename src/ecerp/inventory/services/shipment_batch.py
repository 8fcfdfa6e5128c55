"""Shipments in batches: create many parcels, confirm many packed, ship many, each with a few queries.

The same rules as the one-parcel services in shipments.py (same errors, same events, same
ledger postings), applied to sets: one lock query for the parcels of a batch, one for their
reservations, one posting of every issued line (post_reserved_issues), bulk inserts for
parcels, lines, history, audit rows and outbox events. A parcel that breaks a rule is left out
with its error; the others go on (one bad parcel never stops the batch). Rows are read as
tuples of the columns needed (no model instances, no personal data decrypted) and the rows
written are the ones the one-parcel services write (tests/inventory/test_shipment_batch_rows.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.core.audit import record_rows, snapshot
from ecerp.core.bulk import insert_rows, preparer
from ecerp.core.errors import DomainError, ErrorCode
from ecerp.core.events import publish_many
from ecerp.core.models import AuditAction
from ecerp.core.services import next_codes
from ecerp.core.states import move_rows
from ecerp.inventory.errors import InventoryError, InventoryInvalid, ShipmentConflict, line_field
from ecerp.inventory.events import SHIPMENT_SHIPPED, STOCK_ISSUED
from ecerp.inventory.models import MoveKind, Reservation, Shipment, ShipmentLine
from ecerp.inventory.services.codes import ensure_rules
from ecerp.inventory.services.ledger import (
    MoveDocument,
    _Sku,
    check_quantity,
    check_stockable,
    post_reserved_issues,
    posted_payload,
    update_by_id,
)
from ecerp.inventory.services.shipments import (
    LABELS,
    BatchResult,
    Consignee,
    Sealed,
    _book_waybill,
    _user,
    create_shipment,
    refusal_for,
    reservation_mismatch,
    shipping_refusal,
)
from ecerp.inventory.states import SHIPMENT_TRANSITIONS, ReservationStatus, ShipmentStatus
from ecerp.masterdata.models import Product, Store, Warehouse


@dataclass
class ShipmentRequest:
    """One parcel to create (see create_shipment): its source document, warehouse, lines and consignee.

    warehouse, store and each line's product may be given as instances or as ids (a batch that read
    tuples); consignee values may be Sealed (clear text that carries its ciphertext)."""

    reference_type: str
    reference_id: object
    warehouse: Warehouse | int
    lines: list[tuple[Product | int, int]]
    reference_code: str = ""
    consignee: Consignee = field(default_factory=Consignee)
    store: Store | int | None = None


@dataclass
class CreateResult:
    request: ShipmentRequest
    shipment: Shipment | None = None
    error: DomainError | None = None


CONSIGNEE = ("consignee_name", "consignee_phone", "consignee_address")


def _pk(value):
    return value.pk if isinstance(value, Model) else value


def _reserved_rows(reference_type: str, reference_ids) -> dict[str, list[tuple[int, int, int, int]]]:
    """(reservation id, product id, warehouse id, quantity) of the documents' active reservations, in id order."""
    rows: dict[str, list[tuple[int, int, int, int]]] = defaultdict(list)
    for pk, reference_id, product_id, warehouse_id, quantity in Reservation.objects.filter(
            reference_type=reference_type, reference_id__any=[str(i) for i in reference_ids],
            status=ReservationStatus.ACTIVE).order_by("pk").values_list(
            "pk", "reference_id", "product_id", "warehouse_id", "quantity"):
        rows[reference_id].append((pk, product_id, warehouse_id, quantity))
    return rows


def _units(reservations: list[tuple[int, int, int, int]]) -> dict[tuple[int, int], int]:
    units: dict[tuple[int, int], int] = defaultdict(int)
    for _pk, product_id, warehouse_id, quantity in reservations:
        units[(product_id, warehouse_id)] += quantity
    return dict(units)


def _codes(count: int) -> list[str]:
    try:
        return next_codes(target="shipment", count=count)
    except DomainError as error:
        if error.code != ErrorCode.CODE_RULE_MISSING:
            raise
    ensure_rules()
    return next_codes(target="shipment", count=count)


def _skus(requests: list[ShipmentRequest]) -> dict[int, _Sku]:
    """What check_stockable reads (pk, code, is_bundle) of every product named by id in the requests."""
    ids = list({line[0] for request in requests for line in request.lines or ()
                if not isinstance(line[0], Model) and type(line[0]) is int})
    if not ids:
        return {}
    return {pk: _Sku(pk, code, is_bundle) for pk, code, is_bundle in
            Product.objects.filter(pk__any=ids).values_list("pk", "code", "is_bundle")}


def _sealer():
    """The (clear, database) values of a consignee text, stripped as create_shipment keeps it: a Sealed
    value's own ciphertext when stripping leaves it as it is, else the field's encryption (value by
    value: a fresh IV each, so equal addresses never show as equal ciphertexts)."""
    prepare = Shipment._meta.get_field("consignee_name").get_prep_value

    def seal(value) -> tuple[str, str]:
        clear = str(value).strip()
        if isinstance(value, Sealed) and clear == value:
            return clear, value.stored
        return clear, prepare(clear)

    return seal


SHIPMENT_COLUMNS = ["code", "reference_type", "reference_id", "reference_code", "warehouse_id", "store_id", "status",
                    *CONSIGNEE, "wave_id", "carrier_code", "waybill_no", "created_at", "created_by_id", "packed_at",
                    "shipped_at", "signed_at"]


def create_shipments(*, user, requests: list[ShipmentRequest]) -> list[CreateResult]:
    """Create many parcels at once (each as create_shipment would); one result per request, in order.

    Per request: NO_LINES, BUNDLE_NOT_STOCKED / NEGATIVE_QUANTITY, SHIPMENT_EXISTS (the document
    has a live parcel, or appears twice in the batch), RESERVATION_MISMATCH; the good ones are
    created in one transaction (codes in one sequence move, bulk inserts, audit rows).
    """
    results = [CreateResult(request) for request in requests]
    skus = _skus(requests)
    wanted: list[dict[int, int]] = []
    for result in results:
        request = result.request
        request.reference_id = str(request.reference_id)
        units: dict[int, int] = {}
        try:
            if not request.lines:
                raise InventoryInvalid(InventoryError.NO_LINES, _("发货单没有明细"), field="lines")
            for index, (product, quantity) in enumerate(request.lines):
                check_stockable(product if isinstance(product, Model) else skus[product],
                                field=line_field(index, "product"))
                check_quantity(quantity, field=line_field(index, "quantity"))
                units[_pk(product)] = units.get(_pk(product), 0) + quantity
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
            live = set(Shipment.objects.filter(reference_type=reference_type, reference_id__any=ids).exclude(
                status__in=[ShipmentStatus.CANCELLED, ShipmentStatus.RETURNED]).values_list("reference_id", flat=True))
            reserved = _reserved_rows(reference_type, ids)
            seen = set()
            for i in indexes:
                request = results[i].request
                reference = request.reference_code or f"{reference_type}#{request.reference_id}"
                warehouse_id = _pk(request.warehouse)
                if request.reference_id in live or request.reference_id in seen:
                    results[i].error = ShipmentConflict(InventoryError.SHIPMENT_EXISTS,
                                                        _("单据「%(reference)s」已有发货单"), reference=reference)
                elif _units(reserved.get(request.reference_id, [])) != {
                        (product_id, warehouse_id): units for product_id, units in wanted[i].items()}:
                    results[i].error = reservation_mismatch(reference, request.warehouse if isinstance(
                        request.warehouse, Model) else Warehouse.objects.get(pk=warehouse_id))
                seen.add(request.reference_id)
        good = [i for i, result in enumerate(results) if result.error is None]
        if not good:
            return results
        who = _user(user)
        now = timezone.now()
        stamp = preparer(Shipment._meta.get_field("created_at"))(now)
        who_id = who.pk if who is not None else None
        seal = _sealer()
        shipments, rows = [], []
        for i, code in zip(good, _codes(len(good)), strict=True):
            request = results[i].request
            consignee = Consignee(**request.consignee) if isinstance(request.consignee, dict) else request.consignee
            (name, name_db), (phone, phone_db), (address, address_db) = (
                seal(consignee.name), seal(consignee.phone), seal(consignee.address))
            warehouse_id, store_id = _pk(request.warehouse), _pk(request.store)
            shipments.append(Shipment(
                code=code, reference_type=request.reference_type, reference_id=request.reference_id,
                reference_code=request.reference_code, warehouse_id=warehouse_id, store_id=store_id,
                consignee_name=name, consignee_phone=phone, consignee_address=address, created_at=now,
                created_by=who, status=ShipmentStatus.CREATED))
            rows.append((code, request.reference_type, request.reference_id, request.reference_code, warehouse_id,
                         store_id, ShipmentStatus.CREATED, name_db, phone_db, address_db, None, "", "", stamp, who_id,
                         None, None, None))
        try:
            with transaction.atomic():
                insert_rows(Shipment, SHIPMENT_COLUMNS, rows)
        except IntegrityError:  # a concurrent creator won a document's parcel: redo one by one
            _create_one_by_one(user, results, good)
            return results
        ids = dict(Shipment.objects.filter(code__any=[shipment.code for shipment in shipments]).values_list(
            "code", "pk"))
        lines = []
        for i, shipment in zip(good, shipments, strict=True):
            shipment.pk = ids[shipment.code]
            shipment._state.adding, shipment._state.db = False, connection.alias
            results[i].shipment = shipment
            lines += [(shipment.pk, number, product_id, quantity, 0, None, None)
                      for number, (product_id, quantity) in enumerate(wanted[i].items(), start=1)]
        insert_rows(ShipmentLine, ["shipment_id", "line_no", "product_id", "quantity", "scanned_quantity",
                                   "unit_cost", "value"], lines)
        record_rows(user=user, model=Shipment, rows=[(AuditAction.CREATE, shipment.pk, shipment.code, None,
                                                      snapshot(shipment)) for shipment in shipments])
    return results


def _create_one_by_one(user, results: list[CreateResult], good: list[int]) -> None:
    """The fallback of create_shipments: create_shipment per request (instances loaded for the ids given)."""
    requests = [results[i].request for i in good]
    products = Product.objects.in_bulk([_pk(product) for request in requests for product, _q in request.lines])
    warehouses = Warehouse.objects.in_bulk([_pk(request.warehouse) for request in requests])
    stores = Store.objects.in_bulk([_pk(request.store) for request in requests if request.store is not None])
    for i, request in zip(good, requests, strict=True):
        try:
            results[i].shipment = create_shipment(
                user=user, reference_type=request.reference_type, reference_id=request.reference_id,
                reference_code=request.reference_code, warehouse=warehouses[_pk(request.warehouse)],
                lines=[(products[_pk(product)], quantity) for product, quantity in request.lines],
                consignee=request.consignee,
                store=stores[_pk(request.store)] if request.store is not None else None)
        except DomainError as error:
            results[i].error = error


def confirm_packed(*, user, shipments: list[Shipment]) -> list[BatchResult]:
    """Confirm whole parcels packed without scanning each unit (整单验货, e.g. goods packed at the source).

    Every line counts as fully checked and the parcel moves to packed (history row, packed_at,
    an audit row saying it was confirmed as a whole). SHIPMENT_NOT_OPEN for parcels that are not
    created or picking; packed ones are left as they are (a retry is harmless). The parcels are
    locked and read as (id, code, status); each result's shipment is the instance given, its
    status (and packed_at when packed now) set to what was read and written.
    """
    results = {shipment.pk: BatchResult(shipment) for shipment in shipments}
    with transaction.atomic():
        locked = list(Shipment.objects.select_for_update().filter(pk__any=list(results)).order_by("pk").values_list(
            "pk", "code", "status"))
        open_ones = []
        for pk, code, status in locked:
            results[pk].shipment.status = status
            if status in (ShipmentStatus.CREATED, ShipmentStatus.PICKING):
                open_ones.append((pk, code, status))
            elif status != ShipmentStatus.PACKED:
                results[pk].error = InventoryInvalid(
                    InventoryError.SHIPMENT_NOT_OPEN, _("包裹「%(shipment)s」状态为「%(status)s」，不能验货"),
                    field="status", shipment=code, status=LABELS[status])
        if open_ones:
            ids = [pk for pk, _code, _status in open_ones]
            ShipmentLine.objects.filter(shipment_id__any=ids).update(scanned_quantity=F("quantity"))
            packed_at = timezone.now()
            move_rows(user=user, model=Shipment, rows=[(pk, status) for pk, _code, status in open_ones],
                      to_state=ShipmentStatus.PACKED, transitions=SHIPMENT_TRANSITIONS, labels=LABELS,
                      reason=str(_("整单验货")), extra={"packed_at": packed_at})
            record_rows(user=user, model=Shipment, rows=[
                (AuditAction.UPDATE, pk, code, {"status": "open"}, {"status": ShipmentStatus.PACKED})
                for pk, code, _status in open_ones], note=str(_("整单验货（未逐件扫描）")))
            for pk in ids:
                results[pk].shipment.status, results[pk].shipment.packed_at = ShipmentStatus.PACKED, packed_at
    return [results[shipment.pk] for shipment in shipments]


def ship_many(*, user, shipments: list[Shipment], carrier_code: str) -> list[BatchResult]:
    """Ship many packed parcels with one carrier (as ship_shipment does for one), in one transaction.

    Waybills are booked first, outside the transaction, for the parcels a fresh read shows
    shippable. Then, under the parcels' row locks: the same checks (ALREADY_SHIPPED,
    NOT_FULLY_SCANNED, INVALID_TRANSITION, RESERVATION_MISMATCH) per parcel; every good parcel's
    reservation is consumed and issued at the moving average in one posting; lines keep their
    unit cost and value; StockIssued and ShipmentShipped are published per parcel.

    Under the lock the parcels, lines and reservations are read as tuples of the columns needed
    (no instances, no personal data decrypted); each result's shipment is the fresh instance
    (personal data deferred) with its state, carrier, waybill and shipping time as written.
    """
    results = {shipment.pk: BatchResult(shipment) for shipment in shipments}
    fresh = {shipment.pk: shipment for shipment in Shipment.objects.filter(pk__any=list(results)).defer(*CONSIGNEE)}
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
        locked = list(Shipment.objects.select_for_update().filter(pk__any=list(waybills)).order_by("pk").values_list(
            "pk", "code", "status", "reference_type", "reference_id", "reference_code", "warehouse_id", "store_id",
            "carrier_code", "waybill_no", "shipped_at"))
        if not locked:
            return [results[shipment.pk] for shipment in shipments]
        warehouses = dict(Warehouse.objects.filter(pk__any=list({row[6] for row in locked})).values_list("pk", "code"))
        store_ids = list({row[7] for row in locked if row[7] is not None})
        stores = dict(Store.objects.filter(pk__any=store_ids).values_list("pk", "code")) if store_ids else {}
        # (line id, product id, quantity, SKU code) per parcel, in line order
        lines_of: dict[int, list[tuple]] = defaultdict(list)
        for line_id, shipment_id, product_id, quantity, sku in ShipmentLine.objects.filter(
                shipment_id__any=[row[0] for row in locked]).order_by("shipment_id", "line_no").values_list(
                "pk", "shipment_id", "product_id", "quantity", "product__code"):
            lines_of[shipment_id].append((line_id, product_id, quantity, sku))
        reserved: dict[tuple[str, str], list[tuple]] = {}
        for reference_type in {row[3] for row in locked}:
            ids = [row[4] for row in locked if row[3] == reference_type]
            for reference_id, rows in _reserved_rows(reference_type, ids).items():
                reserved[(reference_type, reference_id)] = rows
        going = []
        for row in locked:
            pk, code, status, reference_type, reference_id, reference_code, warehouse_id = row[:7]
            shipment = fresh[pk]
            results[pk].shipment = shipment
            shipment.status, shipment.carrier_code, shipment.waybill_no, shipment.shipped_at = row[2], *row[8:]
            error = refusal_for(status, code, row[9])
            rows = reserved.get((reference_type, reference_id), [])
            if error is None and _units(rows) != {(product_id, warehouse_id): quantity
                                                  for _line, product_id, quantity, _sku in lines_of[pk]}:
                error = reservation_mismatch(reference_code or f"{reference_type}#{reference_id}",
                                             warehouses[warehouse_id])
            if error is not None:
                results[pk].error = error
            else:
                going.append(row)
        if not going:
            return [results[shipment.pk] for shipment in shipments]
        now = timezone.now()
        consumed = [reservation[0] for row in going for reservation in reserved[(row[3], row[4])]]
        if Reservation.objects.filter(pk__any=consumed, status=ReservationStatus.ACTIVE).update(
                status=ReservationStatus.CONSUMED, closed_at=now) != len(consumed):
            raise ShipmentConflict(InventoryError.RESERVATION_MISMATCH, _("库存占用已被其他操作改变，请重试"))
        reason = str(_("发货 %(code)s"))
        documents = [MoveDocument(row[3], row[4], row[5], [
            (product_id, warehouse_id, quantity, str(reservation_id))
            for reservation_id, product_id, warehouse_id, quantity in reserved[(row[3], row[4])]
        ], reason=reason % {"code": row[1]}) for row in going]
        posted = post_reserved_issues(user=user, kind=MoveKind.ISSUE, documents=documents, occurred_at=now)
        line_rows, shipment_rows, events, audit, history = [], [], [], [], []
        stamp = preparer(Shipment._meta.get_field("shipped_at"))(now)
        occurred = now.isoformat()
        for row, moves in zip(going, posted, strict=True):
            pk, code, status, reference_type, reference_id, reference_code, warehouse_id, store_id = row[:8]
            by_product = {move.product_id: move for move in moves}
            lines, total = [], 0
            for line_id, product_id, quantity, sku in lines_of[pk]:
                issued = by_product[product_id]
                unit_cost, value = issued.unit_cost, -issued.value
                line_rows.append((unit_cost, value, line_id))
                lines.append({"sku_code": sku, "quantity": quantity, "unit_cost": str(unit_cost), "value": str(value),
                              "move_id": issued.pk})
                total += value
            carrier, waybill_no = waybills[pk]
            shipment_rows.append((carrier, waybill_no, stamp, pk))
            history.append((pk, status))
            events.append((STOCK_ISSUED, posted_payload(moves, document_type=reference_type, document_id=reference_id,
                                                        document_code=reference_code, occurred_at=now)))
            events.append((SHIPMENT_SHIPPED, {
                "shipment_id": pk, "shipment_code": code, "reference_type": reference_type,
                "reference_id": reference_id, "reference_code": reference_code,
                "store_code": stores[store_id] if store_id else None, "warehouse_code": warehouses[warehouse_id],
                "carrier": carrier, "waybill_no": waybill_no, "occurred_at": occurred, "lines": lines,
                "total_value": str(total)}))
            # what record_many keeps of snapshots before and after: the changed fields, in name order
            old = {"carrier_code": row[8], "shipped_at": row[10].isoformat() if row[10] else None, "status": status,
                   "waybill_no": row[9]}
            new = {"carrier_code": carrier, "shipped_at": occurred, "status": ShipmentStatus.SHIPPED,
                   "waybill_no": waybill_no}
            changed = [key for key in old if old[key] != new[key]]
            audit.append((AuditAction.UPDATE, pk, code, {key: old[key] for key in changed},
                          {key: new[key] for key in changed}))
            shipment = fresh[pk]
            shipment.status, shipment.carrier_code, shipment.waybill_no, shipment.shipped_at = (
                ShipmentStatus.SHIPPED, carrier, waybill_no, now)
        update_by_id(ShipmentLine, ["unit_cost", "value"], line_rows)
        update_by_id(Shipment, ["carrier_code", "waybill_no", "shipped_at"], shipment_rows)
        move_rows(user=user, model=Shipment, rows=history, to_state=ShipmentStatus.SHIPPED,
                  transitions=SHIPMENT_TRANSITIONS, labels=LABELS,
                  reason={row[0]: f"{carrier} {waybill}" for row, (carrier, waybill) in
                          ((row, waybills[row[0]]) for row in going)})
        record_rows(user=user, model=Shipment, rows=audit, note="ship")
        publish_many(events)
    return [results[shipment.pk] for shipment in shipments]

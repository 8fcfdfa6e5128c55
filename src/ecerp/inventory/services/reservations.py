"""Reservations: stock set aside for a document (a sales order), released or issued later.

reserved of a balance = sum of its active reservations. Reserving is one conditional UPDATE per
balance (reserved + q only where on_hand >= reserved + q), taken in balance primary-key order,
so concurrent reservers never oversell and never deadlock; a multi-line reservation is all or
nothing (the transaction rolls back at the first short line).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.core.bulk import insert_rows, preparer, update_rows
from ecerp.inventory.errors import (
    InsufficientStock,
    InventoryError,
    ReservationExists,
    ReservationNotFound,
    line_field,
)
from ecerp.inventory.events import STOCK_ISSUED, publish_moves
from ecerp.inventory.models import MoveKind, Reservation, StockBalance, StockMove
from ecerp.inventory.services.ledger import (
    MoveLine,
    _pairs_filter,
    check_quantity,
    check_stockable,
    ensure_balances,
    post_moves,
)
from ecerp.inventory.states import ReservationStatus
from ecerp.masterdata.models import Product, Warehouse


@dataclass
class ReserveLine:
    product: Product
    warehouse: Warehouse
    quantity: int


def _merged(lines: list[ReserveLine]) -> dict[tuple[int, int], ReserveLine]:
    merged: dict[tuple[int, int], ReserveLine] = {}
    for index, line in enumerate(lines):
        check_stockable(line.product, field=line_field(index, "product"))
        check_quantity(line.quantity, field=line_field(index, "quantity"))
        key = (line.product.pk, line.warehouse.pk)
        if key in merged:
            merged[key] = ReserveLine(line.product, line.warehouse, merged[key].quantity + line.quantity)
        else:
            merged[key] = ReserveLine(line.product, line.warehouse, line.quantity)
    return merged


def reserve_stock(*, user, reference_type: str, reference_id, lines: list[ReserveLine],
                  reference_code: str = "") -> list[Reservation]:
    """Reserve every line for one document, all or nothing.

    Each (SKU, warehouse) moves with one conditional UPDATE in balance primary-key order; the
    first line without enough available stock raises INSUFFICIENT_STOCK (409, naming SKU,
    warehouse, wanted, available) and nothing stays reserved. A document holding an active
    reservation already raises RESERVATION_EXISTS (409): release it first. BUNDLE_NOT_STOCKED
    for a bundle (see reserve_bundle), NEGATIVE_QUANTITY for a quantity below 1.
    """
    merged = _merged(lines)
    reference_id = str(reference_id)
    with transaction.atomic():
        if Reservation.objects.filter(reference_type=reference_type, reference_id=reference_id,
                                      status=ReservationStatus.ACTIVE).exists():
            raise ReservationExists(InventoryError.RESERVATION_EXISTS,
                                    _("单据「%(reference)s」已占用库存，请先释放"),
                                    reference=reference_code or f"{reference_type}#{reference_id}")
        ensure_balances(set(merged))
        balance_ids = dict(
            ((p, w), pk) for pk, p, w in StockBalance.objects.filter(
                product_id__in={p for p, _w in merged}, warehouse_id__in={w for _p, w in merged}
            ).values_list("pk", "product_id", "warehouse_id")
        )
        now = timezone.now()
        for key in sorted(merged, key=lambda k: balance_ids[k]):
            line = merged[key]
            updated = StockBalance.objects.filter(
                pk=balance_ids[key], on_hand__gte=F("reserved") + line.quantity
            ).update(reserved=F("reserved") + line.quantity, updated_at=now)
            if updated != 1:
                balance = StockBalance.objects.get(pk=balance_ids[key])
                index = next(i for i, given in enumerate(lines) if (given.product.pk, given.warehouse.pk) == key)
                raise InsufficientStock(sku=line.product.code, warehouse=line.warehouse.code, wanted=line.quantity,
                                        available=balance.available, field=line_field(index, "quantity"))
        user = user if getattr(user, "pk", None) else None
        try:
            with transaction.atomic():
                return Reservation.objects.bulk_create([
                    Reservation(product=line.product, warehouse=line.warehouse, quantity=line.quantity,
                                reference_type=reference_type, reference_id=reference_id,
                                reference_code=reference_code, user=user)
                    for line in merged.values()
                ])
        except IntegrityError:  # a concurrent call reserved for the same document first
            raise ReservationExists(InventoryError.RESERVATION_EXISTS, _("单据「%(reference)s」已占用库存，请先释放"),
                                    reference=reference_code or f"{reference_type}#{reference_id}") from None


def _active(reference_type: str, reference_id) -> list[Reservation]:
    rows = list(Reservation.objects.filter(reference_type=reference_type, reference_id=str(reference_id),
                                           status=ReservationStatus.ACTIVE).select_related("product", "warehouse"))
    ids = dict(((p, w), pk) for pk, p, w in StockBalance.objects.filter(
        product_id__in={r.product_id for r in rows}, warehouse_id__in={r.warehouse_id for r in rows}
    ).values_list("pk", "product_id", "warehouse_id"))
    return sorted(rows, key=lambda r: ids[(r.product_id, r.warehouse_id)])


def _close(reservation: Reservation, status: str, now) -> bool:
    """Close an active reservation; False when a concurrent caller closed it first."""
    return bool(Reservation.objects.filter(pk=reservation.pk, status=ReservationStatus.ACTIVE)
                .update(status=status, closed_at=now))


def release_reservation(*, user, reference_type: str, reference_id) -> int:
    """Release every active reservation of a document (cancellation, refund before shipping).

    Idempotent: a document without active reservations releases nothing. Returns the units released.
    """
    released = 0
    with transaction.atomic():
        now = timezone.now()
        for reservation in _active(reference_type, reference_id):
            if not _close(reservation, ReservationStatus.RELEASED, now):
                continue
            StockBalance.objects.filter(
                product_id=reservation.product_id, warehouse_id=reservation.warehouse_id,
                reserved__gte=reservation.quantity,
            ).update(reserved=F("reserved") - reservation.quantity, updated_at=now)
            released += reservation.quantity
    return released


def issue_reserved_stock(*, user, reference_type: str, reference_id, reference_code: str = "",
                         kind: str = MoveKind.ISSUE, reason: str = "", occurred_at=None) -> list[StockMove]:
    """Issue the goods a document reserved (the order ships): on hand and reserved both go down.

    Every active reservation of the document is consumed, its units leave at the moving average,
    and one StockIssued event carries the moves. Raises RESERVATION_NOT_FOUND (404) when the
    document holds no active reservation (retrying a shipped document is refused, never doubled).
    """
    with transaction.atomic():
        now = timezone.now()
        consumed = [r for r in _active(reference_type, reference_id) if _close(r, ReservationStatus.CONSUMED, now)]
        if not consumed:
            raise ReservationNotFound(InventoryError.RESERVATION_NOT_FOUND, _("单据「%(reference)s」没有占用中的库存"),
                                      reference=reference_code or f"{reference_type}#{reference_id}")
        lines = [MoveLine(product=r.product, warehouse=r.warehouse, quantity=r.quantity, from_reserved=True,
                          document_line=str(r.pk)) for r in consumed]
        moves = post_moves(user=user, kind=kind, lines=lines, document_type=reference_type,
                           document_id=reference_id, document_code=reference_code, reason=reason,
                           occurred_at=occurred_at or now)
        publish_moves(STOCK_ISSUED, moves, document_type=reference_type, document_id=reference_id,
                      document_code=reference_code, occurred_at=moves[0].occurred_at)
        return moves


class _Short(Exception):
    """A balance of a batch could not take its total (rolls the batch's UPDATEs back)."""


@dataclass
class ReserveRequest:
    """One document's reservation in a batch (reserve_many): its id, code and lines."""

    reference_id: object
    reference_code: str
    lines: list[ReserveLine]


def lock_balance_rows(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, int]]:
    """Lock the balances of (product id, warehouse id) pairs in primary-key order (missing rows created first).

    Returns (balance id, available units) per pair; the same rows as ledger.lock_balances are locked, read
    as tuples. Call inside a transaction; the numbers hold until it ends.
    """
    pairs = set(pairs)
    ensure_balances(pairs)
    if not pairs:
        return {}
    if len(pairs) > 20:  # the superset products x warehouses, as ledger._pairs_filter takes it
        rows = StockBalance.objects.filter(product_id__any=list({p for p, _w in pairs}),
                                           warehouse_id__any=list({w for _p, w in pairs}))
    else:
        rows = StockBalance.objects.filter(_pairs_filter(pairs))
    return {(product_id, warehouse_id): (pk, on_hand - reserved) for pk, product_id, warehouse_id, on_hand, reserved
            in rows.select_for_update().order_by("pk").values_list("pk", "product_id", "warehouse_id", "on_hand",
                                                                     "reserved")
            if (product_id, warehouse_id) in pairs}


def lock_available(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Lock the balances of (product id, warehouse id) pairs in primary-key order; available units of each.

    Call inside a transaction; the numbers hold until it ends (a batch allocator plans with them).
    """
    return {key: available for key, (_pk, available) in lock_balance_rows(pairs).items()}


RESERVATION_COLUMNS = ["product_id", "warehouse_id", "quantity", "status", "reference_type", "reference_id",
                       "reference_code", "created_at", "closed_at", "user_id"]


def _add_reserved(balance_ids: list[int], quantities: list[int], stamp) -> int:
    """reserved += quantity on each balance (ids in primary-key order) where on_hand >= reserved + quantity.

    Returns the balances changed (the caller compares with the count: a short balance is refused by its
    guard, as one conditional UPDATE per balance would be). SQLite: that UPDATE per balance (executemany,
    in-process). PostgreSQL: the balances are locked in primary-key order first (already held when the
    caller planned under lock_balance_rows), then one guarded UPDATE from the arrays of ids and quantities
    (one round trip instead of one per balance).
    """
    if connection.vendor != "postgresql":
        return update_rows(StockBalance, ["reserved = reserved + %s", "updated_at = %s"],
                           ["id = %s", "on_hand >= reserved + %s"],
                           [(quantity, stamp, pk, quantity) for pk, quantity in zip(balance_ids, quantities,
                                                                                    strict=True)])
    table = connection.ops.quote_name(StockBalance._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE",
                       [balance_ids])
        cursor.execute(
            f"UPDATE {table} AS balance SET reserved = balance.reserved + wanted.quantity, updated_at = %s "
            f"FROM unnest(%s::bigint[], %s::bigint[]) AS wanted(id, quantity) "
            f"WHERE balance.id = wanted.id AND balance.on_hand >= balance.reserved + wanted.quantity",
            [stamp, balance_ids, quantities])
        return cursor.rowcount


def reserve_rows(*, user, reference_type: str, documents: list[tuple[str, str, dict[tuple[int, int], int]]],
                 describe, balance_ids: dict[tuple[int, int], int] | None = None) -> int:
    """reserve_many for documents given as (reference id as text, reference code, {(product id, warehouse id):
    units}), lines already checked (stockable products, positive quantities) and merged.

    describe(key) gives the (SKU code, warehouse code) an INSUFFICIENT_STOCK error names. balance_ids, when
    the caller has them (lock_balance_rows), saves looking the balances up again. Same guarantees as
    reserve_many: one conditional UPDATE per balance in primary-key order, all or nothing.
    """
    if not documents:
        return 0
    with transaction.atomic():
        existing = list(Reservation.objects.filter(
            reference_type=reference_type, reference_id__any=[reference_id for reference_id, _c, _l in documents],
            status=ReservationStatus.ACTIVE).values_list("reference_id", flat=True)[:1])
        if existing:
            code = next((code for reference_id, code, _lines in documents if reference_id == existing[0]), "")
            raise ReservationExists(InventoryError.RESERVATION_EXISTS, _("单据「%(reference)s」已占用库存，请先释放"),
                                    reference=code or f"{reference_type}#{existing[0]}")
        totals: dict[tuple[int, int], int] = {}
        for _reference_id, _code, lines in documents:
            for key, quantity in lines.items():
                totals[key] = totals.get(key, 0) + quantity
        if balance_ids is None or any(key not in balance_ids for key in totals):
            ensure_balances(set(totals))
            balance_ids = {(p, w): pk for pk, p, w in StockBalance.objects.filter(
                product_id__any=list({p for p, _w in totals}), warehouse_id__any=list({w for _p, w in totals})
            ).values_list("pk", "product_id", "warehouse_id") if (p, w) in totals}
        stamp = preparer(StockBalance._meta.get_field("updated_at"))(timezone.now())
        keys = sorted(totals, key=lambda key: balance_ids[key])
        try:
            with transaction.atomic():
                if _add_reserved([balance_ids[key] for key in keys], [totals[key] for key in keys], stamp) != len(keys):
                    raise _Short
        except _Short:
            available = {pk: on_hand - reserved for pk, on_hand, reserved in StockBalance.objects.filter(
                pk__any=[balance_ids[key] for key in keys]).values_list("pk", "on_hand", "reserved")}
            short = next((key for key in keys if available[balance_ids[key]] < totals[key]), keys[0])
            sku, warehouse = describe(short)
            raise InsufficientStock(sku=sku, warehouse=warehouse, wanted=totals[short],
                                    available=max(available[balance_ids[short]], 0)) from None
        who = user.pk if getattr(user, "pk", None) else None
        created = preparer(Reservation._meta.get_field("created_at"))(timezone.now())
        active = ReservationStatus.ACTIVE.value
        rows = [(product_id, warehouse_id, quantity, active, reference_type, reference_id, code, created, None, who)
                for reference_id, code, lines in documents for (product_id, warehouse_id), quantity in lines.items()]
        try:
            with transaction.atomic():
                insert_rows(Reservation, RESERVATION_COLUMNS, rows)
        except IntegrityError:  # a concurrent call reserved for one of the documents first
            raise ReservationExists(InventoryError.RESERVATION_EXISTS, _("单据「%(reference)s」已占用库存，请先释放"),
                                    reference=f"{reference_type}") from None
        return sum(totals.values())


def reserve_many(*, user, reference_type: str, requests: list[ReserveRequest]) -> int:
    """Reserve for many documents at once, all or nothing; returns the units reserved.

    One conditional UPDATE per balance (executemany, balance primary-key order) with the batch's
    total for it, guarded by on_hand >= reserved + total; one insert of the reservations. Raises
    RESERVATION_EXISTS when a document of the batch holds an active reservation, and
    INSUFFICIENT_STOCK (naming the first short SKU) when a balance cannot take its total -
    nothing stays reserved then. Callers that planned under lock_available never see the latter.
    """
    if not requests:
        return 0
    merged = {str(request.reference_id): _merged(request.lines) for request in requests}
    codes = {str(request.reference_id): request.reference_code for request in requests}
    first_line: dict[tuple[int, int], ReserveLine] = {}
    for lines in merged.values():
        for key, line in lines.items():
            first_line.setdefault(key, line)

    def describe(key):
        return first_line[key].product.code, first_line[key].warehouse.code

    return reserve_rows(user=user, reference_type=reference_type, describe=describe, documents=[
        (reference_id, codes[reference_id], {key: line.quantity for key, line in lines.items()})
        for reference_id, lines in merged.items()])


def documents_with_reservations(reference_type: str, reference_ids) -> set[str]:
    """The ids (as text) among reference_ids that hold an active reservation (one query)."""
    return set(Reservation.objects.filter(reference_type=reference_type,
                                          reference_id__any=[str(i) for i in reference_ids],
                                          status=ReservationStatus.ACTIVE).values_list("reference_id", flat=True))

"""The ledger engine: post movements and move balances without read-modify-write.

Every change of on hand or value locks the balance rows it touches in primary-key order
(SELECT ... FOR UPDATE; SQLite serialises writers with BEGIN IMMEDIATE) and then writes
with a conditional UPDATE whose guard repeats the rule (on_hand >= reserved + quantity for an
issue), so even a caller that forgot the lock could not break the constraints. Reservations
are one conditional UPDATE each (services/reservations.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.core.bulk import insert_records, insert_rows, preparer, update_rows
from ecerp.inventory import calculations
from ecerp.inventory.errors import InsufficientStock, InventoryError, InventoryInvalid, line_field
from ecerp.inventory.models import INBOUND_KINDS, MoveKind, StockBalance, StockMove
from ecerp.masterdata.models import Location, Product, Warehouse


@dataclass
class MoveLine:
    """One line to post. Inbound: unit_cost (None: the current average, else the product's cost price)
    or value (a transfer arriving with the value it left with). Outbound: at the current average;
    from_reserved takes the quantity out of the reservation as well (a reserved order shipping)."""

    product: Product
    warehouse: Warehouse
    quantity: int
    unit_cost: Decimal | None = None
    value: Decimal | None = None
    location: Location | None = None
    document_line: str = ""
    from_reserved: bool = False


def check_stockable(product: Product, *, field: str | None = None, row: int | None = None) -> None:
    """Raise BUNDLE_NOT_STOCKED for a bundle: only its components are stocked."""
    if product.is_bundle:
        raise InventoryInvalid(InventoryError.BUNDLE_NOT_STOCKED,
                               _("组合商品「%(sku)s」没有库存，请按子商品出入库"), field=field, row=row,
                               sku=product.code)


def check_quantity(quantity, *, field: str | None = None, row: int | None = None) -> int:
    """Return quantity as a positive int; NEGATIVE_QUANTITY for zero, negative or fractional input."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InventoryInvalid(InventoryError.NEGATIVE_QUANTITY, _("数量必须是正整数：%(value)s"), field=field,
                               row=row, value=quantity)
    return quantity


def check_location(location: Location | None, warehouse: Warehouse, *, field: str | None = None) -> None:
    """Raise UNKNOWN_LOCATION unless location is None or one of warehouse's."""
    if location is not None and location.warehouse_id != warehouse.pk:
        raise InventoryInvalid(InventoryError.UNKNOWN_LOCATION, _("库位「%(location)s」不属于仓库「%(warehouse)s」"),
                               field=field, location=location.code, warehouse=warehouse.code)


def ensure_balances(pairs: set[tuple[int, int]]) -> None:
    """Create the missing balance rows of (product_id, warehouse_id) pairs (concurrent-safe: ON CONFLICT)."""
    if not pairs:
        return
    pairs = set(pairs)
    existing = set(
        StockBalance.objects.filter(_pairs_filter(pairs)).values_list("product_id", "warehouse_id")
    ) & pairs
    missing = pairs - existing
    if missing:
        now = timezone.now()
        StockBalance.objects.bulk_create(
            [StockBalance(product_id=p, warehouse_id=w, updated_at=now) for p, w in sorted(missing)],
            ignore_conflicts=True,
        )


def _pairs_filter(pairs) -> Q:
    if len(pairs) > 20:  # a superset (products x warehouses) is one short query; callers pick their pairs
        return Q(product_id__any=list({p for p, _w in pairs}), warehouse_id__any=list({w for _p, w in pairs}))
    condition = Q()
    for product_id, warehouse_id in pairs:
        condition |= Q(product_id=product_id, warehouse_id=warehouse_id)
    return condition


def lock_balances(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], StockBalance]:
    """Create missing balance rows, then lock them all in primary-key order (no deadlock between lockers)."""
    ensure_balances(pairs)
    rows = StockBalance.objects.select_for_update().filter(_pairs_filter(pairs)).order_by("pk")
    return {(row.product_id, row.warehouse_id): row for row in rows if (row.product_id, row.warehouse_id) in pairs}


def default_unit_cost(balance: StockBalance, product: Product) -> Decimal:
    """The cost of goods coming in without one: the book's average, else the product's cost price."""
    if balance.on_hand > 0 or balance.avg_cost > 0:
        return balance.avg_cost
    return calculations.round_cost(product.cost_price or Decimal("0"))


def _short(balance: StockBalance, line: MoveLine, index: int) -> InsufficientStock:
    available = balance.on_hand if line.from_reserved else balance.on_hand - balance.reserved
    return InsufficientStock(sku=line.product.code, warehouse=line.warehouse.code, wanted=line.quantity,
                             available=max(available, 0), field=line_field(index, "quantity"))


@dataclass
class MoveDocument:
    """The lines one document posts, for post_move_documents (many documents in one posting)."""

    document_type: str
    document_id: object
    document_code: str
    lines: list[MoveLine]
    reason: str = ""


def post_moves(*, user, kind: str, lines: list[MoveLine], document_type: str = "", document_id="",
               document_code: str = "", reason: str = "", occurred_at=None) -> list[StockMove]:
    """Post lines of one kind as movements and move their balances; all or nothing.

    Call inside transaction.atomic(). Inbound kinds add quantity and value (the average moves);
    outbound kinds take quantity at the current average, only from available stock
    (on hand - reserved) unless from_reserved. Raises BUNDLE_NOT_STOCKED, NEGATIVE_QUANTITY,
    UNKNOWN_LOCATION, INSUFFICIENT_STOCK (naming SKU, warehouse, wanted, available).
    Returns the created moves in line order; publishes nothing (the callers do).
    """
    return post_move_documents(user=user, kind=kind, occurred_at=occurred_at, documents=[
        MoveDocument(document_type, document_id, document_code, lines, reason)])[0]


def post_move_documents(*, user, kind: str, documents: list[MoveDocument], occurred_at=None) -> list[list[StockMove]]:
    """Post the lines of many documents of one kind at once (see post_moves); the moves of each document.

    The balances are locked once, in primary-key order; each line is valued in turn in memory
    (document order, then line order), and each balance gets one UPDATE with its final values,
    guarded by the values read under the lock (a compare-and-set: even a caller that forgot the
    lock could not lose an update). Moves go in with one bulk insert.
    """
    inbound = kind in INBOUND_KINDS
    flat = [(document, line) for document in documents for line in document.lines]
    for index, (_document, line) in enumerate(flat):
        check_stockable(line.product, field=line_field(index, "product"))
        check_quantity(line.quantity, field=line_field(index, "quantity"))
        check_location(line.location, line.warehouse, field=line_field(index, "location"))
        if line.unit_cost is not None and line.unit_cost < 0:
            raise InventoryInvalid(InventoryError.NEGATIVE_QUANTITY, _("单位成本不能为负数：%(value)s"),
                                   field=line_field(index, "unit_cost"), value=line.unit_cost)
    balances = lock_balances({(line.product.pk, line.warehouse.pk) for _document, line in flat})
    before = {key: (balance.on_hand, balance.reserved) for key, balance in balances.items()}
    now = timezone.now()
    occurred_at = occurred_at or now
    who = user if getattr(user, "pk", None) else None
    moves: list[StockMove] = []
    for index, (document, line) in enumerate(flat):
        balance = balances[(line.product.pk, line.warehouse.pk)]
        book = calculations.Valuation(balance.on_hand, balance.value, balance.avg_cost)
        if inbound:
            if line.value is not None:
                movement = calculations.receive_value(book, line.quantity, line.value, line.unit_cost)
            else:
                cost = line.unit_cost if line.unit_cost is not None else default_unit_cost(balance, line.product)
                movement = calculations.receive(book, line.quantity, cost)
        else:
            if line.from_reserved:
                if balance.reserved < line.quantity or balance.on_hand < line.quantity:
                    raise _short(balance, line, index)
                balance.reserved -= line.quantity
            elif balance.on_hand - balance.reserved < line.quantity:
                raise _short(balance, line, index)
            movement = calculations.issue(book, line.quantity)
        after = movement.after
        balance.on_hand, balance.value, balance.avg_cost = after.quantity, after.value, after.avg_cost
        moves.append(StockMove(
            product=line.product, warehouse=line.warehouse, location=line.location, kind=kind,
            quantity=movement.quantity, unit_cost=movement.unit_cost, value=movement.value,
            balance_quantity=after.quantity, balance_value=after.value,
            document_type=document.document_type, document_id=str(document.document_id),
            document_code=document.document_code, document_line=str(line.document_line), occurred_at=occurred_at,
            user=who, reason=document.reason[:200],
        ))
    touched = sorted((balance for key, balance in balances.items()), key=lambda balance: balance.pk)
    stamp = preparer(StockBalance._meta.get_field("updated_at"))(now)
    rows = [(balance.on_hand, balance.reserved, balance.value, balance.avg_cost, stamp, balance.pk,
             *before[(balance.product_id, balance.warehouse_id)]) for balance in touched]
    changed = update_rows(StockBalance, ["on_hand = %s", "reserved = %s", "value = %s", "avg_cost = %s",
                                         "updated_at = %s"], ["id = %s", "on_hand = %s", "reserved = %s"], rows)
    if changed != len(rows):  # a row changed under us: only possible without the lock; nothing is kept
        document, line = flat[0]
        raise _short(balances[(line.product.pk, line.warehouse.pk)], line, 0)
    insert_records(StockMove, moves, key="pk")
    created = moves
    result, start = [], 0
    for document in documents:
        result.append(created[start:start + len(document.lines)])
        start += len(document.lines)
    return result


def update_by_id(model, columns: list[str], rows: list[tuple], guards: tuple[str, ...] = ()) -> int:
    """UPDATE rows of model by primary key: each row gives the new values of columns, the id, then the
    values guards must still have (a compare-and-set). Returns the number of rows changed.

    update_rows with "column = %s" assignments and "id = %s AND guard = %s" conditions; on
    PostgreSQL one statement joins unnest() arrays (one parameter per column) instead of one
    statement per row (4,000 parcel lines: one statement, not 4,000).
    """
    if not rows:
        return 0
    meta, quote = model._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in columns] + [meta.pk] + [meta.get_field(name) for name in guards]
    if connection.vendor != "postgresql":
        return update_rows(model, [f"{quote(field.column)} = %s" for field in fields[:len(columns)]],
                           [f"{quote(field.column)} = %s" for field in fields[len(columns):]], rows)
    names = [f"v{index}" for index in range(len(fields))]
    sql = "UPDATE {} AS t SET {} FROM unnest({}) AS v({}) WHERE {}".format(
        quote(meta.db_table),
        ", ".join(f"{quote(field.column)} = v.{name}"
                  for field, name in zip(fields[:len(columns)], names[:len(columns)], strict=True)),
        ", ".join(f"%s::{field.cast_db_type(connection)}[]" for field in fields),
        ", ".join(names),
        " AND ".join(f"t.{quote(field.column)} = v.{name}"
                     for field, name in zip(fields[len(columns):], names[len(columns):], strict=True)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(values) for values in zip(*rows, strict=True)])
        return cursor.rowcount


@dataclass(slots=True)
class PostedMove:
    """A move written by post_reserved_issues: what events and the documents' lines need of it (no instance)."""

    pk: int
    product_id: int
    warehouse_id: int
    kind: str
    quantity: int
    unit_cost: Decimal
    value: Decimal
    document_line: str
    sku_code: str
    warehouse_code: str
    warehouse_type: str


@dataclass(frozen=True, slots=True)
class _Sku:
    pk: int
    code: str
    is_bundle: bool


MOVE_COLUMNS = ["product_id", "warehouse_id", "location_id", "kind", "quantity", "unit_cost", "value",
                "balance_quantity", "balance_value", "document_type", "document_id", "document_code", "document_line",
                "occurred_at", "user_id", "reason"]


def _insert_moves(rows: list[tuple]) -> list[int]:
    """Insert stock move rows (MOVE_COLUMNS order, database-ready) and return their ids in row order.

    PostgreSQL: the ids come from the table's sequence first and go in with COPY. SQLite: one
    executemany; the writer holds the database (BEGIN IMMEDIATE) and the key is AUTOINCREMENT, so
    the rows get consecutive ids ending at last_insert_rowid().
    """
    if not rows:
        return []
    table, column = StockMove._meta.db_table, StockMove._meta.pk.column
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, column, len(rows)])
            ids = [row[0] for row in cursor.fetchall()]
        insert_rows(StockMove, ["id", *MOVE_COLUMNS], [(pk, *row) for pk, row in zip(ids, rows, strict=True)])
        return ids
    insert_rows(StockMove, MOVE_COLUMNS, rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_insert_rowid()")
        last = cursor.fetchone()[0]
    return list(range(last - len(rows) + 1, last + 1))


def post_reserved_issues(*, user, kind: str, documents: list[MoveDocument], occurred_at=None
                         ) -> list[list[PostedMove]]:
    """post_move_documents for outbound lines taken from reservations, given as ids instead of instances.

    documents' lines are (product_id, warehouse_id, quantity, document_line) tuples, each issued
    from_reserved at the moving average. The same checks (BUNDLE_NOT_STOCKED, NEGATIVE_QUANTITY,
    INSUFFICIENT_STOCK), the same balance locks in primary-key order and compare-and-set UPDATEs,
    the same stock move rows; the moves come back as PostedMove (ids, values, codes for payloads).
    """
    flat = [(document, line) for document in documents for line in document.lines]
    product_ids = list({line[0] for _document, line in flat})
    warehouse_ids = list({line[1] for _document, line in flat})
    skus = {pk: _Sku(pk, code, is_bundle) for pk, code, is_bundle in
            Product.objects.filter(pk__any=product_ids).values_list("pk", "code", "is_bundle")}
    places = {pk: (code, type_) for pk, code, type_ in
              Warehouse.objects.filter(pk__any=warehouse_ids).values_list("pk", "code", "type")}
    for index, (_document, (product_id, _warehouse_id, quantity, _line)) in enumerate(flat):
        check_stockable(skus[product_id], field=line_field(index, "product"))
        check_quantity(quantity, field=line_field(index, "quantity"))
    pairs = {(line[0], line[1]) for _document, line in flat}
    ensure_balances(pairs)
    # [pk, on_hand, reserved, value, avg_cost] per (product_id, warehouse_id), locked in primary-key order
    balances: dict[tuple[int, int], list] = {}
    for pk, product_id, warehouse_id, on_hand, reserved, value, avg_cost in (
            StockBalance.objects.select_for_update().filter(_pairs_filter(pairs)).order_by("pk").values_list(
                "pk", "product_id", "warehouse_id", "on_hand", "reserved", "value", "avg_cost")):
        if (product_id, warehouse_id) in pairs:
            balances[(product_id, warehouse_id)] = [pk, on_hand, reserved, value, avg_cost]
    before = {key: (balance[1], balance[2]) for key, balance in balances.items()}
    now = timezone.now()
    occurred_at = occurred_at or now
    when = preparer(StockMove._meta.get_field("occurred_at"))(occurred_at)
    who = user.pk if getattr(user, "pk", None) else None

    def short(index: int) -> InsufficientStock:
        product_id, warehouse_id, quantity, _line = flat[index][1]
        balance = balances[(product_id, warehouse_id)]
        return InsufficientStock(sku=skus[product_id].code, warehouse=places[warehouse_id][0], wanted=quantity,
                                 available=max(balance[1], 0), field=line_field(index, "quantity"))

    rows, posted = [], []
    for index, (document, (product_id, warehouse_id, quantity, document_line)) in enumerate(flat):
        balance = balances[(product_id, warehouse_id)]
        if balance[2] < quantity or balance[1] < quantity:
            raise short(index)
        balance[2] -= quantity
        movement = calculations.issue(calculations.Valuation(balance[1], balance[3], balance[4]), quantity)
        after = movement.after
        balance[1], balance[3], balance[4] = after.quantity, after.value, after.avg_cost
        document_line = str(document_line)
        rows.append((product_id, warehouse_id, None, kind, movement.quantity, movement.unit_cost, movement.value,
                     after.quantity, after.value, document.document_type, str(document.document_id),
                     document.document_code, document_line, when, who, document.reason[:200]))
        place = places[warehouse_id]
        posted.append(PostedMove(0, product_id, warehouse_id, kind, movement.quantity, movement.unit_cost,
                                 movement.value, document_line, skus[product_id].code, place[0], place[1]))
    stamp = preparer(StockBalance._meta.get_field("updated_at"))(now)
    updates = [(balance[1], balance[2], balance[3], balance[4], stamp, balance[0], *before[key])
               for key, balance in sorted(balances.items(), key=lambda item: item[1][0])]
    changed = update_by_id(StockBalance, ["on_hand", "reserved", "value", "avg_cost", "updated_at"], updates,
                           guards=("on_hand", "reserved"))
    if changed != len(updates):  # a row changed under us: only possible without the lock; nothing is kept
        raise short(0)
    for move, pk in zip(posted, _insert_moves(rows), strict=True):
        move.pk = pk
    result, start = [], 0
    for document in documents:
        result.append(posted[start:start + len(document.lines)])
        start += len(document.lines)
    return result


def posted_payload(moves: list[PostedMove], *, document_type: str, document_id, document_code: str,
                   occurred_at, **extra) -> dict:
    """moves_payload for PostedMove rows (the same keys and values)."""
    return _document_payload([{
        "move_id": move.pk,
        "kind": move.kind,
        "sku_code": move.sku_code,
        "warehouse_code": move.warehouse_code,
        "warehouse_type": move.warehouse_type,
        "location_code": None,
        "quantity": move.quantity,
        "unit_cost": str(move.unit_cost),
        "value": str(move.value),
        "document_line": move.document_line,
    } for move in moves], moves, document_type, document_id, document_code, occurred_at, extra)


def _document_payload(lines: list[dict], moves, document_type: str, document_id, document_code: str, occurred_at,
                      extra: dict) -> dict:
    return {
        "document_type": document_type,
        "document_id": str(document_id),
        "document_code": document_code,
        "occurred_at": occurred_at.isoformat(),
        "lines": lines,
        "total_quantity": sum(move.quantity for move in moves),
        "total_value": str(sum((move.value for move in moves), Decimal("0"))),
        **extra,
    }


def move_payload(move: StockMove) -> dict:
    """Everything a posting needs about one move (codes, quantity, unit cost, value as strings)."""
    return {
        "move_id": move.pk,
        "kind": move.kind,
        "sku_code": move.product.code,
        "warehouse_code": move.warehouse.code,
        "warehouse_type": move.warehouse.type,
        "location_code": move.location.code if move.location else None,
        "quantity": move.quantity,
        "unit_cost": str(move.unit_cost),
        "value": str(move.value),
        "document_line": move.document_line,
    }


def moves_payload(moves: list[StockMove], *, document_type: str, document_id, document_code: str,
                  occurred_at, **extra) -> dict:
    """The payload of a stock event: the document, its moves and their total value."""
    return _document_payload([move_payload(move) for move in moves], moves, document_type, document_id,
                             document_code, occurred_at, extra)


__all__ = ["MoveDocument", "MoveKind", "MoveLine", "PostedMove", "check_quantity", "check_stockable",
           "lock_balances", "post_move_documents", "post_moves", "post_reserved_issues", "posted_payload"]

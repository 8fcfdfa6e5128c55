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

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
    existing = set(
        StockBalance.objects.filter(_pairs_filter(pairs)).values_list("product_id", "warehouse_id")
    )
    missing = pairs - existing
    if missing:
        now = timezone.now()
        StockBalance.objects.bulk_create(
            [StockBalance(product_id=p, warehouse_id=w, updated_at=now) for p, w in sorted(missing)],
            ignore_conflicts=True,
        )


def _pairs_filter(pairs) -> Q:
    condition = Q()
    for product_id, warehouse_id in pairs:
        condition |= Q(product_id=product_id, warehouse_id=warehouse_id)
    return condition


def lock_balances(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], StockBalance]:
    """Create missing balance rows, then lock them all in primary-key order (no deadlock between lockers)."""
    ensure_balances(pairs)
    rows = StockBalance.objects.select_for_update().filter(_pairs_filter(pairs)).order_by("pk")
    return {(row.product_id, row.warehouse_id): row for row in rows}


def default_unit_cost(balance: StockBalance, product: Product) -> Decimal:
    """The cost of goods coming in without one: the book's average, else the product's cost price."""
    if balance.on_hand > 0 or balance.avg_cost > 0:
        return balance.avg_cost
    return calculations.round_cost(product.cost_price or Decimal("0"))


def _short(balance: StockBalance, line: MoveLine, index: int) -> InsufficientStock:
    available = balance.on_hand if line.from_reserved else balance.on_hand - balance.reserved
    return InsufficientStock(sku=line.product.code, warehouse=line.warehouse.code, wanted=line.quantity,
                             available=max(available, 0), field=line_field(index, "quantity"))


def post_moves(*, user, kind: str, lines: list[MoveLine], document_type: str = "", document_id="",
               document_code: str = "", reason: str = "", occurred_at=None) -> list[StockMove]:
    """Post lines of one kind as movements and move their balances; all or nothing.

    Call inside transaction.atomic(). Inbound kinds add quantity and value (the average moves);
    outbound kinds take quantity at the current average, only from available stock
    (on hand - reserved) unless from_reserved. Raises BUNDLE_NOT_STOCKED, NEGATIVE_QUANTITY,
    UNKNOWN_LOCATION, INSUFFICIENT_STOCK (naming SKU, warehouse, wanted, available).
    Returns the created moves in line order; publishes nothing (the callers do).
    """
    inbound = kind in INBOUND_KINDS
    for index, line in enumerate(lines):
        check_stockable(line.product, field=line_field(index, "product"))
        check_quantity(line.quantity, field=line_field(index, "quantity"))
        check_location(line.location, line.warehouse, field=line_field(index, "location"))
        if line.unit_cost is not None and line.unit_cost < 0:
            raise InventoryInvalid(InventoryError.NEGATIVE_QUANTITY, _("单位成本不能为负数：%(value)s"),
                                   field=line_field(index, "unit_cost"), value=line.unit_cost)
    balances = lock_balances({(line.product.pk, line.warehouse.pk) for line in lines})
    now = timezone.now()
    occurred_at = occurred_at or now
    moves: list[StockMove | None] = [None] * len(lines)
    order = sorted(range(len(lines)), key=lambda i: (balances[(lines[i].product.pk, lines[i].warehouse.pk)].pk, i))
    for index in order:
        line = lines[index]
        balance = balances[(line.product.pk, line.warehouse.pk)]
        book = calculations.Valuation(balance.on_hand, balance.value, balance.avg_cost)
        guard = Q(pk=balance.pk)
        changes = {}
        if inbound:
            if line.value is not None:
                movement = calculations.receive_value(book, line.quantity, line.value, line.unit_cost)
            else:
                cost = line.unit_cost if line.unit_cost is not None else default_unit_cost(balance, line.product)
                movement = calculations.receive(book, line.quantity, cost)
            changes["on_hand"] = F("on_hand") + line.quantity
        else:
            if line.from_reserved:
                if balance.reserved < line.quantity or balance.on_hand < line.quantity:
                    raise _short(balance, line, index)
                guard &= Q(reserved__gte=line.quantity, on_hand__gte=line.quantity)
                changes["reserved"] = F("reserved") - line.quantity
            else:
                if balance.on_hand - balance.reserved < line.quantity:
                    raise _short(balance, line, index)
                guard &= Q(on_hand__gte=F("reserved") + line.quantity)
            movement = calculations.issue(book, line.quantity)
            changes["on_hand"] = F("on_hand") - line.quantity
        after = movement.after
        updated = StockBalance.objects.filter(guard).update(
            value=after.value, avg_cost=after.avg_cost, updated_at=now, **changes
        )
        if updated != 1:  # the guard is the last word even if a lock was missed
            raise _short(balance, line, index)
        balance.on_hand, balance.value, balance.avg_cost = after.quantity, after.value, after.avg_cost
        if line.from_reserved:
            balance.reserved -= line.quantity
        moves[index] = StockMove(
            product=line.product, warehouse=line.warehouse, location=line.location, kind=kind,
            quantity=movement.quantity, unit_cost=movement.unit_cost, value=movement.value,
            balance_quantity=after.quantity, balance_value=after.value,
            document_type=document_type, document_id=str(document_id), document_code=document_code,
            document_line=str(line.document_line), occurred_at=occurred_at,
            user=user if getattr(user, "pk", None) else None, reason=reason[:200],
        )
    return StockMove.objects.bulk_create(moves)


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
    return {
        "document_type": document_type,
        "document_id": str(document_id),
        "document_code": document_code,
        "occurred_at": occurred_at.isoformat(),
        "lines": [move_payload(move) for move in moves],
        "total_quantity": sum(move.quantity for move in moves),
        "total_value": str(sum((move.value for move in moves), Decimal("0"))),
        **extra,
    }


__all__ = ["MoveKind", "MoveLine", "check_quantity", "check_stockable", "lock_balances", "post_moves"]

"""Stocktake (盘点): draft -> counting -> approved, or cancelled before approval.

Starting the count snapshots the book quantity of every SKU of the warehouse with stock (and
of lines added by hand), each placed at the location it last moved through, so the sheet reads
by location. Counted quantities are entered during counting; approval turns each difference
(counted - book at the snapshot) into a stocktake_gain (at the book's average) or
stocktake_loss (at the average, from available stock) and publishes StockAdjusted.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.models import AuditAction
from ecerp.core.states import move
from ecerp.inventory.errors import InventoryError, InventoryInvalid
from ecerp.inventory.events import STOCK_ADJUSTED, publish_moves
from ecerp.inventory.models import MoveKind, StockBalance, StockMove, Stocktake, StocktakeLine
from ecerp.inventory.services.codes import next_document_code
from ecerp.inventory.services.ledger import MoveLine, check_location, check_stockable, post_moves
from ecerp.inventory.states import STOCKTAKE_TRANSITIONS, StocktakeStatus
from ecerp.masterdata.models import Location, Product, Warehouse

DOCUMENT_TYPE = "inventory.stocktake"
LABELS = dict(StocktakeStatus.choices)


def create_stocktake(*, user, warehouse: Warehouse, reason: str = "") -> Stocktake:
    """Create a draft count sheet (code PD...) for one warehouse."""
    with transaction.atomic():
        stocktake = Stocktake.objects.create(code=next_document_code("stocktake"), warehouse=warehouse,
                                             reason=reason[:200],
                                             created_by=user if getattr(user, "pk", None) else None)
        record_change(user=user, action=AuditAction.CREATE, instance=stocktake, after=snapshot(stocktake))
        return stocktake


def _last_locations(warehouse: Warehouse, product_ids) -> dict[int, int]:
    """The location each product last moved through in warehouse (one query)."""
    last = (StockMove.objects.filter(warehouse=warehouse, product_id__in=product_ids, location__isnull=False)
            .values("product_id").annotate(last_id=Max("id")))
    ids = {row["last_id"] for row in last}
    return dict(StockMove.objects.filter(pk__in=ids).values_list("product_id", "location_id"))


def _book(warehouse: Warehouse, product_ids) -> dict[int, int]:
    return dict(StockBalance.objects.filter(warehouse=warehouse, product_id__in=product_ids)
                .values_list("product_id", "on_hand"))


def add_stocktake_line(*, user, stocktake: Stocktake, product: Product, location: Location | None = None,
                       counted_quantity: int | None = None) -> StocktakeLine:
    """Add a SKU to a draft or counting sheet (while counting its book quantity is snapshot now).

    Raises BUNDLE_NOT_STOCKED, DUPLICATE_LINE (the SKU is on the sheet), UNKNOWN_LOCATION, NOT_COUNTING
    once approved or cancelled.
    """
    with transaction.atomic():
        stocktake = Stocktake.objects.select_for_update().select_related("warehouse").get(pk=stocktake.pk)
        if stocktake.status not in (StocktakeStatus.DRAFT, StocktakeStatus.COUNTING):
            raise InventoryInvalid(InventoryError.NOT_COUNTING, _("盘点单「%(code)s」已结束"), field="status",
                                   code=stocktake.code)
        check_stockable(product, field="product")
        check_location(location, stocktake.warehouse, field="location")
        if stocktake.lines.filter(product=product).exists():
            raise InventoryInvalid(InventoryError.DUPLICATE_LINE, _("商品「%(sku)s」已在盘点单上"), field="product",
                                   sku=product.code)
        book = _book(stocktake.warehouse, [product.pk]).get(product.pk, 0)
        line = StocktakeLine.objects.create(
            stocktake=stocktake, product=product, location=location,
            book_quantity=book if stocktake.status == StocktakeStatus.COUNTING else 0,
        )
        if counted_quantity is not None:
            _set_count(stocktake, line, counted_quantity, field="counted_quantity")
        record_change(user=user, action=AuditAction.CREATE, instance=line, after=snapshot(line))
        return line


def start_stocktake(*, user, stocktake: Stocktake) -> Stocktake:
    """Snapshot the book: one line per SKU with stock in the warehouse, plus the lines added by hand."""
    with transaction.atomic():
        stocktake = Stocktake.objects.select_for_update().select_related("warehouse").get(pk=stocktake.pk)
        if not move(user=user, obj=stocktake, to_state=StocktakeStatus.COUNTING, transitions=STOCKTAKE_TRANSITIONS,
                    labels=LABELS):
            return stocktake
        warehouse = stocktake.warehouse
        existing = {line.product_id: line for line in stocktake.lines.all()}
        stocked = set(StockBalance.objects.filter(warehouse=warehouse, on_hand__gt=0)
                      .values_list("product_id", flat=True))
        product_ids = stocked | set(existing)
        book = _book(warehouse, product_ids)
        locations = _last_locations(warehouse, product_ids)
        for product_id, line in existing.items():
            line.book_quantity = book.get(product_id, 0)
            line.location_id = line.location_id or locations.get(product_id)
        StocktakeLine.objects.bulk_update(existing.values(), ["book_quantity", "location"])
        StocktakeLine.objects.bulk_create([
            StocktakeLine(stocktake=stocktake, product_id=product_id, book_quantity=book.get(product_id, 0),
                          location_id=locations.get(product_id))
            for product_id in sorted(stocked - set(existing))
        ])
        stocktake.counting_at = timezone.now()
        stocktake.save(update_fields=["counting_at"])
        record_change(user=user, action=AuditAction.TRANSITION, instance=stocktake,
                      after={"status": stocktake.status}, note="start counting")
        return stocktake


def _set_count(stocktake: Stocktake, line: StocktakeLine, counted, *, field: str) -> None:
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise InventoryInvalid(InventoryError.NEGATIVE_QUANTITY, _("实盘数量必须是不小于 0 的整数：%(value)s"),
                               field=field, value=counted)
    line.counted_quantity = counted
    line.save(update_fields=["counted_quantity"])


def record_counts(*, user, stocktake: Stocktake, counts: dict[int, int]) -> Stocktake:
    """Enter counted quantities while counting: counts maps product id -> counted quantity (>= 0).

    Raises NOT_COUNTING outside counting, NEGATIVE_QUANTITY naming counts.<sku>, and
    UNKNOWN_PRODUCT for a product not on the sheet (add it first).
    """
    with transaction.atomic():
        stocktake = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
        if stocktake.status != StocktakeStatus.COUNTING:
            raise InventoryInvalid(InventoryError.NOT_COUNTING, _("盘点单「%(code)s」不在盘点中"), field="status",
                                   code=stocktake.code)
        lines = {line.product_id: line for line in stocktake.lines.select_related("product")}
        for product_id, counted in counts.items():
            line = lines.get(product_id)
            if line is None:
                raise InventoryInvalid(InventoryError.UNKNOWN_PRODUCT, _("商品「%(sku)s」不在盘点单上，请先添加"),
                                       field=f"counts.{product_id}", sku=product_id)
            _set_count(stocktake, line, counted, field=f"counts.{line.product.code}")
        record_change(user=user, action=AuditAction.UPDATE, instance=stocktake, before={"counts": None},
                      after={"counts": {lines[p].product.code: c for p, c in counts.items()}})
        return stocktake


def approve_stocktake(*, user, stocktake: Stocktake) -> Stocktake:
    """Post the differences: gains in at the book's average, losses out at it; StockAdjusted.

    Every line must be counted (COUNT_MISSING naming the SKU). A loss larger than the available
    stock (on hand - reserved) raises INSUFFICIENT_STOCK and nothing is posted. Approving again
    is a no-op.
    """
    with transaction.atomic():
        stocktake = Stocktake.objects.select_for_update().select_related("warehouse").get(pk=stocktake.pk)
        if stocktake.status == StocktakeStatus.APPROVED:
            return stocktake
        lines = list(stocktake.lines.select_related("product", "location").order_by("product__code"))
        if stocktake.status == StocktakeStatus.COUNTING:
            missing = [line.product.code for line in lines if line.counted_quantity is None]
            if missing:
                raise InventoryInvalid(InventoryError.COUNT_MISSING, _("以下商品尚未录入实盘数量：%(skus)s"),
                                       field="counted_quantity", skus="、".join(missing))
        move(user=user, obj=stocktake, to_state=StocktakeStatus.APPROVED, transitions=STOCKTAKE_TRANSITIONS,
             labels=LABELS)
        now = timezone.now()
        moves = []
        for kind, changed in (
            (MoveKind.STOCKTAKE_GAIN, [line for line in lines if line.difference > 0]),
            (MoveKind.STOCKTAKE_LOSS, [line for line in lines if line.difference < 0]),
        ):
            if not changed:
                continue
            posted = post_moves(
                user=user, kind=kind,
                lines=[MoveLine(product=line.product, warehouse=stocktake.warehouse, quantity=abs(line.difference),
                                location=line.location, document_line=line.product.code) for line in changed],
                document_type=DOCUMENT_TYPE, document_id=stocktake.pk, document_code=stocktake.code,
                reason=stocktake.reason, occurred_at=now,
            )
            for line, stock_move in zip(changed, posted, strict=True):
                line.unit_cost, line.value = stock_move.unit_cost, stock_move.value
            moves.extend(posted)
        StocktakeLine.objects.bulk_update(lines, ["unit_cost", "value"])
        stocktake.approved_at = now
        stocktake.save(update_fields=["approved_at"])
        record_change(user=user, action=AuditAction.TRANSITION, instance=stocktake,
                      after={"status": stocktake.status}, note="approve")
        if moves:
            publish_moves(STOCK_ADJUSTED, moves, document_type=DOCUMENT_TYPE, document_id=stocktake.pk,
                          document_code=stocktake.code, occurred_at=now, warehouse_code=stocktake.warehouse.code)
        return stocktake


def cancel_stocktake(*, user, stocktake: Stocktake, reason: str = "") -> Stocktake:
    """Cancel a draft or counting sheet (nothing is posted); INVALID_TRANSITION once approved."""
    with transaction.atomic():
        stocktake = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
        if move(user=user, obj=stocktake, to_state=StocktakeStatus.CANCELLED, transitions=STOCKTAKE_TRANSITIONS,
                labels=LABELS, reason=reason):
            record_change(user=user, action=AuditAction.TRANSITION, instance=stocktake,
                          after={"status": stocktake.status}, note="cancel")
        return stocktake

"""Read-side helpers of the stock ledger for pages, API and reports.

Warehouses are limited to the user's data scope (masterdata.scopes); a get_* of a document
outside it raises NotFound, as if it did not exist. Lists join what they show, so a page
costs a fixed number of queries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.core.errors import NotFound
from ecerp.core.money import round_money
from ecerp.inventory.errors import InventoryError, InventoryInvalid
from ecerp.inventory.models import StockBalance, StockDocument, StockMove, Stocktake, Transfer, TransferLine
from ecerp.inventory.states import TransferStatus
from ecerp.masterdata.models import Category
from ecerp.masterdata.queries import descendant_ids
from ecerp.masterdata.scopes import visible_warehouses


def _visible(user) -> QuerySet:
    return visible_warehouses(user).values("pk")


def list_balances(*, user, warehouse_id: int | None = None, product_id: int | None = None,
                  sku: str | None = None, category_id: int | None = None, q: str | None = None,
                  only_with_stock: bool = False, changed_since: datetime.datetime | None = None) -> QuerySet:
    """Balances (SKU x warehouse) inside the user's warehouses, by SKU code then warehouse code."""
    rows = (StockBalance.objects.filter(warehouse__in=_visible(user))
            .select_related("product", "product__category", "warehouse")
            .annotate(available_quantity=F("on_hand") - F("reserved"))
            .order_by("product__code", "warehouse__code"))
    if warehouse_id:
        rows = rows.filter(warehouse_id=warehouse_id)
    if product_id:
        rows = rows.filter(product_id=product_id)
    if sku:
        rows = rows.filter(product__code=sku.strip())
    if category_id:
        rows = rows.filter(product__category_id__in=descendant_ids(Category, category_id))
    text = (q or "").strip()
    if text:
        rows = rows.filter(Q(product__code__icontains=text) | Q(product__name__icontains=text)
                           | Q(product__barcode=text))
    if only_with_stock:
        rows = rows.filter(on_hand__gt=0)
    if changed_since is not None:
        rows = rows.filter(updated_at__gte=changed_since)
    return rows


def list_moves(*, user, product_id: int | None = None, warehouse_id: int | None = None, kind: str | None = None,
               document_code: str | None = None, since: datetime.datetime | None = None,
               until: datetime.datetime | None = None) -> QuerySet:
    """Movements inside the user's warehouses, newest first."""
    rows = (StockMove.objects.filter(warehouse__in=_visible(user))
            .select_related("product", "warehouse", "location", "user").order_by("-occurred_at", "-id"))
    if product_id:
        rows = rows.filter(product_id=product_id)
    if warehouse_id:
        rows = rows.filter(warehouse_id=warehouse_id)
    if kind:
        rows = rows.filter(kind=kind)
    if document_code:
        rows = rows.filter(document_code=document_code.strip())
    if since is not None:
        rows = rows.filter(occurred_at__gte=since)
    if until is not None:
        rows = rows.filter(occurred_at__lt=until)
    return rows


def in_transit(*, user, warehouse_id: int | None = None) -> list[dict]:
    """Units on shipped, not yet received transfers, per SKU and destination (with their value)."""
    rows = (TransferLine.objects.filter(transfer__status=TransferStatus.SHIPPED)
            .filter(Q(transfer__to_warehouse__in=_visible(user)) | Q(transfer__from_warehouse__in=_visible(user))))
    if warehouse_id:
        rows = rows.filter(transfer__to_warehouse_id=warehouse_id)
    grouped = list(rows.values("product_id", "product__code", "product__name", "transfer__to_warehouse_id",
                               "transfer__to_warehouse__code")
                   .annotate(quantity=Sum("quantity"), value=Sum("value"))
                   .order_by("product__code", "transfer__to_warehouse__code"))
    for row in grouped:
        row["value"] = _money(row["value"])
    return grouped


# --- documents --------------------------------------------------------------------------------------

def list_stock_documents(*, user, direction: str | None = None, status: str | None = None) -> QuerySet:
    rows = (StockDocument.objects.filter(warehouse__in=_visible(user)).select_related("warehouse", "created_by")
            .order_by("-id"))
    if direction:
        rows = rows.filter(direction=direction)
    if status:
        rows = rows.filter(status=status)
    return rows


def get_stock_document(*, user, pk: int) -> StockDocument:
    document = list_stock_documents(user=user).filter(pk=pk).first()
    if document is None:
        raise NotFound(str(_("其他出入库单")), pk)
    return document


def list_transfers(*, user, status: str | None = None) -> QuerySet:
    rows = (Transfer.objects.filter(Q(from_warehouse__in=_visible(user)) | Q(to_warehouse__in=_visible(user)))
            .select_related("from_warehouse", "to_warehouse", "created_by").order_by("-id"))
    if status:
        rows = rows.filter(status=status)
    return rows


def get_transfer(*, user, pk: int) -> Transfer:
    transfer = list_transfers(user=user).filter(pk=pk).first()
    if transfer is None:
        raise NotFound(str(_("调拨单")), pk)
    return transfer


def list_stocktakes(*, user, status: str | None = None) -> QuerySet:
    rows = Stocktake.objects.filter(warehouse__in=_visible(user)).select_related("warehouse", "created_by")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-id")


def get_stocktake(*, user, pk: int) -> Stocktake:
    stocktake = list_stocktakes(user=user).filter(pk=pk).first()
    if stocktake is None:
        raise NotFound(str(_("盘点单")), pk)
    return stocktake


# --- the movement report (进销存报表) -----------------------------------------------------------------

@dataclass
class ReportRow:
    product_id: int
    product_code: str
    product_name: str
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    opening_quantity: int
    opening_value: Decimal
    in_quantity: int
    in_value: Decimal
    out_quantity: int
    out_value: Decimal
    closing_quantity: int
    closing_value: Decimal

    def as_dict(self) -> dict:
        return {key: (str(value) if isinstance(value, Decimal) else value) for key, value in self.__dict__.items()}


def day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, end + 1 day 00:00) in the company's time zone; INVALID_DATE_RANGE when end < start."""
    if end < start:
        raise InventoryInvalid(InventoryError.INVALID_DATE_RANGE, _("结束日期不能早于开始日期：%(start)s ~ %(end)s"),
                               field="end", start=start.isoformat(), end=end.isoformat())
    zone = timezone.get_current_timezone()
    return (datetime.datetime.combine(start, datetime.time.min, tzinfo=zone),
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone))


def _int(value) -> int:
    return int(value or 0)


def _money(value) -> Decimal:
    return round_money(Decimal(str(value or 0)))  # SQLite sums decimals as floats: back to fen


def movement_report(*, user, start: datetime.date, end: datetime.date, warehouse_id: int | None = None,
                    product_id: int | None = None, q: str | None = None) -> list[ReportRow]:
    """Opening, in, out and closing (quantity and value) per SKU x warehouse for the days start..end.

    Straight from the ledger in one grouped query: opening = moves before start, in = positive
    moves in the range, out = negative moves in the range (shown positive), closing = opening +
    in - out. SKUs without stock or movement in the range are left out.
    """
    since, until = day_bounds(start, end)
    moves = StockMove.objects.filter(warehouse__in=_visible(user), occurred_at__lt=until)
    if warehouse_id:
        moves = moves.filter(warehouse_id=warehouse_id)
    if product_id:
        moves = moves.filter(product_id=product_id)
    text = (q or "").strip()
    if text:
        moves = moves.filter(Q(product__code__icontains=text) | Q(product__name__icontains=text))
    before = Q(occurred_at__lt=since)
    inside_in = Q(occurred_at__gte=since, quantity__gt=0)
    inside_out = Q(occurred_at__gte=since, quantity__lt=0)
    grouped = (moves.values("product_id", "product__code", "product__name", "warehouse_id", "warehouse__code",
                            "warehouse__name")
               .annotate(oq=Sum("quantity", filter=before), ov=Sum("value", filter=before),
                         iq=Sum("quantity", filter=inside_in), iv=Sum("value", filter=inside_in),
                         xq=Sum("quantity", filter=inside_out), xv=Sum("value", filter=inside_out))
               .order_by("product__code", "warehouse__code"))
    rows = []
    for row in grouped:
        opening_quantity, opening_value = _int(row["oq"]), _money(row["ov"])
        in_quantity, in_value = _int(row["iq"]), _money(row["iv"])
        out_quantity, out_value = -_int(row["xq"]), abs(_money(row["xv"]))
        if not (opening_quantity or in_quantity or out_quantity or opening_value):
            continue
        rows.append(ReportRow(
            product_id=row["product_id"], product_code=row["product__code"], product_name=row["product__name"],
            warehouse_id=row["warehouse_id"], warehouse_code=row["warehouse__code"],
            warehouse_name=row["warehouse__name"],
            opening_quantity=opening_quantity, opening_value=opening_value,
            in_quantity=in_quantity, in_value=in_value, out_quantity=out_quantity, out_value=out_value,
            closing_quantity=opening_quantity + in_quantity - out_quantity,
            closing_value=opening_value + in_value - out_value,
        ))
    return rows

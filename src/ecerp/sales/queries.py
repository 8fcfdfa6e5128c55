"""Reads of sales: order lists and details inside the caller's stores, with personal data masked unless allowed."""

from __future__ import annotations

import datetime

from django.db.models import CharField, Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecerp.core.admin_history import describe_entries, describe_states
from ecerp.core.crypto import mask_value
from ecerp.core.errors import NotFound
from ecerp.core.permissions import has_permission
from ecerp.inventory.models import Shipment
from ecerp.masterdata.scopes import visible_stores
from ecerp.sales.models import QuarantinedRecord, SalesOrder, SalesOrderLine, StoreSkuMapping
from ecerp.sales.services.allocation import RESERVATION_TYPE
from ecerp.sales.states import OrderStatus, QuarantineStatus

PERSONAL = {"consignee_name": "text", "consignee_phone": "phone", "address": "text"}


def can_see_personal_data(user) -> bool:
    return has_permission(user, "masterdata.view_personal_data")


def personal(user, order: SalesOrder) -> dict:
    """Consignee name, phone and address: in full for users allowed to see personal data, masked otherwise."""
    full = can_see_personal_data(user)
    return {name: getattr(order, name) if full else mask_value(getattr(order, name), kind)
            for name, kind in PERSONAL.items()}


def list_orders(*, user, status: str = "", store_id: int | None = None, store: str = "", q: str = "",
                date_from: datetime.date | None = None, date_to: datetime.date | None = None,
                exception: bool | None = None, pending_mapping: bool = False) -> QuerySet:
    """Orders of the caller's stores, newest first, with the given filters (dates on the order time).

    Each order carries parcel_code / parcel_status: its latest parcel that is not cancelled (or None),
    so the list shows which allocated orders are already with the warehouse.
    """
    parcels = Shipment.objects.filter(reference_type=RESERVATION_TYPE, reference_id=Cast(OuterRef("pk"), CharField())
                                      ).exclude(status="cancelled").order_by("-id")
    orders = SalesOrder.objects.filter(store__in=visible_stores(user)).select_related("store").annotate(
        parcel_code=Subquery(parcels.values("code")[:1]), parcel_status=Subquery(parcels.values("status")[:1]))
    if status:
        orders = orders.filter(status=status)
    if pending_mapping:
        orders = orders.filter(status=OrderStatus.PENDING_MAPPING)
    if store_id:
        orders = orders.filter(store_id=store_id)
    if store:
        orders = orders.filter(store__code=store)
    if q:
        orders = orders.filter(Q(code__icontains=q) | Q(platform_order_no__icontains=q) | Q(buyer_nick__icontains=q))
    if date_from:
        orders = orders.filter(received_at__date__gte=date_from)
    if date_to:
        orders = orders.filter(received_at__date__lte=date_to)
    if exception is not None:
        orders = orders.filter(has_exception=exception)
    return orders.order_by("-id")


def get_order(*, user, pk: int) -> SalesOrder:
    """One order of the caller's stores (NotFound otherwise), with store and lines loaded."""
    order = (SalesOrder.objects.filter(store__in=visible_stores(user), pk=pk).select_related("store")
             .prefetch_related("lines__product").first())
    if order is None:
        raise NotFound("订单", pk)
    return order


# Status codes of the Taobao/Tmall (TOP) and JD order APIs as their seller back-ends name them; other
# platforms (Pinduoduo, Douyin exports) already send Chinese and are shown as received.
PLATFORM_STATUS_LABELS = {
    "WAIT_BUYER_PAY": gettext_lazy("等待买家付款"),
    "PAY_PENDING": gettext_lazy("付款确认中"),
    "WAIT_SELLER_SEND_GOODS": gettext_lazy("等待卖家发货"),
    "SELLER_CONSIGNED_PART": gettext_lazy("卖家部分发货"),
    "WAIT_BUYER_CONFIRM_GOODS": gettext_lazy("等待买家确认收货"),
    "TRADE_BUYER_SIGNED": gettext_lazy("买家已签收"),
    "TRADE_FINISHED": gettext_lazy("交易成功"),
    "TRADE_CLOSED": gettext_lazy("交易关闭"),
    "TRADE_CLOSED_BY_TAOBAO": gettext_lazy("交易被淘宝关闭"),
    "WAIT_SELLER_STOCK_OUT": gettext_lazy("等待出库"),
    "WAIT_GOODS_RECEIVE_CONFIRM": gettext_lazy("等待确认收货"),
    "FINISHED_L": gettext_lazy("完成"),
    "TRADE_CANCELED": gettext_lazy("已取消"),
    "LOCKED": gettext_lazy("已锁定"),
    "POP_ORDER_PAUSE": gettext_lazy("暂停"),
}


def platform_status_label(status: str) -> str:
    """A platform's status code as its seller back-end names it (unknown codes and Chinese statuses unchanged)."""
    label = PLATFORM_STATUS_LABELS.get(status)
    return str(label) if label is not None else status


def source_label(source: str) -> str:
    """How an order or version arrived, for people: 接口, 文件导入, 平台拉取 (adapter), 合并, 拆分, 部分取消."""
    labels = {"api": _("接口"), "file": _("文件导入"), "merge": _("合并"), "split": _("拆分"),
              "partial_cancel": _("部分取消")}
    if source.startswith("pull:"):
        pulled = _("平台拉取")
        return f"{pulled} {source.partition(':')[2]}"
    return labels.get(source, source)


def actor_label(username: str) -> str:
    """The user name of a timeline row; actions without a user (ingest, batch jobs) show as 系统."""
    return _("系统") if username in ("", "system") else username


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def timeline(order: SalesOrder) -> list[dict]:
    """State moves, audit entries and versions received, oldest first."""
    items = [{"at": row["at"], "kind": "state", "text": f"{row['from_state'] or '-'} → {row['to_state']}",
              "user": actor_label(row["user"]), "note": row["reason"]} for row in describe_states(order)]
    for entry in describe_entries(order):
        items.append({"at": entry.at, "kind": "audit", "text": str(entry.action_label),
                      "user": actor_label(entry.username),
                      "note": "; ".join(f"{change.label}: {change.before} → {change.after}"
                                        for change in entry.changes)[:500]})
    for version in order.versions.all():
        items.append({"at": version.received_at, "kind": "version", "text": version.get_outcome_display(),
                      "user": source_label(version.source), "note": f"{platform_status_label(version.platform_status)} "
                      f"{_local(version.platform_updated_at)}"})
    return sorted(items, key=lambda item: item["at"])


def parcels(order: SalesOrder) -> QuerySet:
    """The order's parcels (发货单), live and cancelled/returned ones, newest first."""
    return (Shipment.objects.filter(reference_type=RESERVATION_TYPE, reference_id=str(order.pk))
            .select_related("warehouse").order_by("-id"))


def unmapped_skus(*, user) -> list[dict]:
    """Platform SKU codes of waiting orders with no product, per store, with how many orders wait."""
    return list(SalesOrderLine.objects.filter(product__isnull=True, order__status=OrderStatus.PENDING_MAPPING,
                                              order__store__in=visible_stores(user))
                .values("order__store_id", "order__store__code", "order__store__name", "sku_code")
                .annotate(orders=Count("order", distinct=True), title=Max("title"))
                .order_by("-orders", "sku_code"))


def list_mappings(*, user) -> QuerySet:
    return (StoreSkuMapping.objects.filter(Q(store__isnull=True) | Q(store__in=visible_stores(user)))
            .select_related("store", "product").order_by("sku_code"))


def list_quarantined(*, status: str = QuarantineStatus.OPEN) -> QuerySet:
    records = QuarantinedRecord.objects.all()
    if status:
        records = records.filter(status=status)
    return records.order_by("-id")

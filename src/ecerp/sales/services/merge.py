"""Merge (合并) orders into one parcel and split (拆分) an order by warehouse or by chosen lines.

Merge: orders of the same store, buyer and address (compared by a keyed hash of the normalised
consignee and address, never in clear) that have not shipped become one new order (source merge);
the source orders end in merged, linked by merged_into, and keep their lines as the record of what
the platform sent. Cross-border and domestic orders are never merged.

Split: the parent ends in split; its lines move to child orders (split_from = parent), keeping
their line numbers; freight, discount, paid amount and deposit are spread over the children pro
rata to their lines' gross amounts, to the cent, so the children add up to the parent exactly.

Either way a reservation of the old orders is released (the new orders are allocated again) and
both sides get a state history row and an audit row naming the other side.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

from django.db import transaction
from django.utils.translation import gettext as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.crypto import lookup_hash
from ecerp.core.models import AuditAction, StateHistory
from ecerp.core.services import next_codes
from ecerp.core.states import move
from ecerp.masterdata.models import StoreType
from ecerp.sales import calculations
from ecerp.sales.errors import ReviewError, SalesConflict, SalesInvalid
from ecerp.sales.models import SalesOrder, SalesOrderLine
from ecerp.sales.services import allocation
from ecerp.sales.states import LABELS, MERGEABLE_STATES, TRANSITIONS, OrderStatus

_SPACES = re.compile(r"\s+")


def address_key(order: SalesOrder) -> str:
    """Keyed hash of the normalised consignee, phone and full address (no personal data in clear)."""
    parts = [order.consignee_name, order.consignee_phone, order.province, order.city, order.district, order.address]
    return lookup_hash("|".join(_SPACES.sub("", str(part or "")) for part in parts))


def merge_key(order: SalesOrder) -> tuple:
    return (order.store_id, order.buyer_nick.strip(), address_key(order))


def find_merge_groups(*, user=None, store_ids=None) -> list[list[SalesOrder]]:
    """Groups of two or more unshipped orders with the same store, buyer and address, oldest first."""
    orders = SalesOrder.objects.filter(status__in=MERGEABLE_STATES).select_related("store").order_by("pk")
    if store_ids is not None:
        orders = orders.filter(store_id__in=store_ids)
    groups = defaultdict(list)
    for order in orders:
        groups[merge_key(order)].append(order)
    return [group for group in groups.values() if len(group) > 1]


def _locked(ids) -> list[SalesOrder]:
    list(SalesOrder.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    return list(SalesOrder.objects.filter(pk__in=ids).select_related("store").prefetch_related("lines")
                .order_by("pk"))


def _history(user, order: SalesOrder, reason: str) -> None:
    StateHistory.objects.create(model="sales.salesorder", object_id=str(order.pk), field="status", from_state="",
                                to_state=order.status, user=user if getattr(user, "pk", None) else None,
                                reason=reason[:300])


def _check_open(order: SalesOrder, verb: str) -> None:
    if order.status not in MERGEABLE_STATES:
        code = ReviewError.NOT_MERGEABLE if verb == "merge" else ReviewError.NOT_SPLITTABLE
        raise SalesConflict(code, _("订单「%(code)s」状态为「%(status)s」，不能合并或拆分"), field="orders",
                            code=order.code, status=LABELS[order.status])


def merge_orders(*, user, orders) -> SalesOrder:
    """Merge two or more orders into one new order (see the module docstring); returns it.

    Raises NOT_MERGEABLE (409) for an order shipped, cancelled, merged or split already, and
    MERGE_MISMATCH (400) for fewer than two orders, cross-border with domestic, another store,
    buyer or address.
    """
    ids = allocation.order_ids(orders)
    if len(ids) < 2:
        raise SalesInvalid(ReviewError.MERGE_MISMATCH, _("至少选择两个订单才能合并"), field="orders")
    with transaction.atomic():
        sources = _locked(ids)
        for order in sources:
            _check_open(order, "merge")
        first = sources[0]
        if len({order.store.type == StoreType.DOMESTIC for order in sources}) > 1:
            raise SalesInvalid(ReviewError.MERGE_MISMATCH, _("跨境订单不能与国内订单合并"), field="orders")
        for order in sources[1:]:
            if order.store_id != first.store_id:
                raise SalesInvalid(ReviewError.MERGE_MISMATCH, _("订单「%(code)s」与「%(first)s」不是同一店铺"),
                                   field="orders", code=order.code, first=first.code)
            if merge_key(order) != merge_key(first):
                raise SalesInvalid(ReviewError.MERGE_MISMATCH, _("订单「%(code)s」与「%(first)s」的买家或收货地址不同"),
                                   field="orders", code=order.code, first=first.code)
        ready = all(order.status in (OrderStatus.REVIEWED, OrderStatus.ALLOCATED) for order in sources)
        code = next_codes(target="sales_order", count=1)[0]
        merged = SalesOrder(
            code=code, store=first.store, platform_order_no=f"MERGE-{code}"[:64], source="merge",
            buyer_nick=first.buyer_nick, consignee_name=first.consignee_name, consignee_phone=first.consignee_phone,
            province=first.province, city=first.city, district=first.district, address=first.address,
            goods_amount=sum(order.goods_amount for order in sources),
            discount=sum(order.discount for order in sources), freight=sum(order.freight for order in sources),
            paid_amount=sum(order.paid_amount for order in sources),
            deposit_amount=sum(order.deposit_amount for order in sources),
            order_time=min((o.order_time for o in sources if o.order_time), default=None),
            payment_time=(None if any(o.payment_time is None for o in sources)
                          else max(o.payment_time for o in sources)),
            buyer_remark="；".join(o.buyer_remark for o in sources if o.buyer_remark.strip()),
            seller_memo="；".join(o.seller_memo for o in sources if o.seller_memo.strip()),
            payment_terms=first.payment_terms, customer=first.customer,
            status=OrderStatus.REVIEWED if ready else OrderStatus.RECEIVED,
            payload={"merged_from": [order.code for order in sources]},
            payload_hash=hashlib.sha256(",".join(o.code for o in sources).encode()).hexdigest())
        merged.save()
        number = 0
        lines = []
        for order in sources:
            for line in order.lines.all():
                number += 1
                lines.append(SalesOrderLine(order=merged, line_no=number, sku_code=line.sku_code,
                                            title=line.title, quantity=line.quantity, unit_price=line.unit_price,
                                            discount=line.discount, amount=line.amount, product_id=line.product_id))
        SalesOrderLine.objects.bulk_create(lines)
        codes = "、".join(order.code for order in sources)
        _history(user, merged, _("由 %(codes)s 合并") % {"codes": codes})
        record_change(user=user, action=AuditAction.CREATE, instance=merged, after=snapshot(merged),
                      note=_("由 %(codes)s 合并") % {"codes": codes})
        for order in sources:
            allocation.deallocate_order(user=user, order=order)
            before = snapshot(order)
            order.merged_into = merged
            order.save(update_fields=["merged_into", "updated_at"])
            move(user=user, obj=order, to_state=OrderStatus.MERGED, transitions=TRANSITIONS, labels=LABELS,
                 reason=_("合并到 %(code)s") % {"code": merged.code})
            record_change(user=user, action=AuditAction.TRANSITION, instance=order, before=before,
                          after=snapshot(order), note=_("合并到 %(code)s") % {"code": merged.code})
    return merged


def _split(user, parent: SalesOrder, groups: list[list[SalesOrderLine]], warehouses=None) -> list[SalesOrder]:
    grosses = [sum((calculations.line_gross(line.quantity, line.unit_price) for line in group),
                   calculations.CENT * 0) for group in groups]
    shares = {name: calculations.split_amount(getattr(parent, name), grosses)
              for name in ("goods_amount", "discount", "freight", "paid_amount", "deposit_amount")}
    status = OrderStatus.REVIEWED if parent.status in (OrderStatus.REVIEWED, OrderStatus.ALLOCATED) \
        else OrderStatus.RECEIVED
    allocation.deallocate_order(user=user, order=parent)
    codes = next_codes(target="sales_order", count=len(groups))
    children = []
    for index, (group, code) in enumerate(zip(groups, codes, strict=True)):
        child = SalesOrder(
            code=code, store=parent.store, platform_order_no=f"{parent.platform_order_no}-{index + 1}"[:64],
            source="split", split_from=parent, status=status,
            warehouse=warehouses[index] if warehouses else None, payload={"split_from": parent.code},
            payload_hash=hashlib.sha256(f"{parent.code}-{index + 1}".encode()).hexdigest(),
            **{name: getattr(parent, name) for name in (
                "buyer_nick", "consignee_name", "consignee_phone", "province", "city", "district", "address",
                "order_time", "payment_time", "buyer_remark", "seller_memo", "platform_status", "refund_status",
                "payment_terms", "customer_id")},
            **{name: values[index] for name, values in shares.items()})
        child.save()
        SalesOrderLine.objects.filter(pk__in=[line.pk for line in group]).update(order=child)
        _history(user, child, _("由 %(code)s 拆分") % {"code": parent.code})
        record_change(user=user, action=AuditAction.CREATE, instance=child, after=snapshot(child),
                      note=_("由 %(code)s 拆分") % {"code": parent.code})
        children.append(child)
    before = snapshot(parent)
    names = "、".join(child.code for child in children)
    move(user=user, obj=parent, to_state=OrderStatus.SPLIT, transitions=TRANSITIONS, labels=LABELS,
         reason=_("拆分为 %(codes)s") % {"codes": names})
    record_change(user=user, action=AuditAction.TRANSITION, instance=parent, before=before, after=snapshot(parent),
                  note=_("拆分为 %(codes)s") % {"codes": names})
    return children


def split_order_lines(*, user, order: SalesOrder, line_nos: list[int]) -> list[SalesOrder]:
    """Split the chosen lines off into a child order; the other lines go to a second child.

    Raises INVALID_SPLIT (400) when the choice is empty, names an unknown line or takes every line;
    NOT_SPLITTABLE (409) for an order that has shipped or ended.
    """
    with transaction.atomic():
        parent = _locked([order.pk])[0]
        _check_open(parent, "split")
        lines = list(parent.lines.all())
        chosen = set(line_nos or [])
        unknown = chosen - {line.line_no for line in lines}
        if unknown:
            raise SalesInvalid(ReviewError.INVALID_SPLIT, _("订单没有第 %(lines)s 行"), field="line_nos",
                               lines="、".join(str(number) for number in sorted(unknown)))
        picked = [line for line in lines if line.line_no in chosen]
        rest = [line for line in lines if line.line_no not in chosen]
        if not picked or not rest:
            raise SalesInvalid(ReviewError.INVALID_SPLIT, _("请选择部分（不是全部）明细行拆分"), field="line_nos")
        return _split(user, parent, [picked, rest])


def split_order_by_warehouse(*, user, order: SalesOrder) -> list[SalesOrder]:
    """Split an order into one child per warehouse that can serve its lines in full.

    Each line goes to the first candidate warehouse (see allocation) with all of it available;
    lines no warehouse can serve form a child without a warehouse. The children carry their
    warehouse, so allocation tries it first. INVALID_SPLIT (400) when every line lands together.
    """
    with transaction.atomic():
        parent = _locked([order.pk])[0]
        _check_open(parent, "split")
        parent = SalesOrder.objects.select_related("store__default_warehouse", "warehouse").prefetch_related(
            "lines__product").get(pk=parent.pk)
        lines = list(parent.lines.all())
        candidates = allocation.candidate_warehouses([parent])[parent.pk]
        per_line = {}
        for line in lines:
            per_line[line.pk] = allocation.order_needs([_OneLine(parent, line)])[parent.pk]
        products = {p for needs in per_line.values() for p in needs}
        # the order's own reservation counts as available to it
        allocation.deallocate_order(user=user, order=parent)
        available = allocation.availability(products, [w.pk for w in candidates])
        groups: dict[int | None, list[SalesOrderLine]] = defaultdict(list)
        for line in lines:
            full = allocation.full_warehouses(per_line[line.pk], candidates, available)
            warehouse = full[0] if full else None
            if warehouse is not None:
                for product_id, units in per_line[line.pk].items():
                    available[(product_id, warehouse.pk)] -= units
            groups[warehouse.pk if warehouse else None].append(line)
        if len(groups) < 2:
            raise SalesInvalid(ReviewError.INVALID_SPLIT, _("订单的商品都在同一仓库，无需按仓库拆分"),
                               field="order")
        by_id = {w.pk: w for w in candidates}
        keys = list(groups)
        return _split(user, parent, [groups[key] for key in keys], [by_id.get(key) for key in keys])


class _OneLine:
    """An order seen with one of its lines only (to reuse allocation.order_needs per line)."""

    def __init__(self, order: SalesOrder, line: SalesOrderLine):
        self.pk = order.pk
        self._line = line

    @property
    def lines(self):
        return self

    def all(self):
        return [self._line]

"""Allocation (分仓占库存): choose a warehouse for each reviewed order and reserve its stock there.

Warehouse order for an order: the order's own warehouse (set by a split by warehouse), the store's
default warehouse, then the store's AllocationRule warehouses by priority; a store without rules
falls back to every active warehouse by code. The first warehouse with full availability for every
line (bundles exploded into their components) is reserved with inventory.reserve_stock, one
conditional UPDATE per SKU, so concurrent allocators never oversell: a race lost there
(INSUFFICIENT_STOCK) tries the next warehouse. An order no warehouse can serve stays reviewed
with an out-of-stock hold reason (an OrderHold of kind stock) and is tried again next time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.events import publish
from ecerp.core.models import AuditAction
from ecerp.core.states import move
from ecerp.inventory.errors import InsufficientStock
from ecerp.inventory.models import StockBalance
from ecerp.inventory.services import ReserveLine, release_reservation, reserve_stock
from ecerp.masterdata.models import BundleComponent, Warehouse
from ecerp.sales.models import AllocationRule, OrderHold, SalesOrder
from ecerp.sales.states import LABELS, TRANSITIONS, HoldKind, OrderStatus

RESERVATION_TYPE = "sales_order"
ORDER_ALLOCATED = "OrderAllocated"


@dataclass
class AllocationResult:
    order_id: int
    order_code: str
    outcome: str  # allocated | out_of_stock | skipped
    warehouse: str = ""
    reason: str = ""

    def as_dict(self) -> dict:
        return {"order_id": self.order_id, "order_code": self.order_code, "outcome": self.outcome,
                "warehouse": self.warehouse, "reason": self.reason}


def order_needs(orders: list[SalesOrder]) -> dict[int, dict[int, int]]:
    """Units per stocked product for each order (order id -> product id -> units), bundles exploded.

    Lines without a product are left out (unmapped orders never reach allocation). One query for
    the components of every bundle in the batch; lines must be loaded with their product.
    """
    bundle_ids = {line.product_id for order in orders for line in order.lines.all()
                  if line.product_id and line.product.is_bundle}
    components = defaultdict(list)
    for bundle_id, component_id, quantity in BundleComponent.objects.filter(bundle_id__in=bundle_ids).values_list(
            "bundle_id", "component_id", "quantity"):
        components[bundle_id].append((component_id, quantity))
    needs: dict[int, dict[int, int]] = {}
    for order in orders:
        wanted: dict[int, int] = defaultdict(int)
        for line in order.lines.all():
            if not line.product_id:
                continue
            if line.product.is_bundle:
                for component_id, per_bundle in components[line.product_id]:
                    wanted[component_id] += per_bundle * line.quantity
            else:
                wanted[line.product_id] += line.quantity
        needs[order.pk] = dict(wanted)
    return needs


def candidate_warehouses(orders: list[SalesOrder]) -> dict[int, list[Warehouse]]:
    """The warehouses to try for each order, in order (see the module docstring)."""
    store_ids = {order.store_id for order in orders}
    rules = defaultdict(list)
    for rule in AllocationRule.objects.filter(store_id__in=store_ids, warehouse__active=True).select_related(
            "warehouse").order_by("priority", "id"):
        rules[rule.store_id].append(rule.warehouse)
    everything = None
    result = {}
    for order in orders:
        chosen = [order.warehouse, order.store.default_warehouse]
        if rules[order.store_id]:
            chosen += rules[order.store_id]
        else:
            if everything is None:
                everything = list(Warehouse.objects.filter(active=True).order_by("code"))
            chosen += everything
        seen, unique = set(), []
        for warehouse in chosen:
            if warehouse is not None and warehouse.active and warehouse.pk not in seen:
                seen.add(warehouse.pk)
                unique.append(warehouse)
        result[order.pk] = unique
    return result


def availability(product_ids, warehouse_ids) -> dict[tuple[int, int], int]:
    """Available units (on hand - reserved) per (product id, warehouse id), one query."""
    if not product_ids or not warehouse_ids:
        return {}
    return {(product_id, warehouse_id): on_hand - reserved for product_id, warehouse_id, on_hand, reserved in
            StockBalance.objects.filter(product_id__in=set(product_ids), warehouse_id__in=set(warehouse_ids))
            .values_list("product_id", "warehouse_id", "on_hand", "reserved")}


def full_warehouses(needs: dict[int, int], candidates: list[Warehouse], available: dict) -> list[Warehouse]:
    """The candidates that can serve every unit of needs, in the candidates' order."""
    return [warehouse for warehouse in candidates
            if all(available.get((product_id, warehouse.pk), 0) >= units for product_id, units in needs.items())]


def shortage_reason(needs: dict[int, int], candidates: list[Warehouse], available: dict, codes: dict) -> str:
    """The Chinese reason an order cannot be served: the first short SKU of the first candidate."""
    if not candidates:
        return _("缺货：没有可用仓库")
    warehouse = candidates[0]
    for product_id, units in sorted(needs.items()):
        have = available.get((product_id, warehouse.pk), 0)
        if have < units:
            return (_("缺货：%(sku)s 需要 %(wanted)s，仓库「%(warehouse)s」可用 %(available)s") % {
                "sku": codes.get(product_id, product_id), "wanted": units, "warehouse": warehouse.name,
                "available": max(have, 0)})[:300]
    return _("缺货")


def _product_codes(needs_by_order: dict) -> dict[int, str]:
    from ecerp.masterdata.models import Product
    ids = {product_id for needs in needs_by_order.values() for product_id in needs}
    return dict(Product.objects.filter(pk__in=ids).values_list("pk", "code"))


def order_ids(orders) -> list[int]:
    """Primary keys of orders given as instances, ids or a queryset, sorted (the lock order)."""
    return sorted({order if isinstance(order, int) else order.pk for order in orders})


def allocate_orders(*, user, orders) -> list[AllocationResult]:
    """Allocate reviewed orders: choose a warehouse, reserve the stock, move them to allocated.

    Each order is its own transaction (one order short of stock never undoes another); orders are
    locked in primary-key order. Orders not in reviewed are skipped (result outcome skipped). An
    order without a warehouse holding all of it stays reviewed with hold_reason and an OrderHold
    of kind stock (outcome out_of_stock). Publishes OrderAllocated (order, warehouse, reserved lines).
    """
    ids = order_ids(orders)
    preload = list(SalesOrder.objects.filter(pk__in=ids).select_related("store__default_warehouse", "warehouse")
                   .prefetch_related("lines__product"))
    needs_by_order = order_needs(preload)
    candidates = candidate_warehouses(preload)
    available = availability({p for needs in needs_by_order.values() for p in needs},
                             {w.pk for ws in candidates.values() for w in ws})
    codes = _product_codes(needs_by_order)
    warehouses_by_id = {w.pk: w for ws in candidates.values() for w in ws}
    from ecerp.masterdata.models import Product
    products = {p.pk: p for p in Product.objects.filter(pk__in=codes)}
    results = []
    for order in preload:
        with transaction.atomic():
            locked = SalesOrder.objects.select_for_update().get(pk=order.pk)
            if locked.status != OrderStatus.REVIEWED:
                results.append(AllocationResult(order.pk, order.code, "skipped",
                                                reason=_("订单状态为「%(status)s」，不能分配") % {
                                                    "status": LABELS[locked.status]}))
                continue
            results.append(_allocate_one(user, locked, needs_by_order[order.pk], candidates[order.pk], available,
                                         codes, products, warehouses_by_id))
    return results


def _allocate_one(user, order, needs, candidates, available, codes, products, warehouses_by_id):
    # a reservation left from before a platform version sent the order back is released first
    release_reservation(user=user, reference_type=RESERVATION_TYPE, reference_id=order.pk)
    for warehouse in (full_warehouses(needs, candidates, available) if needs else []):
        lines = [ReserveLine(products[product_id], warehouse, units) for product_id, units in sorted(needs.items())]
        try:
            with transaction.atomic():
                reserve_stock(user=user, reference_type=RESERVATION_TYPE, reference_id=order.pk, lines=lines,
                              reference_code=order.code)
        except InsufficientStock:
            # lost a race for the last units: look again at this warehouse and try the next one
            available.update(availability(needs, [warehouse.pk]))
            continue
        for product_id, units in needs.items():
            available[(product_id, warehouse.pk)] = available.get((product_id, warehouse.pk), 0) - units
        before = snapshot(order)
        order.warehouse = warehouse
        order.hold_reason = ""
        order.save(update_fields=["warehouse", "hold_reason", "updated_at"])
        OrderHold.objects.filter(order=order, kind=HoldKind.STOCK, active=True).update(
            active=False, released_at=timezone.now(), release_reason=_("已分配"))
        move(user=user, obj=order, to_state=OrderStatus.ALLOCATED, transitions=TRANSITIONS, labels=LABELS,
             reason=_("分配到仓库「%(warehouse)s」") % {"warehouse": warehouse.name})
        record_change(user=user, action=AuditAction.TRANSITION, instance=order, before=before, after=snapshot(order),
                      note=_("分配库存"))
        publish(ORDER_ALLOCATED, {
            "order_id": order.pk, "order_code": order.code, "store": order.store.code, "warehouse": warehouse.code,
            "lines": [{"product": codes.get(product_id, ""), "quantity": units}
                      for product_id, units in sorted(needs.items())]})
        return AllocationResult(order.pk, order.code, "allocated", warehouse=warehouse.code)
    reason = shortage_reason(needs, candidates, available, codes) if needs else _("缺货：订单没有可发货的商品")
    order.hold_reason = reason
    order.save(update_fields=["hold_reason", "updated_at"])
    OrderHold.objects.filter(Q(order=order, kind=HoldKind.STOCK, active=True)).update(
        active=False, released_at=timezone.now(), release_reason=_("重新分配"))
    OrderHold.objects.create(order=order, kind=HoldKind.STOCK, reason=reason,
                             created_by=user if getattr(user, "pk", None) else None)
    return AllocationResult(order.pk, order.code, "out_of_stock", reason=reason)


def deallocate_order(*, user, order: SalesOrder) -> int:
    """Release an order's reservation (cancellation, refund before shipping, manual hold). Idempotent."""
    return release_reservation(user=user, reference_type=RESERVATION_TYPE, reference_id=order.pk)


def set_allocation_rules(*, user, store, warehouses: list[Warehouse]) -> list[AllocationRule]:
    """Set the warehouses allocation tries for a store, in the given order (after its default warehouse).

    An empty list removes the rules (every active warehouse by code is tried). Audited.
    """
    with transaction.atomic():
        before = {"warehouses": [rule.warehouse.code for rule in
                                 AllocationRule.objects.filter(store=store).select_related("warehouse")]}
        AllocationRule.objects.filter(store=store).delete()
        seen, rules = set(), []
        for warehouse in warehouses:
            if warehouse.pk not in seen:
                seen.add(warehouse.pk)
                rules.append(AllocationRule(store=store, warehouse=warehouse, priority=len(rules) + 1))
        AllocationRule.objects.bulk_create(rules)
        record_change(user=user, action=AuditAction.UPDATE, instance=store, before=before,
                      after={"warehouses": [warehouse.code for warehouse in warehouses]}, note=_("分仓规则"))
    return rules

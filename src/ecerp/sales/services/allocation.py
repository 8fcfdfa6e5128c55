"""Allocation (分仓占库存): choose a warehouse for each reviewed order and reserve its stock there.

Warehouse order for an order: the order's own warehouse (set by a split by warehouse), the store's
default warehouse, then the store's AllocationRule warehouses by priority; a store without rules
falls back to every active warehouse by code. The first warehouse with full availability for every
line (bundles exploded into their components) is chosen while the balances are locked, and the
plan of the whole batch is reserved with inventory.reserve_many (one conditional UPDATE per
balance), so concurrent allocators never oversell. Warehouses of type defective (次品仓, damaged
returns) are never candidates. An order no warehouse can serve stays reviewed with an
out-of-stock hold reason (an OrderHold of kind stock) and is tried again next time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecerp.core.audit import record_change, record_many, snapshot
from ecerp.core.bulk import preparer, update_rows
from ecerp.core.events import publish_many
from ecerp.core.models import AuditAction
from ecerp.core.states import move_many
from ecerp.inventory.models import Shipment, StockBalance
from ecerp.inventory.services import (
    ReserveLine,
    ReserveRequest,
    cancel_shipment,
    documents_with_reservations,
    lock_available,
    release_reservation,
    reserve_many,
)
from ecerp.inventory.states import OPEN_SHIPMENT_STATES
from ecerp.masterdata.models import BundleComponent, Product, Warehouse
from ecerp.sales.models import AllocationRule, OrderHold, SalesOrder
from ecerp.sales.states import LABELS, TRANSITIONS, HoldKind, OrderStatus

RESERVATION_TYPE = "sales_order"
DEFECTIVE_WAREHOUSE = "defective"  # masterdata WarehouseType for damaged goods: never sold from
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
            if (warehouse is not None and warehouse.active and warehouse.pk not in seen
                    and warehouse.type != DEFECTIVE_WAREHOUSE):
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
    ids = {product_id for needs in needs_by_order.values() for product_id in needs}
    return dict(Product.objects.filter(pk__in=ids).values_list("pk", "code"))


def order_ids(orders) -> list[int]:
    """Primary keys of orders given as instances, ids or a queryset, sorted (the lock order)."""
    return sorted({order if isinstance(order, int) else order.pk for order in orders})


def allocate_orders(*, user, orders) -> list[AllocationResult]:
    """Allocate reviewed orders: choose a warehouse, reserve the stock, move them to allocated.

    Set-based, one transaction per call: the orders are locked in primary-key order, then the
    stock balances of every (SKU, candidate warehouse) they need, also in primary-key order
    (inventory.lock_available); each order in turn takes the first candidate warehouse that can
    serve all of it from what is left, and the whole plan is reserved with one conditional
    UPDATE per balance (inventory.reserve_many), so nothing is ever oversold and concurrent
    allocators queue on the balance locks. One order short of stock never undoes another: it
    stays reviewed with hold_reason and an OrderHold of kind stock (outcome out_of_stock).
    Orders not in reviewed are skipped (outcome skipped). Publishes OrderAllocated (order,
    warehouse, reserved lines) for each allocated order.
    """
    ids = order_ids(orders)
    results: dict[int, AllocationResult] = {}
    with transaction.atomic():
        locked = list(SalesOrder.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
                      .select_related("store__default_warehouse", "warehouse").prefetch_related("lines__product"))
        ready = []
        for order in locked:
            if order.status != OrderStatus.REVIEWED:
                results[order.pk] = AllocationResult(order.pk, order.code, "skipped", reason=_(
                    "订单状态为「%(status)s」，不能分配") % {"status": LABELS[order.status]})
            else:
                ready.append(order)
        if ready:
            _allocate_batch(user, ready, results)
    return [results[pk] for pk in ids if pk in results]


def _allocate_batch(user, orders: list[SalesOrder], results: dict[int, AllocationResult]) -> None:
    # a reservation left from before a platform version sent an order back is released first
    for reference_id in sorted(documents_with_reservations(RESERVATION_TYPE, [order.pk for order in orders]), key=int):
        release_reservation(user=user, reference_type=RESERVATION_TYPE, reference_id=reference_id)
    needs_by_order = order_needs(orders)
    candidates = candidate_warehouses(orders)
    available = lock_available({(product_id, warehouse.pk) for order in orders
                                for product_id in needs_by_order[order.pk] for warehouse in candidates[order.pk]})
    codes = _product_codes(needs_by_order)
    products = {line.product_id: line.product for order in orders for line in order.lines.all() if line.product_id}
    missing = set(codes) - set(products)
    if missing:
        products.update({p.pk: p for p in Product.objects.filter(pk__in=missing)})
    planned: list[tuple[SalesOrder, Warehouse, dict[int, int]]] = []
    short: list[tuple[SalesOrder, str]] = []
    for order in orders:
        needs = needs_by_order[order.pk]
        full = full_warehouses(needs, candidates[order.pk], available) if needs else []
        if not full:
            reason = (shortage_reason(needs, candidates[order.pk], available, codes) if needs
                      else _("缺货：订单没有可发货的商品"))
            short.append((order, reason))
            continue
        warehouse = full[0]
        for product_id, units in needs.items():
            available[(product_id, warehouse.pk)] -= units
        planned.append((order, warehouse, needs))
    now = timezone.now()
    who = user if getattr(user, "pk", None) else None
    if planned:
        reserve_many(user=user, reference_type=RESERVATION_TYPE, requests=[
            ReserveRequest(order.pk, order.code, [ReserveLine(products[product_id], warehouse, units)
                                                  for product_id, units in sorted(needs.items())])
            for order, warehouse, needs in planned])
        befores = {order.pk: snapshot(order) for order, _w, _n in planned}
        by_warehouse = defaultdict(list)
        for order, warehouse, _needs in planned:
            by_warehouse[warehouse].append(order)
        for warehouse, group in by_warehouse.items():
            move_many(user=user, objs=group, to_state=OrderStatus.ALLOCATED, transitions=TRANSITIONS, labels=LABELS,
                      reason=_("分配到仓库「%(warehouse)s」") % {"warehouse": warehouse.name},
                      extra={"warehouse": warehouse, "hold_reason": "", "updated_at": now})
        OrderHold.objects.filter(order_id__in=list(befores), kind=HoldKind.STOCK, active=True).update(
            active=False, released_at=now, release_reason=_("已分配"))
        record_many(user=user, entries=[(AuditAction.TRANSITION, order, befores[order.pk], snapshot(order))
                                        for order, _w, _n in planned], note=_("分配库存"))
        publish_many([(ORDER_ALLOCATED, {
            "order_id": order.pk, "order_code": order.code, "store": order.store.code, "warehouse": warehouse.code,
            "lines": [{"product": codes.get(product_id, ""), "quantity": units}
                      for product_id, units in sorted(needs.items())]}) for order, warehouse, needs in planned])
        for order, warehouse, _needs in planned:
            results[order.pk] = AllocationResult(order.pk, order.code, "allocated", warehouse=warehouse.code)
    if short:
        update_rows(SalesOrder, ["hold_reason = %s", "updated_at = %s"], ["id = %s"],
                    [(reason, preparer(SalesOrder._meta.get_field("updated_at"))(now), order.pk)
                     for order, reason in short])
        OrderHold.objects.filter(order_id__in=[order.pk for order, _r in short], kind=HoldKind.STOCK,
                                 active=True).update(active=False, released_at=now, release_reason=_("重新分配"))
        OrderHold.objects.bulk_create([OrderHold(order=order, kind=HoldKind.STOCK, reason=reason, created_by=who)
                                       for order, reason in short])
        for order, reason in short:
            order.hold_reason = reason
            results[order.pk] = AllocationResult(order.pk, order.code, "out_of_stock", reason=reason)


def deallocate_order(*, user, order: SalesOrder) -> int:
    """Release an order's reservation (cancellation, refund before shipping, manual hold). Idempotent."""
    return release_reservation(user=user, reference_type=RESERVATION_TYPE, reference_id=order.pk)


def withdraw_from_warehouse(*, user, order: SalesOrder, reason: str) -> int:
    """Take an unshipped order back from the warehouse: its open parcel (created, picking or packed) is
    cancelled and its reservation released, in the caller's transaction. Used when the order is
    cancelled or changed (a new platform version); idempotent. Returns the units released."""
    for parcel in Shipment.objects.filter(reference_type=RESERVATION_TYPE, reference_id=str(order.pk),
                                          status__in=OPEN_SHIPMENT_STATES).order_by("pk"):
        cancel_shipment(user=user, shipment=parcel, reason=reason)
    return deallocate_order(user=user, order=order)


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

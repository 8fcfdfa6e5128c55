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
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ecerp.core.audit import record_change, record_rows
from ecerp.core.bulk import preparer, update_rows
from ecerp.core.events import publish_many
from ecerp.core.models import AuditAction
from ecerp.core.states import move_rows
from ecerp.inventory.errors import line_field
from ecerp.inventory.models import Shipment, StockBalance
from ecerp.inventory.services import cancel_shipment, documents_with_reservations, release_reservation
from ecerp.inventory.services.ledger import check_quantity, check_stockable
from ecerp.inventory.services.reservations import lock_balance_rows, reserve_rows
from ecerp.inventory.states import OPEN_SHIPMENT_STATES
from ecerp.masterdata.models import BundleComponent, Product, Store, Warehouse
from ecerp.sales.models import AllocationRule, OrderHold, SalesOrder, SalesOrderLine
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
            StockBalance.objects.filter(product_id__any=list(set(product_ids)),
                                        warehouse_id__any=list(set(warehouse_ids)))
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


def order_ids(orders) -> list[int]:
    """Primary keys of orders given as instances, ids or a queryset, sorted (the lock order)."""
    return sorted({order if isinstance(order, int) else order.pk for order in orders})


class WarehouseRow(NamedTuple):
    """A candidate warehouse as the batch services read it (pk, code, name), without a model instance."""

    pk: int
    code: str
    name: str


def order_lines(ids) -> dict[int, list[tuple[int | None, int, str, bool | None]]]:
    """(product id or None, quantity, platform SKU code, product is a bundle) of each order's lines, in line
    order; one query."""
    lines: dict[int, list] = defaultdict(list)
    for order_id, *line in SalesOrderLine.objects.filter(order_id__any=list(ids)).order_by(
            "order_id", "line_no").values_list("order_id", "product_id", "quantity", "sku_code", "product__is_bundle"):
        lines[order_id].append(tuple(line))
    return lines


def needs_of(ids, lines: dict[int, list[tuple]]) -> dict[int, dict[int, int]]:
    """order_needs for orders given by id with their lines from order_lines (bundles exploded, one query)."""
    bundle_ids = {product_id for rows in lines.values() for product_id, _q, _s, is_bundle in rows
                  if product_id and is_bundle}
    components = defaultdict(list)
    if bundle_ids:
        for bundle_id, component_id, quantity in BundleComponent.objects.filter(
                bundle_id__any=list(bundle_ids)).values_list("bundle_id", "component_id", "quantity"):
            components[bundle_id].append((component_id, quantity))
    needs: dict[int, dict[int, int]] = {}
    for order_id in ids:
        wanted: dict[int, int] = {}
        for product_id, quantity, _sku, is_bundle in lines.get(order_id, ()):
            if not product_id:
                continue
            if is_bundle:
                for component_id, per_bundle in components[product_id]:
                    wanted[component_id] = wanted.get(component_id, 0) + per_bundle * quantity
            else:
                wanted[product_id] = wanted.get(product_id, 0) + quantity
        needs[order_id] = wanted
    return needs


def store_rows(store_ids) -> dict[int, tuple[str, int | None]]:
    """(code, default warehouse id) of each store; one query."""
    return {pk: (code, warehouse_id) for pk, code, warehouse_id in Store.objects.filter(
        pk__any=list(set(store_ids))).values_list("pk", "code", "default_warehouse_id")}


def candidates_of(orders: list[tuple[int, int, int | None]], stores: dict[int, tuple[str, int | None]]
                  ) -> dict[int, list[WarehouseRow]]:
    """candidate_warehouses for orders given as (order id, store id, warehouse id), stores from store_rows."""
    store_ids = list({store_id for _pk, store_id, _w in orders})
    rules = defaultdict(list)
    for store_id, warehouse_id in AllocationRule.objects.filter(
            store_id__any=store_ids, warehouse__active=True).order_by("priority", "id").values_list(
            "store_id", "warehouse_id"):
        rules[store_id].append(warehouse_id)
    named = ({warehouse_id for _pk, _s, warehouse_id in orders} | {stores[s][1] for s in store_ids if s in stores}
             | {w for ids in rules.values() for w in ids}) - {None}
    wanted = Q(pk__any=list(named))
    everything_needed = any(not rules[store_id] for store_id in store_ids)
    if everything_needed:
        wanted |= Q(active=True)
    usable, everything = {}, []
    for pk, code, name, active, kind in Warehouse.objects.filter(wanted).order_by("code").values_list(
            "pk", "code", "name", "active", "type"):
        if active and kind != DEFECTIVE_WAREHOUSE:
            usable[pk] = WarehouseRow(pk, code, name)
        if active:
            everything.append(pk)
    result, cache = {}, {}
    for order_id, store_id, warehouse_id in orders:
        key = (store_id, warehouse_id)
        if key not in cache:
            chosen = [warehouse_id, stores.get(store_id, ("", None))[1]] + (rules[store_id] or everything)
            seen, unique = set(), []
            for pk in chosen:
                if pk in usable and pk not in seen:
                    seen.add(pk)
                    unique.append(usable[pk])
            cache[key] = unique
        result[order_id] = cache[key]
    return result


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
        locked = list(SalesOrder.objects.select_for_update().filter(pk__any=ids).order_by("pk").values_list(
            "pk", "code", "status", "store_id", "warehouse_id", "hold_reason"))
        ready = []
        for row in locked:
            if row[2] != OrderStatus.REVIEWED:
                results[row[0]] = AllocationResult(row[0], row[1], "skipped", reason=_(
                    "订单状态为「%(status)s」，不能分配") % {"status": LABELS[row[2]]})
            else:
                ready.append(row)
        if ready:
            _allocate_batch(user, ready, results)
    return [results[pk] for pk in ids if pk in results]


def _allocate_batch(user, orders: list[tuple], results: dict[int, AllocationResult]) -> None:
    """Allocate locked reviewed orders given as (pk, code, status, store id, warehouse id, hold reason)."""
    ids = [row[0] for row in orders]
    # a reservation left from before a platform version sent an order back is released first
    for reference_id in sorted(documents_with_reservations(RESERVATION_TYPE, ids), key=int):
        release_reservation(user=user, reference_type=RESERVATION_TYPE, reference_id=reference_id)
    needs_by_order = needs_of(ids, order_lines(ids))
    stores = store_rows({row[3] for row in orders})
    candidates = candidates_of([(row[0], row[3], row[4]) for row in orders], stores)
    balances = lock_balance_rows({(product_id, warehouse.pk) for order_id in ids
                                  for product_id in needs_by_order[order_id] for warehouse in candidates[order_id]})
    available = {key: units for key, (_pk, units) in balances.items()}
    products = {pk: (code, is_bundle) for pk, code, is_bundle in Product.objects.filter(
        pk__any=list({product_id for needs in needs_by_order.values() for product_id in needs})).values_list(
        "pk", "code", "is_bundle")}
    codes = {pk: code for pk, (code, _bundle) in products.items()}
    planned: list[tuple[tuple, WarehouseRow, dict[int, int]]] = []
    short: list[tuple[tuple, str]] = []
    for order in orders:
        needs = needs_by_order[order[0]]
        full = full_warehouses(needs, candidates[order[0]], available) if needs else []
        if not full:
            reason = (shortage_reason(needs, candidates[order[0]], available, codes) if needs
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
        _reserve(user, planned, products, {key: pk for key, (pk, _units) in balances.items()})
        by_warehouse = defaultdict(list)
        for order, warehouse, _needs in planned:
            by_warehouse[warehouse].append((order[0], order[2]))
        for warehouse, group in by_warehouse.items():
            move_rows(user=user, model=SalesOrder, rows=group, to_state=OrderStatus.ALLOCATED, transitions=TRANSITIONS,
                      labels=LABELS, reason=_("分配到仓库「%(warehouse)s」") % {"warehouse": warehouse.name},
                      extra={"warehouse_id": warehouse.pk, "hold_reason": "", "updated_at": now})
        planned_ids = [order[0] for order, _w, _n in planned]
        OrderHold.objects.filter(order_id__any=planned_ids, kind=HoldKind.STOCK, active=True).update(
            active=False, released_at=now, release_reason=_("已分配"))
        audit = []
        for (pk, code, status, _store, warehouse_id, hold_reason), warehouse, _needs in planned:
            before, after = {"status": status}, {"status": OrderStatus.ALLOCATED.value}
            if hold_reason:
                before["hold_reason"], after["hold_reason"] = hold_reason, ""
            if warehouse_id != warehouse.pk:
                before["warehouse_id"], after["warehouse_id"] = warehouse_id, warehouse.pk
            audit.append((AuditAction.TRANSITION, pk, code, before, after))
        record_rows(user=user, model=SalesOrder, rows=audit, note=_("分配库存"))
        publish_many([(ORDER_ALLOCATED, {
            "order_id": order[0], "order_code": order[1], "store": stores[order[3]][0], "warehouse": warehouse.code,
            "lines": [{"product": codes.get(product_id, ""), "quantity": units}
                      for product_id, units in sorted(needs.items())]}) for order, warehouse, needs in planned])
        for order, warehouse, _needs in planned:
            results[order[0]] = AllocationResult(order[0], order[1], "allocated", warehouse=warehouse.code)
    if short:
        stamp = preparer(SalesOrder._meta.get_field("updated_at"))(now)
        update_rows(SalesOrder, ["hold_reason = %s", "updated_at = %s"], ["id = %s"],
                    [(reason, stamp, order[0]) for order, reason in short])
        OrderHold.objects.filter(order_id__any=[order[0] for order, _r in short], kind=HoldKind.STOCK,
                                 active=True).update(active=False, released_at=now, release_reason=_("重新分配"))
        OrderHold.objects.bulk_create([OrderHold(order_id=order[0], kind=HoldKind.STOCK, reason=reason, created_by=who)
                                       for order, reason in short])
        for order, reason in short:
            results[order[0]] = AllocationResult(order[0], order[1], "out_of_stock", reason=reason)


class _Stockable(NamedTuple):
    code: str
    is_bundle: bool


def _reserve(user, planned: list[tuple[tuple, WarehouseRow, dict[int, int]]], products: dict, balance_ids: dict
             ) -> None:
    """Reserve the plan (reservations.reserve_rows), after the checks reserve_many makes of each line."""
    documents, warehouse_codes = [], {}
    for order, warehouse, needs in planned:
        warehouse_codes[warehouse.pk] = warehouse.code
        lines = {}
        for index, (product_id, units) in enumerate(sorted(needs.items())):
            code, is_bundle = products[product_id]
            if is_bundle:
                check_stockable(_Stockable(code, is_bundle), field=line_field(index, "product"))
            if units <= 0:
                check_quantity(units, field=line_field(index, "quantity"))
            lines[(product_id, warehouse.pk)] = units
        documents.append((str(order[0]), order[1], lines))
    reserve_rows(user=user, reference_type=RESERVATION_TYPE, documents=documents, balance_ids=balance_ids,
                 describe=lambda key: (products[key[0]][0], warehouse_codes[key[1]]))


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

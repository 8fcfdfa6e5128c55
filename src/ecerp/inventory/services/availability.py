"""Available-to-sell per store (库存同步): what each store may offer on its platform.

For a store with a StoreStockPolicy: per SKU, floor((on hand - reserved - safety stock) x share
ratio) summed over the warehouses feeding the store, never negative; a bundle offers the least,
over its components, of floor(component available-to-sell / quantity per bundle). A connector
asks what changed since its last push (balances' and the policy's updated_at).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.models import AuditAction
from ecerp.inventory.errors import InventoryError, InventoryInvalid
from ecerp.inventory.models import StockBalance, StoreSafetyStock, StoreStockPolicy
from ecerp.masterdata.models import BundleComponent, Product, Store, Warehouse, WarehouseType


def sellable_quantity(on_hand: int, reserved: int, safety_stock: int, share_ratio: Decimal) -> int:
    """floor((on_hand - reserved - safety_stock) * share_ratio), never below 0 (pure, exact in Decimal)."""
    free = on_hand - reserved - safety_stock
    if free <= 0 or share_ratio <= 0:
        return 0
    return int(math.floor(Decimal(free) * share_ratio))


def bundle_sellable(components: list[tuple[int, int]]) -> int:
    """The bundles a store may sell from (component sellable, quantity per bundle) pairs (pure)."""
    if not components:
        return 0
    return min(available // per_bundle for available, per_bundle in components)


def check_ratio(value) -> Decimal:
    """The share ratio as a Decimal in 0..1; INVALID_RATIO otherwise."""
    try:
        ratio = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        ratio = None
    if ratio is None or not ratio.is_finite() or ratio < 0 or ratio > 1 or ratio != ratio.quantize(Decimal("0.0001")):
        raise InventoryInvalid(InventoryError.INVALID_RATIO,
                               _("共享比例必须是 0 到 1 之间的小数（最多 4 位）：%(value)s"), field="share_ratio",
                               value=value)
    return ratio


def save_store_stock_policy(*, user, store: Store, warehouses: list[Warehouse], share_ratio="1",
                            default_safety_stock: int = 0,
                            safety_stocks: dict[Product, int] | None = None) -> StoreStockPolicy:
    """Create or replace a store's policy: its warehouses, share ratio, default and per-SKU safety stock.

    Raises INVALID_RATIO, NEGATIVE_QUANTITY for a negative safety stock, NO_LINES without a
    warehouse, NOT_SELLABLE_WAREHOUSE for a defective warehouse (damaged returns are never sold).
    Touches updated_at, so the next changed_since query lists every SKU. Audited.
    """
    ratio = check_ratio(share_ratio)
    if not warehouses:
        raise InventoryInvalid(InventoryError.NO_LINES, _("请选择至少一个供货仓库"), field="warehouses")
    for warehouse in warehouses:
        if warehouse.type == WarehouseType.DEFECTIVE:
            raise InventoryInvalid(InventoryError.NOT_SELLABLE_WAREHOUSE,
                                   _("次品仓「%(warehouse)s」的库存不能供货给店铺"), field="warehouses",
                                   warehouse=warehouse.code)
    for field, quantity in [("default_safety_stock", default_safety_stock)] + [
            (f"safety_stocks.{product.code}", quantity) for product, quantity in (safety_stocks or {}).items()]:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise InventoryInvalid(InventoryError.NEGATIVE_QUANTITY, _("安全库存必须是非负整数：%(value)s"),
                                   field=field, value=quantity)
    with transaction.atomic():
        policy = StoreStockPolicy.objects.select_for_update().filter(store=store).first()
        before = snapshot(policy) if policy else None
        if policy is None:
            policy = StoreStockPolicy(store=store)
        policy.share_ratio, policy.default_safety_stock, policy.updated_at = ratio, default_safety_stock, timezone.now()
        policy.save()
        policy.warehouses.set(warehouses)
        if safety_stocks is not None:
            policy.safety_stocks.all().delete()
            StoreSafetyStock.objects.bulk_create([
                StoreSafetyStock(policy=policy, product=product, quantity=quantity)
                for product, quantity in safety_stocks.items()])
        record_change(user=user, action=AuditAction.UPDATE if before else AuditAction.CREATE, instance=policy,
                      before=before, after=snapshot(policy))
        return policy


@dataclass
class SellableRow:
    product_id: int
    sku: str
    quantity: int
    on_hand: int
    reserved: int
    safety_stock: int
    is_bundle: bool = False


def available_to_sell(store: Store, *, changed_since: datetime.datetime | None = None) -> list[SellableRow]:
    """Available-to-sell of every SKU (and bundle) a store may sell, or of those changed since a time.

    Raises NO_POLICY (404) when the store has no policy. With changed_since: every SKU when the
    policy changed since then, else the SKUs whose balance in a feeding warehouse changed, and
    the bundles using them.
    """
    policy = StoreStockPolicy.objects.filter(store=store).first()
    if policy is None:
        error = InventoryInvalid(InventoryError.NO_POLICY, _("店铺「%(store)s」没有库存同步策略"), field="store",
                                 store=store.code)
        error.http_status = 404
        raise error
    warehouse_ids = list(policy.warehouses.values_list("pk", flat=True))
    balances = StockBalance.objects.filter(warehouse_id__in=warehouse_ids)
    sums = {row["product_id"]: row for row in balances.values("product_id").annotate(
        on_hand_sum=Sum("on_hand"), reserved_sum=Sum("reserved"))}
    safety = dict(policy.safety_stocks.values_list("product_id", "quantity"))
    wanted: set[int] | None = None
    if changed_since is not None and policy.updated_at < changed_since:
        wanted = set(balances.filter(updated_at__gte=changed_since).values_list("product_id", flat=True))
    codes = dict(Product.objects.filter(pk__in=set(sums)).values_list("pk", "code"))
    rows: dict[int, SellableRow] = {}
    for product_id, row in sums.items():
        safety_stock = safety.get(product_id, policy.default_safety_stock)
        rows[product_id] = SellableRow(
            product_id=product_id, sku=codes[product_id], on_hand=row["on_hand_sum"], reserved=row["reserved_sum"],
            safety_stock=safety_stock,
            quantity=sellable_quantity(row["on_hand_sum"], row["reserved_sum"], safety_stock, policy.share_ratio))
    bundles: dict[int, list[tuple[int, int]]] = {}
    for bundle_id, component_id, per_bundle in BundleComponent.objects.filter(
            bundle__active=True).values_list("bundle_id", "component_id", "quantity"):
        bundles.setdefault(bundle_id, []).append((component_id, per_bundle))
    bundle_codes = dict(Product.objects.filter(pk__in=set(bundles)).values_list("pk", "code"))
    result = [row for product_id, row in rows.items() if wanted is None or product_id in wanted]
    for bundle_id, components in bundles.items():
        if not any(component_id in rows for component_id, _per in components):
            continue
        if wanted is not None and not any(component_id in wanted for component_id, _per in components):
            continue
        quantity = bundle_sellable([(rows[c].quantity if c in rows else 0, per) for c, per in components])
        result.append(SellableRow(product_id=bundle_id, sku=bundle_codes[bundle_id], quantity=quantity, on_hand=0,
                                  reserved=0, safety_stock=0, is_bundle=True))
    return sorted(result, key=lambda row: row.sku)

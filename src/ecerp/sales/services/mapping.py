"""Platform SKU mapping (商品对应): resolve platform SKU codes to products; map; release waiting orders."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.models import AuditAction, StateHistory
from ecerp.masterdata.models import Product, Store
from ecerp.sales.errors import SalesError, SalesInvalid
from ecerp.sales.models import SalesOrder, SalesOrderLine, StoreSkuMapping
from ecerp.sales.states import OPEN_STATES, OrderStatus


def resolve_products(pairs: set[tuple[Store, str]]) -> dict[tuple[int, str], int]:
    """Map (store, platform SKU code) pairs to product ids, in four queries whatever the batch size.

    Priority: the store's own mapping, then its platform's mapping, then a product whose code
    equals the platform code, then one whose barcode does. Unresolved pairs are absent.
    """
    return _resolve(pairs)[0]


def resolve_products_and_codes(pairs: set[tuple[Store, str]]) -> tuple[dict[tuple[int, str], int], dict[int, str]]:
    """resolve_products, and the code of every product found (product id -> code: what event payloads
    name a line's product by). A product found through a mapping or its barcode costs one more query
    for its code; one found by its code none."""
    found, by_code = _resolve(pairs)
    codes = {pk: code for code, pk in by_code.items()}
    missing = list({pk for pk in found.values() if pk not in codes})
    if missing:
        codes.update(Product.objects.filter(pk__any=missing).values_list("pk", "code"))
    return found, codes


def _resolve(pairs) -> tuple[dict[tuple[int, str], int], dict[str, int]]:
    if not pairs:
        return {}, {}
    codes = list({code for _store, code in pairs})
    store_ids = list({store.pk for store, _code in pairs})
    platforms = list({store.platform for store, _code in pairs})
    by_store = {(store_id, sku_code): product_id for store_id, sku_code, product_id in
                StoreSkuMapping.objects.filter(store_id__any=store_ids, sku_code__any=codes)
                .values_list("store_id", "sku_code", "product_id")}
    by_platform = {(platform, sku_code): product_id for platform, sku_code, product_id in
                   StoreSkuMapping.objects.filter(store__isnull=True, platform__any=platforms, sku_code__any=codes)
                   .values_list("platform", "sku_code", "product_id")}
    by_code = dict(Product.objects.filter(code__any=codes).values_list("code", "pk"))
    by_barcode = dict(Product.objects.filter(barcode__any=codes).exclude(barcode="").values_list("barcode", "pk"))
    found = {}
    for store, code in pairs:
        product_id = (by_store.get((store.pk, code)) or by_platform.get((store.platform, code))
                      or by_code.get(code) or by_barcode.get(code))
        if product_id:
            found[(store.pk, code)] = product_id
    return found, by_code


def hold_reason(unmapped_codes) -> str:
    codes = sorted(set(unmapped_codes))
    text = _("商品未对应：%(codes)s") % {"codes": "、".join(codes[:10])}
    return text[:300]


def map_platform_sku(*, user, sku_code: str, product: Product, store: Store | None = None,
                     platform: str = "") -> tuple[StoreSkuMapping, int]:
    """Map a platform SKU code (of one store, or of every store of a platform) to a product.

    Creates or changes the mapping, fills the product of every unmapped line of open orders with
    that code (one UPDATE), and releases every pending_mapping order whose lines are now all
    mapped (one UPDATE plus history rows). Returns (mapping, number of orders released).
    Raises SalesInvalid MISSING_FIELD without a code, or without a store or platform.
    """
    sku_code = (sku_code or "").strip()
    if not sku_code:
        raise SalesInvalid(SalesError.MISSING_FIELD, _("「平台商品编码」不能为空"), field="sku_code")
    if store is None and not platform:
        raise SalesInvalid(SalesError.MISSING_FIELD, _("请选择店铺或平台"), field="store")
    if store is not None:
        platform = ""
    with transaction.atomic():
        mapping = StoreSkuMapping.objects.select_for_update().filter(
            store=store, platform=platform, sku_code=sku_code).first()
        before = snapshot(mapping) if mapping else None
        if mapping is None:
            mapping = StoreSkuMapping.objects.create(store=store, platform=platform, sku_code=sku_code,
                                                     product=product)
        else:
            mapping.product = product
            mapping.save(update_fields=["product"])
        record_change(user=user, action=AuditAction.UPDATE if before else AuditAction.CREATE, instance=mapping,
                      before=before, after=snapshot(mapping))
        scope = Q(order__store=store) if store is not None else Q(order__store__platform=platform)
        SalesOrderLine.objects.filter(scope, sku_code=sku_code, product__isnull=True,
                                      order__status__in=OPEN_STATES).update(product=product)
        released = release_waiting_orders(user=user, reason=_("商品对应：%(code)s") % {"code": sku_code})
    return mapping, released


def release_waiting_orders(*, user, reason: str = "") -> int:
    """Move every pending_mapping order whose lines all have a product to received (set-based)."""
    ready = list(SalesOrder.objects.filter(status=OrderStatus.PENDING_MAPPING)
                 .exclude(lines__product__isnull=True).select_for_update().values_list("pk", flat=True))
    if not ready:
        return 0
    for start in range(0, len(ready), 500):
        chunk = ready[start:start + 500]
        SalesOrder.objects.filter(pk__in=chunk, status=OrderStatus.PENDING_MAPPING).update(
            status=OrderStatus.RECEIVED, hold_reason="")
    StateHistory.objects.bulk_create([
        StateHistory(model="sales.salesorder", object_id=str(pk), field="status",
                     from_state=OrderStatus.PENDING_MAPPING, to_state=OrderStatus.RECEIVED,
                     user=user if getattr(user, "pk", None) else None, reason=reason[:300])
        for pk in ready
    ])
    return len(ready)


def rematch_waiting_lines(*, user) -> int:
    """Try the automatic match again (store/platform mapping, product code, barcode) for unmapped lines
    of open orders, e.g. after products were created; release what is complete. Returns orders released."""
    with transaction.atomic():
        lines = list(SalesOrderLine.objects.filter(product__isnull=True, order__status__in=OPEN_STATES)
                     .select_related("order__store"))
        found = resolve_products({(line.order.store, line.sku_code) for line in lines})
        changed = []
        for line in lines:
            product_id = found.get((line.order.store_id, line.sku_code))
            if product_id:
                line.product_id = product_id
                changed.append(line)
        SalesOrderLine.objects.bulk_update(changed, ["product"], batch_size=500)
        return release_waiting_orders(user=user, reason=_("重新匹配商品"))

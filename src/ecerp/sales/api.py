"""Order API: push orders (single or batch, Idempotency-Key), list and read them, cancel; SKU mapping;
quarantine (list, retry, discard); review (rules, preview, hold/release), allocation, merge and split.

Thin: writes go through ecerp.sales.services (ingest_orders for every push), reads through
ecerp.sales.queries. Consignee data is masked unless the caller may see personal data.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from ecerp.core.api import ErrorsOut, Pagination
from ecerp.core.errors import NotFound
from ecerp.core.permissions import api_permission, check_permission
from ecerp.masterdata.models import Product
from ecerp.masterdata.scopes import visible_stores
from ecerp.sales import queries, services
from ecerp.sales.errors import ReviewError, SalesError, SalesInvalid
from ecerp.sales.models import Blacklist, QuarantinedRecord, ReviewRule
from ecerp.sales.privacy import mask_record, restore_masked
from ecerp.sales.states import REVIEWABLE_STATES, IngestOutcome

router = Router(tags=["sales"])
WRITE_ERRORS = {400: ErrorsOut, 404: ErrorsOut, 409: ErrorsOut}


class LineOut(Schema):
    line_no: int
    sku_code: str
    title: str
    quantity: int
    unit_price: str
    discount: str
    amount: str
    product_id: int | None
    product_code: str


class OrderOut(Schema):
    id: int
    code: str
    store: str
    platform_order_no: str
    status: str
    hold_reason: str
    has_exception: bool
    exception_reason: str
    buyer_nick: str
    consignee_name: str
    consignee_phone: str
    province: str
    city: str
    district: str
    address: str
    goods_amount: str
    discount: str
    freight: str
    paid_amount: str
    order_time: datetime.datetime | None
    payment_time: datetime.datetime | None
    buyer_remark: str
    seller_memo: str
    platform_status: str
    refund_status: str
    platform_updated_at: datetime.datetime | None
    received_at: datetime.datetime
    payment_terms: str = ""
    deposit_amount: str = "0.00"
    customer_id: int | None = None
    warehouse: str = ""
    merged_into_id: int | None = None
    split_from_id: int | None = None
    lines: list[LineOut] = []


class OrderFilter(Schema):
    status: str = ""
    store: str = Field("", description="store code")
    q: str = Field("", description="order code, platform order number or buyer nick contains")
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    exception: bool | None = None
    pending_mapping: bool = False


class IngestOut(Schema):
    counts: dict[str, int]
    results: list[dict[str, Any]]


class CancelIn(Schema):
    reason: str = ""


class CancelLineIn(Schema):
    line_no: int
    quantity: int


class CancelLinesIn(Schema):
    lines: list[CancelLineIn]
    reason: str = ""
    refund_amount: Decimal | None = None


class MappingIn(Schema):
    sku_code: str
    product_id: int | None = None
    product_code: str = ""
    store: str = Field("", description="store code; empty with platform = every store of the platform")
    platform: str = ""


class MappingOut(Schema):
    id: int
    store: str
    platform: str
    sku_code: str
    product_id: int
    product_code: str
    released: int = 0


class UnmappedOut(Schema):
    store: str
    sku_code: str
    title: str | None
    orders: int


class QuarantinedOut(Schema):
    id: int
    source: str
    store_code: str
    platform_order_no: str
    raw: dict[str, Any]
    errors: list[dict[str, Any]]
    status: str
    created_at: datetime.datetime
    order_id: int | None


class RetryIn(Schema):
    raw: dict[str, Any] | None = None


def order_dict(user, order, with_lines: bool = True) -> dict:
    data = {name: getattr(order, name) for name in (
        "id", "code", "platform_order_no", "status", "hold_reason", "has_exception", "exception_reason",
        "buyer_nick", "province", "city", "district", "order_time", "payment_time", "buyer_remark",
        "seller_memo", "platform_status", "refund_status", "platform_updated_at", "received_at")}
    data.update(queries.personal(user, order))
    data.update({name: str(getattr(order, name)) for name in ("goods_amount", "discount", "freight", "paid_amount")})
    data["store"] = order.store.code
    data.update({"payment_terms": order.payment_terms, "deposit_amount": str(order.deposit_amount),
                 "customer_id": order.customer_id, "warehouse": order.warehouse.code if order.warehouse_id else "",
                 "merged_into_id": order.merged_into_id, "split_from_id": order.split_from_id})
    data["lines"] = [{
        "line_no": line.line_no, "sku_code": line.sku_code, "title": line.title, "quantity": line.quantity,
        "unit_price": str(line.unit_price), "discount": str(line.discount), "amount": str(line.amount),
        "product_id": line.product_id, "product_code": line.product.code if line.product_id else "",
    } for line in order.lines.all()] if with_lines else []
    return data


def _ingest(request, records: list) -> tuple[int, dict]:
    # a store outside the caller's data scope is an unknown store to them (quarantined as such)
    result = services.ingest_orders(user=request.user, source="api", records=records,
                                    store_scope=visible_stores(request.user))
    answer = result.as_dict()
    status = 200
    if len(records) == 1 and answer["counts"][IngestOutcome.QUARANTINED] == 1:
        status = 400
    elif answer["counts"][IngestOutcome.CREATED]:
        status = 201
    return status, answer


@router.post("/orders", response={200: IngestOut, 201: IngestOut, 400: IngestOut | ErrorsOut, 409: ErrorsOut})
@api_permission("sales.add_salesorder")
def push_orders(request: HttpRequest, payload: dict[str, Any] = Body(...)):  # noqa: B008 - ninja's body marker
    """Push one order (the object itself) or a batch ({"orders": [...]}) through the ingest service.

    Header Idempotency-Key: the same key and body answer the first response again; the same key with
    another body is 409 IDEMPOTENCY_CONFLICT. Each record's outcome is created, updated, unchanged,
    stale, exception or quarantined (with errors); a single bad record answers 400, a batch 200/201.
    """
    records = payload["orders"] if isinstance(payload.get("orders"), list) else [payload]
    key = request.headers.get("Idempotency-Key", "").strip()
    if key:
        status, answer = services.run_idempotent(user=request.user, key=key[:200], body=payload,
                                                 handler=lambda: _ingest(request, records))
    else:
        status, answer = _ingest(request, records)
    return Status(status, answer)


@router.get("/orders", response=list[OrderOut])
@paginate(Pagination)
@api_permission("sales.view_salesorder")
def list_orders(request: HttpRequest, filters: Query[OrderFilter]):
    """Orders of the caller's stores, newest first (filters: status, store, q, dates, exception, pending_mapping)."""
    orders = (queries.list_orders(user=request.user, **filters.dict()).select_related("warehouse")
              .prefetch_related("lines__product"))
    return [order_dict(request.user, order) for order in orders]


@router.get("/orders/{order_id}", response={200: OrderOut, 404: ErrorsOut})
@api_permission("sales.view_salesorder")
def get_order(request: HttpRequest, order_id: int):
    """One order with its lines."""
    return order_dict(request.user, queries.get_order(user=request.user, pk=order_id))


@router.post("/orders/{order_id}/cancel", response={200: OrderOut, **WRITE_ERRORS})
@api_permission("sales.change_salesorder")
def cancel_order(request: HttpRequest, order_id: int, payload: CancelIn):
    """Cancel an order that has not shipped (409 ORDER_NOT_OPEN after shipment)."""
    order = queries.get_order(user=request.user, pk=order_id)
    services.cancel_order(user=request.user, order=order, reason=payload.reason)
    return order_dict(request.user, queries.get_order(user=request.user, pk=order_id))


@router.post("/orders/{order_id}/cancel-lines", response={200: OrderOut, **WRITE_ERRORS})
@api_permission("sales.change_salesorder")
def cancel_order_lines(request: HttpRequest, order_id: int, payload: CancelLinesIn):
    """Cancel some units of an unshipped order (部分取消): lines of (line_no, quantity to remove).

    The units move to a linked cancelled order; paid amount drops by refund_amount (default: the
    removed amount); an allocated order is re-reserved for what is left. Removing every unit cancels
    the order. 409 ORDER_NOT_OPEN after shipment; 400 UNKNOWN_LINE / INVALID_QUANTITY (lines.<n>.*).
    """
    order = queries.get_order(user=request.user, pk=order_id)
    services.cancel_order_lines(user=request.user, order=order, reason=payload.reason,
                                lines=[(line.line_no, line.quantity) for line in payload.lines],
                                refund_amount=payload.refund_amount)
    return order_dict(request.user, queries.get_order(user=request.user, pk=order_id))


@router.get("/sales/unmapped-skus", response=list[UnmappedOut])
@api_permission("sales.view_storeskumapping")
def list_unmapped(request: HttpRequest):
    """Platform SKU codes holding orders (no product), with the number of waiting orders."""
    return [{"store": row["order__store__code"], "sku_code": row["sku_code"], "title": row["title"],
             "orders": row["orders"]} for row in queries.unmapped_skus(user=request.user)]


@router.post("/sales/sku-mappings", response={201: MappingOut, **WRITE_ERRORS})
@api_permission("sales.add_storeskumapping")
def map_sku(request: HttpRequest, payload: MappingIn):
    """Map a platform SKU code (of a store, or of a platform) to a product; releases every waiting order."""
    product = (Product.objects.filter(pk=payload.product_id).first() if payload.product_id
               else Product.objects.filter(code=payload.product_code.strip()).first())
    if product is None:
        raise SalesInvalid(SalesError.UNKNOWN_PRODUCT, _("商品「%(key)s」不存在"), field="product_id",
                           key=payload.product_id or payload.product_code)
    store = None
    if payload.store:
        store = visible_stores(request.user).filter(code=payload.store).first()
        if store is None:
            raise SalesInvalid(SalesError.UNKNOWN_STORE, _("「店铺编码」%(code)s 不存在"), field="store",
                               code=payload.store)
    mapping, released = services.map_platform_sku(user=request.user, store=store, platform=payload.platform,
                                                  sku_code=payload.sku_code, product=product)
    return Status(201, {"id": mapping.pk, "store": store.code if store else "", "platform": mapping.platform,
                 "sku_code": mapping.sku_code, "product_id": product.pk, "product_code": product.code,
                 "released": released})


@router.get("/sales/quarantine", response=list[QuarantinedOut])
@paginate(Pagination)
@api_permission("sales.view_quarantinedrecord")
def list_quarantine(request: HttpRequest, status: str = "open"):
    """Quarantined records (default: open), newest first; personal values masked unless allowed."""
    full = queries.can_see_personal_data(request.user)
    return [{**{name: getattr(record, name) for name in ("id", "source", "store_code", "platform_order_no", "errors",
                                                          "status", "created_at", "order_id")},
             "raw": record.raw if full else mask_record(record.raw)}
            for record in queries.list_quarantined(status=status)]


def _quarantined(record_id: int) -> QuarantinedRecord:
    record = QuarantinedRecord.objects.filter(pk=record_id).first()
    if record is None:
        raise NotFound("隔离记录", record_id)
    return record


@router.post("/sales/quarantine/{record_id}/retry", response={200: IngestOut, **WRITE_ERRORS})
@api_permission("sales.change_quarantinedrecord")
def retry_quarantined(request: HttpRequest, record_id: int, payload: RetryIn):
    """Retry a quarantined record through the ingest service, optionally with a corrected raw record."""
    record = _quarantined(record_id)
    raw = restore_masked(payload.raw, record.raw) if payload.raw is not None else None
    result = services.retry_quarantined(user=request.user, record=record, raw=raw)
    return result.as_dict()


@router.post("/sales/quarantine/{record_id}/discard", response={200: QuarantinedOut, **WRITE_ERRORS})
@api_permission("sales.change_quarantinedrecord")
def discard_quarantined(request: HttpRequest, record_id: int):
    """Discard a quarantined record."""
    record = services.discard_quarantined(user=request.user, record=_quarantined(record_id))
    full = queries.can_see_personal_data(request.user)
    return {**{name: getattr(record, name) for name in ("id", "source", "store_code", "platform_order_no", "errors",
                                                         "status", "created_at", "order_id")},
            "raw": record.raw if full else mask_record(record.raw)}


# --- review, hold/release, allocation, merge and split -------------------------------------------------

class OrderIdsIn(Schema):
    order_ids: list[int] = Field(..., description="ids of orders of the caller's stores")


class ReasonIn(Schema):
    reason: str = ""


class SplitIn(Schema):
    line_nos: list[int] = Field([], description="lines split off into the first child order")
    by_warehouse: bool = Field(False, description="split into one child per warehouse instead")


class BatchResultOut(Schema):
    order_id: int
    order_code: str
    outcome: str
    warehouse: str = ""
    reason: str = ""
    reasons: list[str] = []


class RuleIn(Schema):
    name: str
    kind: str
    parameters: dict[str, Any] = {}
    action: str = "hold"
    priority: int = 100
    active: bool = True


class RuleOut(Schema):
    id: int
    name: str
    kind: str
    parameters: dict[str, Any]
    action: str
    priority: int
    active: bool


class PreviewIn(Schema):
    order_ids: list[int] | None = None
    rule_id: int | None = None


def _scoped_orders(request, ids: list[int]) -> list:
    orders = list(queries.list_orders(user=request.user).filter(pk__in=ids))
    missing = sorted(set(ids) - {order.pk for order in orders})
    if missing:
        raise NotFound("订单", ",".join(str(pk) for pk in missing), field="order_ids")
    if not orders:
        raise SalesInvalid(SalesError.MISSING_FIELD, _("请选择订单"), field="order_ids")
    return orders


def _rule_dict(rule) -> dict:
    return {name: getattr(rule, name) for name in ("id", "name", "kind", "parameters", "action", "priority", "active")}


@router.post("/sales/orders/review", response={200: list[BatchResultOut], **WRITE_ERRORS})
@api_permission("sales.change_salesorder")
def review_orders(request: HttpRequest, payload: OrderIdsIn):
    """Review orders with the active rules: each becomes reviewed or held (reasons), others are skipped."""
    results = services.review_orders(user=request.user, orders=_scoped_orders(request, payload.order_ids))
    return [result.as_dict() for result in results]


@router.post("/sales/orders/allocate", response={200: list[BatchResultOut], **WRITE_ERRORS})
@api_permission("sales.change_salesorder")
def allocate_orders(request: HttpRequest, payload: OrderIdsIn):
    """Allocate reviewed orders: warehouse chosen and stock reserved (allocated), or out_of_stock, or skipped."""
    results = services.allocate_orders(user=request.user, orders=_scoped_orders(request, payload.order_ids))
    return [result.as_dict() for result in results]


class ShipmentResultOut(Schema):
    order_id: int
    order_code: str
    outcome: str
    shipment: str = ""
    errors: list[dict] = []


@router.post("/sales/orders/shipments", response={200: list[ShipmentResultOut], **WRITE_ERRORS})
@api_permission("inventory.add_shipment")
def create_order_shipments(request: HttpRequest, payload: OrderIdsIn):
    """Create the parcel of each allocated order (created, or failed with NOT_ALLOCATED / SHIPMENT_EXISTS)."""
    results = services.create_order_shipments(user=request.user, orders=_scoped_orders(request, payload.order_ids))
    return [result.as_dict() for result in results]


@router.post("/sales/orders/merge", response={201: OrderOut, **WRITE_ERRORS})
@api_permission("sales.change_salesorder")
def merge_orders(request: HttpRequest, payload: OrderIdsIn):
    """Merge orders of the same store, buyer and address into a new order (409 NOT_MERGEABLE, 400 MERGE_MISMATCH)."""
    merged = services.merge_orders(user=request.user, orders=_scoped_orders(request, payload.order_ids))
    return Status(201, order_dict(request.user, queries.get_order(user=request.user, pk=merged.pk)))


@router.get("/sales/merge-groups", response=list[list[int]])
@api_permission("sales.view_salesorder")
def list_merge_groups(request: HttpRequest):
    """Ids of unshipped orders that could be merged, grouped (same store, buyer and address)."""
    stores = list(visible_stores(request.user).values_list("pk", flat=True))
    return [[order.pk for order in group] for group in services.find_merge_groups(store_ids=stores)]


@router.post("/orders/{order_id}/split", response={201: list[OrderOut], **WRITE_ERRORS})
@api_permission("sales.change_salesorder")
def split_order(request: HttpRequest, order_id: int, payload: SplitIn):
    """Split an order by chosen lines or by warehouse into child orders (400 INVALID_SPLIT, 409 NOT_SPLITTABLE)."""
    order = queries.get_order(user=request.user, pk=order_id)
    if payload.by_warehouse:
        children = services.split_order_by_warehouse(user=request.user, order=order)
    else:
        children = services.split_order_lines(user=request.user, order=order, line_nos=payload.line_nos)
    return Status(201, [order_dict(request.user, queries.get_order(user=request.user, pk=child.pk))
                        for child in children])


@router.post("/orders/{order_id}/hold", response={200: OrderOut, **WRITE_ERRORS})
@api_permission("sales.change_salesorder")
def hold_order(request: HttpRequest, order_id: int, payload: ReasonIn):
    """Hold an order by hand (400 REASON_REQUIRED; an allocated order's reservation is released)."""
    order = queries.get_order(user=request.user, pk=order_id)
    services.hold_order(user=request.user, order=order, reason=payload.reason)
    return order_dict(request.user, queries.get_order(user=request.user, pk=order_id))


@router.post("/orders/{order_id}/release", response={200: OrderOut, **WRITE_ERRORS})
@api_permission("sales.change_salesorder")
def release_order(request: HttpRequest, order_id: int, payload: ReasonIn):
    """Release a held order by hand to reviewed (400 REASON_REQUIRED, 409 ORDER_NOT_HELD)."""
    order = queries.get_order(user=request.user, pk=order_id)
    services.release_order(user=request.user, order=order, reason=payload.reason)
    return order_dict(request.user, queries.get_order(user=request.user, pk=order_id))


@router.get("/sales/review-rules", response=list[RuleOut])
@api_permission("sales.view_reviewrule")
def list_review_rules(request: HttpRequest):
    """Review rules in the order they run (priority)."""
    return [_rule_dict(rule) for rule in ReviewRule.objects.order_by("priority", "id")]


@router.post("/sales/review-rules", response={201: RuleOut, **WRITE_ERRORS})
@api_permission("sales.add_reviewrule")
def create_review_rule(request: HttpRequest, payload: RuleIn):
    """Create a review rule (400 INVALID_RULE for a bad kind, action or parameters)."""
    rule = services.save_review_rule(user=request.user, **payload.dict())
    return Status(201, _rule_dict(rule))


@router.put("/sales/review-rules/{rule_id}", response={200: RuleOut, **WRITE_ERRORS})
@api_permission("sales.change_reviewrule")
def update_review_rule(request: HttpRequest, rule_id: int, payload: RuleIn):
    """Change a review rule."""
    rule = ReviewRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("审单规则", rule_id)
    return _rule_dict(services.save_review_rule(user=request.user, rule=rule, **payload.dict()))


@router.delete("/sales/review-rules/{rule_id}", response={204: None, **WRITE_ERRORS})
@api_permission("sales.delete_reviewrule")
def delete_review_rule(request: HttpRequest, rule_id: int):
    """Delete a review rule (holds it opened keep their reason)."""
    rule = ReviewRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("审单规则", rule_id)
    services.delete_review_rule(user=request.user, rule=rule)
    return Status(204, None)


class BlacklistIn(Schema):
    kind: str = Field(..., description="nick or phone")
    value: str = Field(..., description="the buyer nick or phone number (only a keyed hash and a mask are kept)")
    reason: str = ""


class BlacklistOut(Schema):
    id: int
    kind: str
    shown: str = Field(..., description="the nick, or the masked phone")
    reason: str
    created_at: datetime.datetime


def _blacklist_dict(entry) -> dict:
    return {name: getattr(entry, name) for name in ("id", "kind", "shown", "reason", "created_at")}


@router.get("/sales/blacklist", response=list[BlacklistOut])
@api_permission("sales.view_blacklist")
def list_blacklist(request: HttpRequest):
    """Blacklisted buyer nicks and phones (phones masked)."""
    return [_blacklist_dict(entry) for entry in Blacklist.objects.order_by("kind", "shown")]


@router.post("/sales/blacklist", response={201: BlacklistOut, **WRITE_ERRORS})
@api_permission("sales.add_blacklist")
def add_blacklist_entry(request: HttpRequest, payload: BlacklistIn):
    """Blacklist a buyer nick or phone (400 INVALID_BLACKLIST); adding one twice returns the existing entry."""
    entry = services.add_to_blacklist(user=request.user, kind=payload.kind, value=payload.value,
                                      reason=payload.reason)
    return Status(201, _blacklist_dict(entry))


@router.delete("/sales/blacklist/{entry_id}", response={204: None, **WRITE_ERRORS})
@api_permission("sales.delete_blacklist")
def remove_blacklist_entry(request: HttpRequest, entry_id: int):
    """Remove a blacklist entry."""
    entry = Blacklist.objects.filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("黑名单", entry_id)
    services.delete_blacklist_entry(user=request.user, entry=entry)
    return Status(204, None)


@router.post("/sales/review-preview", response={200: list[BatchResultOut], **WRITE_ERRORS})
@api_permission("sales.view_reviewrule")
def preview_review_rules(request: HttpRequest, payload: PreviewIn):
    """Try the active rules (or one rule) on orders (default: the newest received and held) without changing them."""
    rule = None
    if payload.rule_id is not None:
        rule = ReviewRule.objects.filter(pk=payload.rule_id).first()
        if rule is None:
            raise NotFound("审单规则", payload.rule_id, field="rule_id")
    orders = _scoped_orders(request, payload.order_ids) if payload.order_ids else (
        queries.list_orders(user=request.user).filter(status__in=REVIEWABLE_STATES)[:200])
    return [result.as_dict() for result in services.preview_rules(orders=orders, rule=rule)]


class StoreAllocationIn(Schema):
    warehouses: list[str] = Field(..., description="warehouse codes in the order allocation tries them")
    payment_terms: str = Field("", description="default payment terms of the store's orders (empty: unchanged)")


class StoreAllocationOut(Schema):
    store: str
    warehouses: list[str]
    payment_terms: str


class PaymentTermsIn(Schema):
    payment_terms: str = Field("", description="prepaid, cod, credit, deposit; empty = the store's default")
    customer_id: int | None = None
    deposit_amount: str | None = None


def _store_settings(store) -> dict:
    from ecerp.sales.models import AllocationRule, StoreSalesSetting
    setting = StoreSalesSetting.objects.filter(store=store).first()
    return {"store": store.code, "payment_terms": setting.payment_terms if setting else "prepaid",
            "warehouses": list(AllocationRule.objects.filter(store=store).order_by("priority")
                               .values_list("warehouse__code", flat=True))}


def _visible_store(request, store_code: str):
    store = visible_stores(request.user).filter(code=store_code).first()
    if store is None:
        raise NotFound("店铺", store_code)
    return store


@router.get("/sales/stores/{store_code}/allocation", response={200: StoreAllocationOut, 404: ErrorsOut})
@api_permission("sales.view_allocationrule")
def get_store_allocation(request: HttpRequest, store_code: str):
    """A store's warehouse order for allocation and its default payment terms."""
    return _store_settings(_visible_store(request, store_code))


@router.put("/sales/stores/{store_code}/allocation", response={200: StoreAllocationOut, 403: ErrorsOut,
                                                               **WRITE_ERRORS})
@api_permission("sales.change_allocationrule")
def set_store_allocation(request: HttpRequest, store_code: str, payload: StoreAllocationIn):
    """Set a store's warehouse order for allocation (after its default warehouse) and default payment terms.

    Changing the payment terms also needs sales.change_storesalessetting (403 otherwise).
    """
    from ecerp.masterdata.models import Warehouse
    if payload.payment_terms:
        check_permission(request.user, "sales.change_storesalessetting")
    store = _visible_store(request, store_code)
    by_code = {w.code: w for w in Warehouse.objects.filter(code__in=payload.warehouses, active=True)}
    unknown = [code for code in payload.warehouses if code not in by_code]
    if unknown:
        raise SalesInvalid(ReviewError.NO_WAREHOUSE, _("仓库「%(codes)s」不存在或已停用"), field="warehouses",
                           codes="、".join(unknown))
    services.set_allocation_rules(user=request.user, store=store,
                                  warehouses=[by_code[code] for code in payload.warehouses])
    if payload.payment_terms:
        services.set_store_payment_terms(user=request.user, store=store, payment_terms=payload.payment_terms)
    return _store_settings(store)


@router.post("/orders/{order_id}/payment-terms", response={200: OrderOut, **WRITE_ERRORS})
@api_permission("sales.change_salesorder")
def set_payment_terms(request: HttpRequest, order_id: int, payload: PaymentTermsIn):
    """Set an order's payment terms, customer (a partner) and deposit; review again to apply them."""
    from ecerp.core.money import parse_decimal
    from ecerp.masterdata.models import Partner
    order = queries.get_order(user=request.user, pk=order_id)
    customer = None
    if payload.customer_id is not None:
        customer = Partner.objects.filter(pk=payload.customer_id).first()
        if customer is None:
            raise NotFound("客户", payload.customer_id, field="customer_id")
    deposit = parse_decimal(payload.deposit_amount, field="deposit_amount") if payload.deposit_amount else None
    services.set_order_payment_terms(user=request.user, order=order, payment_terms=payload.payment_terms,
                                     customer=customer, deposit_amount=deposit)
    return order_dict(request.user, queries.get_order(user=request.user, pk=order_id))

"""The one ingest service every way in uses (file import, API, platform pull).

ingest_orders normalises and checks each record, quarantines the bad ones, and upserts the rest
by (store, platform order number): a duplicate changes nothing, an older version is ignored
(counted as stale), a newer one updates the order while it is open and flags an exception once it
has shipped. Batch by default: one query preloads the batch's existing orders, new orders and
their lines go in with bulk inserts. A concurrent ingest of the same order hits the unique
constraint; the batch is then retried, and finds the order the other one created.
"""

from __future__ import annotations

import logging
from collections import Counter, namedtuple
from dataclasses import dataclass, field

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecerp.core.audit import record_change, record_rows, snapshot
from ecerp.core.bulk import LOOKUP_CHUNK
from ecerp.core.errors import ErrorDetail
from ecerp.core.models import AuditAction, StateHistory
from ecerp.core.services import next_codes
from ecerp.core.states import move
from ecerp.masterdata.models import Product, Store
from ecerp.sales import calculations, events
from ecerp.sales.batch_rows import RowBuilder, reserve_ids
from ecerp.sales.errors import SalesError
from ecerp.sales.models import OrderVersion, QuarantinedRecord, SalesOrder, SalesOrderLine
from ecerp.sales.normalise import NormalisedOrder, RecordInvalid, normalise_record
from ecerp.sales.privacy import mask_record
from ecerp.sales.queries import source_label
from ecerp.sales.services.allocation import withdraw_from_warehouse
from ecerp.sales.services.mapping import hold_reason, resolve_products_and_codes
from ecerp.sales.states import LABELS, TRANSITIONS, IngestOutcome, OrderStatus, QuarantineStatus

log = logging.getLogger(__name__)
RETRIES = 5
# A new platform version that changes one of these (or the lines) sends a reviewed, held or allocated
# order back to review, releasing its stock; other changes (platform status text, payment time,
# update time) keep the order where it is.
MATERIAL_FIELDS = ("consignee_name", "consignee_phone", "province", "city", "district", "address", "buyer_remark",
                   "seller_memo", "refund_status", "goods_amount", "discount", "freight", "paid_amount")
KEPT_STATES = (OrderStatus.HELD, OrderStatus.REVIEWED, OrderStatus.ALLOCATED)
HEADER_FIELDS = ("buyer_nick", "consignee_name", "consignee_phone", "province", "city", "district", "address",
                 "buyer_remark", "seller_memo", "platform_status", "refund_status")


@dataclass
class RecordResult:
    index: int
    outcome: str
    platform_order_no: str = ""
    order_id: int | None = None
    order_code: str = ""
    errors: list[dict] = field(default_factory=list)
    quarantine_id: int | None = None

    def as_dict(self) -> dict:
        data = {"index": self.index, "outcome": self.outcome, "platform_order_no": self.platform_order_no,
                "order_id": self.order_id, "code": self.order_code}
        if self.errors:
            data["errors"] = self.errors
        if self.quarantine_id:
            data["quarantine_id"] = self.quarantine_id
        return data


@dataclass
class IngestResult:
    results: list[RecordResult] = field(default_factory=list)

    def counts(self) -> dict:
        counted = Counter(result.outcome for result in self.results)
        return {outcome.value: counted.get(outcome.value, 0) for outcome in IngestOutcome}

    def as_dict(self) -> dict:
        return {"counts": self.counts(), "results": [result.as_dict() for result in self.results]}


def ingest_orders(*, user, source: str, records: list, default_store: str = "",
                  quarantine: bool = True, store_scope=None) -> IngestResult:
    """Ingest a batch of raw order records; return the outcome of each (created, updated, unchanged,
    stale, exception, quarantined).

    Each record is normalised (ecerp.sales.normalise); a record with problems, or of an unknown
    store, is written to QuarantinedRecord with its error codes and Chinese messages (unless
    quarantine=False, used by retry) and never stops the others. store_scope (a Store queryset, e.g.
    the caller's visible stores) limits which stores are known. Side effects: orders, lines,
    versions, state history, audit rows; events OrderReceived / OrderPaid / OrderCancelled.
    """
    checked: list[tuple[int, dict, NormalisedOrder]] = []
    failures: list[tuple[int, object, list[ErrorDetail]]] = []
    for index, raw in enumerate(records):
        try:
            checked.append((index, raw, normalise_record(raw, default_store=default_store)))
        except RecordInvalid as error:
            failures.append((index, raw, error.details))
    known = Store.objects.all() if store_scope is None else store_scope
    stores = {store.code: store for store in known.filter(code__in={order.store_code for _i, _r, order in checked})}
    valid = []
    for index, raw, order in checked:
        if order.store_code in stores:
            valid.append((index, order))
        else:
            failures.append((index, raw, [ErrorDetail(
                code=SalesError.UNKNOWN_STORE, field="store", row=raw.get("_row"),
                message=_("「店铺编码」%(code)s 不存在") % {"code": order.store_code})]))
    for attempt in range(RETRIES):
        try:
            with transaction.atomic():
                results = _apply(user=user, source=source, orders=valid, stores=stores)
                if quarantine:
                    results += _quarantine(source=source, failures=failures, default_store=default_store)
            break
        except (IntegrityError, OperationalError) as error:
            # another connection inserted one of these orders first: retry, it is now an existing order
            # (a deadlock between two such batches is retried the same way)
            if attempt == RETRIES - 1 or (isinstance(error, OperationalError) and "deadlock" not in str(error)):
                raise
            log.info("ingest batch collided with a concurrent ingest, retrying (%s)", attempt + 1)
    if not quarantine:
        results += [RecordResult(index=index, outcome=IngestOutcome.QUARANTINED,
                                 platform_order_no=str(raw.get("platform_order_no", "")) if isinstance(raw, dict)
                                 else "", errors=[detail.as_dict() for detail in details])
                    for index, raw, details in failures]
    return IngestResult(results=sorted(results, key=lambda result: result.index))


def _quarantine(*, source: str, failures, default_store: str) -> list[RecordResult]:
    rows = []
    for _index, raw, details in failures:
        data = raw if isinstance(raw, dict) else {"value": raw}
        rows.append(QuarantinedRecord(
            source=source, store_code=str(data.get("store") or default_store)[:40],
            platform_order_no=str(data.get("platform_order_no") or "")[:64], raw=data,
            errors=[detail.as_dict() for detail in details],
            message="\n".join(detail.message for detail in details), status=QuarantineStatus.OPEN))
    created = QuarantinedRecord.objects.bulk_create(rows)
    return [RecordResult(index=index, outcome=IngestOutcome.QUARANTINED, platform_order_no=row.platform_order_no,
                         errors=row.errors, quarantine_id=row.pk)
            for (index, _raw, _details), row in zip(failures, created, strict=True)]


def _winners(orders):
    """Reduce the batch to one version per order key; the others are duplicates or superseded."""
    winners: dict[tuple, tuple[int, NormalisedOrder]] = {}
    losers: list[tuple[int, NormalisedOrder, tuple]] = []
    for index, order in orders:
        key = (order.store_code, order.platform_order_no)
        current = winners.get(key)
        if current is None:
            winners[key] = (index, order)
        elif calculations.is_newer(order.version, current[1].version):
            losers.append((*current, key))
            winners[key] = (index, order)
        else:
            losers.append((index, order, key))
    return winners, losers


def _apply(*, user, source: str, orders, stores: dict) -> list[RecordResult]:
    winners, losers = _winners(orders)
    store_ids = {stores[code].pk for code, _no in winners}
    numbers = {number for _code, number in winners}
    existing = {}
    if winners:
        codes = {store.pk: store.code for store in stores.values()}
        # locks the orders only (not their store), in primary key order
        for order in (SalesOrder.objects.select_for_update().prefetch_related("lines")
                      .filter(store_id__any=store_ids, platform_order_no__any=numbers).order_by("pk")):
            order.store = stores[codes[order.store_id]]
            existing[(codes[order.store_id], order.platform_order_no)] = order
    products, product_codes = resolve_products_and_codes({(stores[order.store_code], line.sku_code)
                                                          for _index, order in winners.values()
                                                          for line in order.lines})
    results: list[RecordResult] = []
    versions: list[tuple] = []
    # inserted in key order: two batches inserting the same keys wait on each other instead of deadlocking
    new = sorted(((key, index, order) for key, (index, order) in winners.items() if key not in existing),
                 key=lambda item: item[0])
    created = _create(user=user, source=source, new=new, stores=stores, products=products,
                      product_codes=product_codes)
    for (key, index, order), saved in zip(new, created, strict=True):
        results.append(RecordResult(index=index, outcome=IngestOutcome.CREATED, order_id=saved.pk,
                                    order_code=saved.code, platform_order_no=order.platform_order_no))
        versions.append(_version(saved, order, IngestOutcome.CREATED))
        existing[key] = saved
    created_keys = {key for key, _index, _order in new}
    for key, (index, order) in winners.items():
        if key in created_keys:
            continue
        saved = existing[key]
        outcome = _update(user=user, saved=saved, order=order, source=source, stores=stores, products=products)
        results.append(RecordResult(index=index, outcome=outcome, order_id=saved.pk, order_code=saved.code,
                                    platform_order_no=order.platform_order_no))
        versions.append(_version(saved, order, outcome))
    for index, order, key in losers:
        saved = existing[key]
        outcome = IngestOutcome.UNCHANGED if order.digest == saved.payload_hash else IngestOutcome.STALE
        results.append(RecordResult(index=index, outcome=outcome, order_id=saved.pk, order_code=saved.code,
                                    platform_order_no=order.platform_order_no))
        versions.append(_version(saved, order, outcome))
    if versions:
        rows = RowBuilder(OrderVersion, VERSION_GIVEN, now=timezone.now(), constants={"source": source})
        rows.insert([rows.row(version) for version in versions])
    return results


VERSION_GIVEN = ("order_id", "payload_hash", "outcome", "platform_updated_at", "platform_status")


def _version(saved, order: NormalisedOrder, outcome: str) -> tuple:
    """An OrderVersion row's values (VERSION_GIVEN) for one delivery of saved (an order or a _NewOrder)."""
    return (saved.pk, order.digest, outcome, order.platform_updated_at,
            order.texts.get("platform_status", "")[:60])


def _status_for(order: NormalisedOrder, lines) -> tuple[str, str]:
    """The status (and hold reason) an order takes from a platform version; lines: its lines (rows or
    _NewLine), with sku_code and product_id."""
    if calculations.is_cancelled_status(order.texts.get("platform_status", "")):
        return OrderStatus.CANCELLED, ""
    unmapped = [line.sku_code for line in lines if not line.product_id]
    if unmapped:
        return OrderStatus.PENDING_MAPPING, hold_reason(unmapped)
    return OrderStatus.RECEIVED, ""


def _fill(target: SalesOrder, order: NormalisedOrder) -> None:
    for name in HEADER_FIELDS:
        setattr(target, name, order.texts.get(name, ""))
    target.goods_amount = order.goods_amount
    target.discount = order.discount
    target.freight = order.freight
    target.paid_amount = order.paid_amount
    target.order_time = order.order_time
    target.payment_time = order.payment_time
    target.platform_updated_at = order.platform_updated_at
    target.payload = mask_record(order.canonical())
    target.payload_hash = order.digest


def _lines(saved: SalesOrder, order: NormalisedOrder, products: dict) -> list[SalesOrderLine]:
    return [SalesOrderLine(order_id=saved.pk, line_no=number, sku_code=line.sku_code, title=line.title,
                           quantity=line.quantity, unit_price=line.unit_price, discount=line.discount,
                           amount=line.amount, product_id=products.get((saved.store_id, line.sku_code)))
            for number, line in enumerate(order.lines, start=1)]


def _product_codes(lines) -> dict:
    ids = {line.product_id for line in lines if line.product_id}
    return dict(Product.objects.filter(pk__in=ids).values_list("pk", "code")) if ids else {}


class _NewOrder:
    """A newly created order as the rest of the batch needs it (results, versions, event payloads)."""

    __slots__ = ("pk", "code", "store", "platform_order_no", "status", "goods_amount", "discount", "freight",
                 "paid_amount", "payment_time", "platform_status", "payload_hash")

    def __init__(self, code, store, order: NormalisedOrder, status: str):
        self.pk = None
        self.code = code
        self.store = store
        self.platform_order_no = order.platform_order_no
        self.status = status
        self.goods_amount = order.goods_amount
        self.discount = order.discount
        self.freight = order.freight
        self.paid_amount = order.paid_amount
        self.payment_time = order.payment_time
        self.platform_status = order.texts.get("platform_status", "")
        self.payload_hash = order.digest


# a new order's line as its row gives it (without the order id) and its event payload reads it
_NewLine = namedtuple("_NewLine", "line_no sku_code title quantity unit_price discount amount product_id")
ORDER_GIVEN = ("code", "store_id", "platform_order_no", *HEADER_FIELDS, "goods_amount", "discount", "freight",
               "paid_amount", "order_time", "payment_time", "platform_updated_at", "status", "hold_reason",
               "payload", "payload_hash")
LINE_GIVEN = ("order_id", *_NewLine._fields)
HISTORY_GIVEN = ("object_id", "to_state", "reason")


def _create(*, user, source: str, new, stores: dict, products: dict, product_codes: dict) -> list[_NewOrder]:
    """Insert the batch's new orders with their lines, state history and audit rows, publish their events.

    Rows are built as database-ready tuples (batch_rows.RowBuilder), not model instances: the same
    rows insert_records wrote from instances, the audit row's after the same snapshot.
    """
    if not new:
        return []
    now = timezone.now()
    codes = next_codes(target="sales_order", count=len(new))
    ids = reserve_ids(SalesOrder, len(new))
    order_rows = RowBuilder(SalesOrder, ORDER_GIVEN, now=now, constants={"source": source}, with_pk=ids is not None)
    orders, values, lines_of = [], [], []
    for (_key, _index, order), code in zip(new, codes, strict=True):
        store = stores[order.store_code]
        lines = [_NewLine(number, line.sku_code, line.title, line.quantity, line.unit_price, line.discount,
                          line.amount, products.get((store.pk, line.sku_code)))
                 for number, line in enumerate(order.lines, start=1)]
        status, reason = _status_for(order, lines)
        texts = order.texts
        values.append((code, store.pk, order.platform_order_no, *[texts.get(name, "") for name in HEADER_FIELDS],
                       order.goods_amount, order.discount, order.freight, order.paid_amount, order.order_time,
                       order.payment_time, order.platform_updated_at, status, reason,
                       mask_record(order.canonical()), order.digest))
        orders.append(_NewOrder(code, store, order, status))
        lines_of.append(lines)
    if ids is not None:
        order_rows.insert([order_rows.row(row, pk) for row, pk in zip(values, ids, strict=True)])
    else:
        order_rows.insert([order_rows.row(row) for row in values])
        by_code = {}
        for start in range(0, len(codes), LOOKUP_CHUNK):
            by_code.update(SalesOrder.objects.filter(code__in=codes[start:start + LOOKUP_CHUNK])
                           .values_list("code", "pk"))
        ids = [by_code[code] for code in codes]
    for saved, pk in zip(orders, ids, strict=True):
        saved.pk = pk
    line_rows = RowBuilder(SalesOrderLine, LINE_GIVEN, now=now)
    line_rows.insert([line_rows.row((pk, *line)) for pk, lines in zip(ids, lines_of, strict=True) for line in lines])
    received = _("接收订单（%(source)s）") % {"source": source_label(source)}
    history = RowBuilder(StateHistory, HISTORY_GIVEN, now=now, constants={
        "model": SalesOrder._meta.label_lower, "field": "status", "from_state": "",
        "user_id": user.pk if getattr(user, "pk", None) else None})
    history.insert([history.row((str(saved.pk), saved.status, row[-3] or received))
                    for saved, row in zip(orders, values, strict=True)])
    record_rows(user=user, model=SalesOrder, note=_("订单接收（%(source)s）") % {"source": source_label(source)},
                rows=[(AuditAction.CREATE, saved.pk, saved.code, None, order_rows.snapshot(row, saved.pk))
                      for saved, row in zip(orders, values, strict=True)])
    events.publish_new_orders(list(zip(orders, lines_of, strict=True)), product_codes, source)
    return orders


def _update(*, user, saved: SalesOrder, order: NormalisedOrder, source: str, stores: dict,
            products: dict) -> str:
    if order.digest == saved.payload_hash:
        return IngestOutcome.UNCHANGED
    stored_version = calculations.version_key(saved.platform_updated_at, saved.payload_hash)
    if not calculations.is_newer(order.version, stored_version):
        return IngestOutcome.STALE
    before = snapshot(saved)
    if not saved.is_open:
        # shipped (or cancelled): the order itself no longer changes; the platform facts are kept
        saved.platform_status = order.texts.get("platform_status", "")
        saved.refund_status = order.texts.get("refund_status", "")
        saved.platform_updated_at = order.platform_updated_at
        saved.payload = mask_record(order.canonical())
        saved.payload_hash = order.digest
        outcome = IngestOutcome.UPDATED
        if saved.status == OrderStatus.SHIPPED:
            saved.has_exception = True
            saved.exception_reason = (_("发货后平台订单有变更（平台状态：%(status)s，退款：%(refund)s）") % {
                "status": saved.platform_status or "-", "refund": saved.refund_status or "-"})[:300]
            outcome = IngestOutcome.EXCEPTION
        saved.save()
        record_change(user=user, action=AuditAction.UPDATE, instance=saved, before=before, after=snapshot(saved),
                      note=_("平台新版本（%(source)s）") % {"source": source_label(source)})
        return outcome
    was_paid = saved.payment_time is not None
    material_before = [getattr(saved, name) for name in MATERIAL_FIELDS]
    _fill(saved, order)
    material = material_before != [getattr(saved, name) for name in MATERIAL_FIELDS]
    new_lines = _lines(saved, order, products)
    old_lines = list(saved.lines.all())
    same = [(line.sku_code, line.title, line.quantity, line.unit_price, line.discount) for line in old_lines] == [
        (line.sku_code, line.title, line.quantity, line.unit_price, line.discount) for line in new_lines]
    if same:
        # the lines stay; one that was unmapped takes a product a mapping now gives it
        newly_mapped = [old for old, new in zip(old_lines, new_lines, strict=True)
                        if old.product_id is None and new.product_id]
        for old in newly_mapped:
            old.product_id = products[(saved.store_id, old.sku_code)]
        SalesOrderLine.objects.bulk_update(newly_mapped, ["product"])
        lines = old_lines
    else:
        saved.lines.all().delete()
        lines = SalesOrderLine.objects.bulk_create(new_lines)
    status, reason = _status_for(order, lines)
    if status == OrderStatus.RECEIVED and saved.status in KEPT_STATES and same and not material:
        status, reason = saved.status, saved.hold_reason  # a harmless change: the order stays where it is
    elif saved.status in KEPT_STATES and status != saved.status:
        withdraw_from_warehouse(user=user, order=saved, reason=_("平台订单有变更，重新审单"))
    saved.hold_reason = reason
    saved.save()
    if status != saved.status:
        move(user=user, obj=saved, to_state=status, transitions=TRANSITIONS, labels=LABELS,
             reason=reason or (_("平台状态：%(status)s") % {"status": saved.platform_status}))
    record_change(user=user, action=AuditAction.UPDATE, instance=saved, before=before, after=snapshot(saved),
                  note=_("平台新版本（%(source)s）") % {"source": source_label(source)})
    codes_by_id = _product_codes(lines)
    if status == OrderStatus.CANCELLED and before["status"] != OrderStatus.CANCELLED:
        events.publish_order(events.ORDER_CANCELLED, saved, lines, codes_by_id, reason=saved.platform_status)
    if saved.payment_time and not was_paid:
        events.publish_order(events.ORDER_PAID, saved, lines, codes_by_id)
    return IngestOutcome.UPDATED


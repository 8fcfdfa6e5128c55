"""Review (审单): configurable rules decide which received orders pass (reviewed) and which are held.

Rules run in priority order on a whole batch: the data every rule needs (blacklist, stock,
customers' open credit, store payment terms) is loaded once per batch. A matching hold rule adds
an OrderHold (rule, Chinese reason); a matching pass rule stops the evaluation (rules after it are
not tried, holds found before it stay). An order with a hold is held, otherwise reviewed. Staff
hold and release by hand with a reason (audited). preview_rules evaluates without writing.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecerp.core.audit import record_change, record_rows, snapshot
from ecerp.core.bulk import preparer, update_rows
from ecerp.core.crypto import lookup_hash, mask_phone
from ecerp.core.events import publish, publish_many
from ecerp.core.models import AuditAction
from ecerp.core.money import parse_decimal
from ecerp.core.states import move, move_rows
from ecerp.inventory.services import documents_with_reservations, release_reservation
from ecerp.masterdata.models import Partner, Product
from ecerp.sales import calculations
from ecerp.sales.errors import ReviewError, SalesConflict, SalesInvalid
from ecerp.sales.models import Blacklist, OrderHold, ReviewRule, SalesOrder, StoreSalesSetting
from ecerp.sales.services import allocation
from ecerp.sales.states import (
    LABELS,
    REVIEWABLE_STATES,
    TRANSITIONS,
    BlacklistKind,
    HoldKind,
    OrderStatus,
    PaymentTerms,
    RuleAction,
    RuleKind,
)

ORDER_REVIEWED = "OrderReviewed"
ORDER_HELD = "OrderHeld"
HOLDABLE_STATES = (OrderStatus.RECEIVED, OrderStatus.REVIEWED, OrderStatus.ALLOCATED, OrderStatus.HELD)


@dataclass
class ReviewResult:
    order_id: int
    order_code: str
    outcome: str  # reviewed | held | skipped
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"order_id": self.order_id, "order_code": self.order_code, "outcome": self.outcome,
                "reasons": self.reasons}


# --- rules ---------------------------------------------------------------------------------------------

def check_rule(*, kind: str, parameters: dict | None) -> dict:
    """Validate a rule's parameters for its kind; return them normalised. INVALID_RULE otherwise."""
    parameters = dict(parameters or {})
    if kind not in RuleKind.values:
        raise SalesInvalid(ReviewError.INVALID_RULE, _("未知的审单条件「%(kind)s」"), field="kind", kind=kind)
    if kind == RuleKind.AMOUNT_ABOVE:
        threshold = parse_decimal(parameters.get("threshold"), field="parameters.threshold")
        if threshold is None or threshold < 0:
            raise SalesInvalid(ReviewError.INVALID_RULE, _("「金额阈值」必须是不小于 0 的金额"),
                               field="parameters.threshold")
        parameters["threshold"] = str(threshold)
    return parameters


def save_review_rule(*, user, rule: ReviewRule | None = None, name: str, kind: str, parameters: dict | None = None,
                     action: str = RuleAction.HOLD, priority: int = 100, active: bool = True) -> ReviewRule:
    """Create or change a review rule (audited). INVALID_RULE for a bad kind, action, name or parameters."""
    name = (name or "").strip()
    if not name:
        raise SalesInvalid(ReviewError.INVALID_RULE, _("「名称」不能为空"), field="name")
    if action not in RuleAction.values:
        raise SalesInvalid(ReviewError.INVALID_RULE, _("未知的动作「%(action)s」"), field="action", action=action)
    parameters = check_rule(kind=kind, parameters=parameters)
    with transaction.atomic():
        before = snapshot(rule) if rule else None
        rule = rule or ReviewRule()
        rule.name, rule.kind, rule.parameters, rule.action = name[:100], kind, parameters, action
        rule.priority, rule.active = int(priority), bool(active)
        rule.save()
        record_change(user=user, action=AuditAction.UPDATE if before else AuditAction.CREATE, instance=rule,
                      before=before, after=snapshot(rule))
    return rule


def add_to_blacklist(*, user, kind: str, value: str, reason: str = "") -> Blacklist:
    """Blacklist a buyer nick or a phone (kept as a keyed hash and a mask). Adding twice is a no-op."""
    value = (value or "").strip()
    if kind not in BlacklistKind.values or not value:
        raise SalesInvalid(ReviewError.INVALID_BLACKLIST, _("黑名单需要类型（昵称或电话）和值"), field="value")
    shown = mask_phone(value) if kind == BlacklistKind.PHONE else value[:100]
    with transaction.atomic():
        entry, created = Blacklist.objects.get_or_create(kind=kind, value_hash=lookup_hash(value),
                                                         defaults={"shown": shown, "reason": reason[:200]})
        if created:
            record_change(user=user, action=AuditAction.CREATE, instance=entry, after=snapshot(entry))
    return entry


def remove_from_blacklist(*, user, entry: Blacklist) -> None:
    """Remove a blacklist entry (audited)."""
    with transaction.atomic():
        record_change(user=user, action=AuditAction.DELETE, instance=entry, before=snapshot(entry))
        entry.delete()


class BatchContext:
    """What the rules need about a batch of orders (ReviewOrder rows, see load_orders), loaded once."""

    def __init__(self, orders: list[ReviewOrder], rules: list[ReviewRule], stores: dict | None = None):
        kinds = {rule.kind for rule in rules}
        self.nicks: set[str] = set()
        self.phones: set[str] = set()
        if RuleKind.BLACKLISTED in kinds:
            for kind, digest in Blacklist.objects.values_list("kind", "value_hash"):
                (self.nicks if kind == BlacklistKind.NICK else self.phones).add(digest)
        self.stores = stores if stores is not None else allocation.store_rows({o.store_id for o in orders})
        self.shortage: dict[int, str] = {}
        if RuleKind.OUT_OF_STOCK in kinds:
            self._load_stock(orders)
        self.store_terms = dict(StoreSalesSetting.objects.filter(store_id__any=list({o.store_id for o in orders}))
                                .values_list("store_id", "payment_terms"))
        self.open_credit: dict[int, Decimal] = {}
        self.overdue: set[int] = set()
        if RuleKind.PAYMENT_TERMS in kinds:
            self._load_credit(orders)

    def _load_stock(self, orders):
        ids = [order.pk for order in orders]
        needs = allocation.needs_of(ids, {order.pk: order.line_rows for order in orders})
        candidates = allocation.candidates_of([(order.pk, order.store_id, order.warehouse_id) for order in orders],
                                              self.stores)
        products = {p for n in needs.values() for p in n}
        available = allocation.availability(products, {w.pk for ws in candidates.values() for w in ws})
        codes = dict(Product.objects.filter(pk__any=list(products)).values_list("pk", "code"))
        for order in orders:
            if needs[order.pk] and not allocation.full_warehouses(needs[order.pk], candidates[order.pk], available):
                self.shortage[order.pk] = allocation.shortage_reason(needs[order.pk], candidates[order.pk],
                                                                     available, codes)

    def _load_credit(self, orders):
        customers = {order.customer_id for order in orders if order.customer_id}
        if not customers:
            return
        unpaid = ExpressionWrapper(F("goods_amount") - F("discount") + F("freight") - F("paid_amount"),
                                   output_field=DecimalField(max_digits=14, decimal_places=2))
        credit = SalesOrder.objects.filter(customer_id__in=customers, payment_terms=PaymentTerms.CREDIT,
                                           status__in=(OrderStatus.REVIEWED, OrderStatus.ALLOCATED,
                                                       OrderStatus.SHIPPED))
        for customer_id, total in credit.values("customer_id").annotate(total=Sum(unpaid)).values_list(
                "customer_id", "total"):
            self.open_credit[customer_id] = Decimal(total or 0)
        now = timezone.now()
        checked = set()
        for order in orders:
            customer = order.customer
            if customer is None or customer.pk in checked:
                continue
            checked.add(customer.pk)
            due_before = now - datetime.timedelta(days=customer.payment_days)
            if credit.filter(customer_id=customer.pk, status=OrderStatus.SHIPPED, order_time__lt=due_before,
                             paid_amount__lt=F("goods_amount") - F("discount") + F("freight")).exists():
                self.overdue.add(customer.pk)

    def terms(self, order) -> str:
        return order.payment_terms or self.store_terms.get(order.store_id) or PaymentTerms.PREPAID


PAYMENT_REASONS = {
    "no_customer": gettext_lazy("账期订单没有客户"),
    "overdue": gettext_lazy("客户有逾期未付的账期订单"),
    "credit_exceeded": gettext_lazy("超出信用额度 %(limit)s（已用 %(used)s，本单 %(wanted)s）"),
    "deposit_unpaid": gettext_lazy("定金未付（定金 %(deposit)s，已付 %(paid)s）"),
    "balance_unpaid": gettext_lazy("尾款未付（尚欠 %(balance)s）"),
    "unpaid": gettext_lazy("款到发货订单未付清（应付 %(payable)s，已付 %(paid)s）"),
}


def payment_reason(order: ReviewOrder, context: BatchContext) -> str | None:
    """The Chinese reason the order's payment terms do not allow shipping yet, or None."""
    customer = order.customer
    shortfall = calculations.payment_shortfall(
        terms=context.terms(order), payable_amount=calculations.payable(order.goods_amount, order.discount,
                                                                        order.freight),
        paid=order.paid_amount, paid_at_set=order.payment_time is not None, deposit=order.deposit_amount,
        credit_limit=customer.credit_limit if customer else Decimal("0"),
        open_credit=context.open_credit.get(order.customer_id, Decimal("0")),
        overdue=order.customer_id in context.overdue, has_customer=customer is not None)
    if shortfall is None:
        return None
    code, numbers = shortfall
    return str(PAYMENT_REASONS[code]) % {name: str(value) for name, value in numbers.items()}


def evaluate_rule(rule: ReviewRule, order: ReviewOrder, context: BatchContext) -> str | None:
    """The Chinese reason rule matches order, or None when it does not."""
    kind, parameters = rule.kind, rule.parameters or {}
    if kind == RuleKind.REMARK_PRESENT:
        texts = [text for text in (order.buyer_remark.strip() and _("买家留言：%(text)s") % {
            "text": order.buyer_remark.strip()}, order.seller_memo.strip() and _("卖家备注：%(text)s") % {
            "text": order.seller_memo.strip()}) if text]
        return "；".join(texts)[:300] or None
    if kind == RuleKind.INCOMPLETE_ADDRESS:
        labels = {"consignee_name": _("收货人"), "consignee_phone": _("联系电话"), "province": _("省"),
                  "city": _("市"), "address": _("详细地址")}
        missing = [str(label) for name, label in labels.items() if not str(getattr(order, name) or "").strip()]
        return _("地址不完整：缺少%(fields)s") % {"fields": "、".join(missing)} if missing else None
    if kind == RuleKind.AMOUNT_ABOVE:
        threshold = Decimal(parameters.get("threshold", "0"))
        if order.paid_amount > threshold:
            return _("实付金额 %(amount)s 超过 %(threshold)s") % {"amount": order.paid_amount, "threshold": threshold}
        return None
    if kind == RuleKind.BLACKLISTED:
        if order.buyer_nick and lookup_hash(order.buyer_nick) in context.nicks:
            return _("买家「%(nick)s」在黑名单中") % {"nick": order.buyer_nick}
        if order.consignee_phone and lookup_hash(order.consignee_phone) in context.phones:
            return _("电话 %(phone)s 在黑名单中") % {"phone": mask_phone(order.consignee_phone)}
        return None
    if kind == RuleKind.UNMAPPED_SKU:
        codes = sorted({sku_code for product_id, _quantity, sku_code, _bundle in order.line_rows if not product_id})
        return _("商品未对应：%(codes)s") % {"codes": "、".join(codes[:10])} if codes else None
    if kind == RuleKind.PAYMENT_TERMS:
        return payment_reason(order, context)
    if kind == RuleKind.OUT_OF_STOCK:
        return context.shortage.get(order.pk)
    if kind == RuleKind.REFUND_REQUESTED:
        return _("有退款申请：%(status)s") % {"status": order.refund_status} if order.refund_status.strip() else None
    return None


def evaluate(order: ReviewOrder, rules: list[ReviewRule], context: BatchContext) -> list[tuple[ReviewRule, str]]:
    """(rule, reason) of every hold rule that holds the order, in priority order (see the module docstring)."""
    holds = []
    for rule in rules:
        reason = evaluate_rule(rule, order, context)
        if reason is None:
            continue
        if rule.action == RuleAction.PASS:
            break
        holds.append((rule, reason))
    return holds


# rule kinds that read an order's lines (the others need the order row only)
LINE_KINDS = {RuleKind.UNMAPPED_SKU, RuleKind.OUT_OF_STOCK}
# the order columns (SalesOrder attribute names) each rule kind reads, beyond BASE_COLUMNS
BASE_COLUMNS = ("id", "code", "status", "store_id", "hold_reason", "payment_terms")
RULE_COLUMNS = {
    RuleKind.REMARK_PRESENT: ("buyer_remark", "seller_memo"),
    RuleKind.INCOMPLETE_ADDRESS: ("consignee_name", "consignee_phone", "province", "city", "address"),
    RuleKind.AMOUNT_ABOVE: ("paid_amount",),
    RuleKind.BLACKLISTED: ("buyer_nick", "consignee_phone"),
    RuleKind.UNMAPPED_SKU: (),
    RuleKind.PAYMENT_TERMS: ("goods_amount", "discount", "freight", "paid_amount", "payment_time", "deposit_amount",
                             "customer_id"),
    RuleKind.OUT_OF_STOCK: ("warehouse_id",),
    RuleKind.REFUND_REQUESTED: ("refund_status",),
}


class ReviewOrder:
    """An order as review reads it: the columns its rules need (SalesOrder's attribute names), no model instance.

    Personal data columns (decrypted on load) are read only when a rule looks at them; line_rows are
    (product id, quantity, SKU code, is bundle) when a rule reads lines; customer (pk, credit_limit,
    payment_days) with the payment-terms rule.
    """

    __slots__ = ("id", "code", "status", "store_id", "hold_reason", "payment_terms", "buyer_remark", "seller_memo",
                 "consignee_name", "consignee_phone", "province", "city", "address", "paid_amount", "buyer_nick",
                 "goods_amount", "discount", "freight", "payment_time", "deposit_amount", "customer_id",
                 "warehouse_id", "refund_status", "line_rows", "customer")

    @property
    def pk(self) -> int:
        return self.id


class CustomerTerms(NamedTuple):
    pk: int
    credit_limit: Decimal
    payment_days: int


def load_orders(ids, rules: list[ReviewRule], *, lock: bool = False) -> list[ReviewOrder]:
    """The orders of ids (pk order) with the columns the rules read; lock=True locks them (pk order) as read."""
    kinds = {rule.kind for rule in rules}
    columns = list(dict.fromkeys(BASE_COLUMNS + tuple(c for kind in kinds for c in RULE_COLUMNS.get(kind, ()))))
    query = SalesOrder.objects.filter(pk__any=list(ids)).order_by("pk")
    if lock:
        query = query.select_for_update()
    orders = []
    for values in query.values_list(*columns):
        order = ReviewOrder()
        for name, value in zip(columns, values, strict=True):
            setattr(order, name, value)
        orders.append(order)
    if kinds & LINE_KINDS:  # with their products: a batch without line rules skips the query and its rows
        lines = allocation.order_lines([order.pk for order in orders])
        for order in orders:
            order.line_rows = lines.get(order.pk, [])
    if RuleKind.PAYMENT_TERMS in kinds:
        customers = {pk: CustomerTerms(pk, limit, days) for pk, limit, days in Partner.objects.filter(
            pk__any=list({order.customer_id for order in orders if order.customer_id})).values_list(
            "pk", "credit_limit", "payment_days")}
        for order in orders:
            order.customer = customers.get(order.customer_id)
    return orders


def preview_rules(*, orders=None, rule: ReviewRule | None = None, limit: int = 200) -> list[ReviewResult]:
    """Try the active rules (or one rule, active or not) on existing orders without changing anything.

    orders defaults to the newest received and held orders (up to limit). Returns what review would
    do with each order: reviewed or held with the reasons.
    """
    if orders is None:
        orders = SalesOrder.objects.filter(status__in=REVIEWABLE_STATES).order_by("-pk").values_list(
            "pk", flat=True)[:limit]
    rules = [rule] if rule is not None else list(ReviewRule.objects.filter(active=True).order_by("priority", "id"))
    loaded = load_orders(allocation.order_ids(orders), rules)
    context = BatchContext(loaded, rules)
    results = []
    for order in loaded:
        holds = evaluate(order, rules, context)
        results.append(ReviewResult(order.pk, order.code, "held" if holds else "reviewed",
                                    [reason for _rule, reason in holds]))
    return results


def review_orders(*, user, orders) -> list[ReviewResult]:
    """Review received (and held) orders with the active rules, in one transaction.

    Held orders are reviewed again: their rule holds are closed and the rules re-run; manual holds
    stay until released by hand. Orders held get OrderHold rows, status held and hold_reason (the
    reasons joined), and OrderHeld; the others move to reviewed with OrderReviewed. Orders in other
    states are skipped. A held order's reservation (if any) is released.
    """
    ids = allocation.order_ids(orders)
    rules = list(ReviewRule.objects.filter(active=True).order_by("priority", "id"))
    results = []
    with transaction.atomic():
        loaded = load_orders(ids, rules, lock=True)
        reviewable = [order for order in loaded if order.status in REVIEWABLE_STATES]
        reviewable_ids = [order.pk for order in reviewable]
        now = timezone.now()
        who = user if getattr(user, "pk", None) else None
        OrderHold.objects.filter(order_id__any=reviewable_ids, kind=HoldKind.RULE, active=True).update(
            active=False, released_at=now, released_by=who, release_reason=_("重新审单"))
        manual = defaultdict(list)
        for order_id, reason in OrderHold.objects.filter(order_id__any=reviewable_ids, active=True,
                                                         kind=HoldKind.MANUAL).values_list("order_id", "reason"):
            manual[order_id].append(reason)
        stores = allocation.store_rows({order.store_id for order in loaded})
        context = BatchContext(reviewable, rules, stores)
        new_holds, audit, events, held, passed, reasons_of = [], [], [], [], [], {}
        passed_text, skipped_text = _("审单通过"), _("订单状态为「%(status)s」，不能审单")
        reviewable_set = set(reviewable_ids)
        for order in loaded:
            pk, code = order.id, order.code
            if pk not in reviewable_set:
                results.append(ReviewResult(pk, code, "skipped", [skipped_text % {"status": LABELS[order.status]}]))
                continue
            holds = evaluate(order, rules, context) if rules else []
            reasons = manual[pk] + [reason for _rule, reason in holds] if pk in manual or holds else []
            for rule, reason in holds:
                new_holds.append(OrderHold(order_id=pk, kind=HoldKind.RULE, rule=rule, reason=reason[:300],
                                           created_by=who))
            hold_reason = "；".join(reasons)[:300]
            reasons_of[pk] = hold_reason or passed_text
            payload = {"order_id": pk, "order_code": code, "store": stores[order.store_id][0],
                       "terms": context.terms(order)}
            to_state = OrderStatus.HELD if reasons else OrderStatus.REVIEWED
            before, after = {"status": order.status}, {"status": to_state.value}
            if hold_reason != order.hold_reason:
                before["hold_reason"], after["hold_reason"] = order.hold_reason, hold_reason
            audit.append((AuditAction.TRANSITION, pk, code, before, after))
            if reasons:
                held.append((pk, order.status, hold_reason))
                events.append((ORDER_HELD, {**payload, "reasons": reasons,
                                            "rules": [rule.name for rule, _text in holds]}))
                results.append(ReviewResult(pk, code, "held", reasons))
            else:
                passed.append((pk, order.status))
                events.append((ORDER_REVIEWED, payload))
                results.append(ReviewResult(pk, code, "reviewed"))
        stamp = preparer(SalesOrder._meta.get_field("updated_at"))(now)
        update_rows(SalesOrder, ["hold_reason = %s", "updated_at = %s"], ["id = %s"],
                    [(hold_reason, stamp, pk) for pk, _status, hold_reason in held])
        # held orders staying held get no history row (same state); their reasons are in the holds and audit
        move_rows(user=user, model=SalesOrder, rows=[(pk, status) for pk, status, _reason in held],
                  to_state=OrderStatus.HELD, transitions=TRANSITIONS, labels=LABELS, reason=reasons_of)
        # every passed order changes state (received or held to reviewed): one UPDATE clears hold_reason too
        move_rows(user=user, model=SalesOrder, rows=passed, to_state=OrderStatus.REVIEWED, transitions=TRANSITIONS,
                  labels=LABELS, reason=reasons_of, extra={"hold_reason": "", "updated_at": now})
        for reference_id in sorted(documents_with_reservations(allocation.RESERVATION_TYPE,
                                                               [pk for pk, _status, _reason in held]), key=int):
            release_reservation(user=user, reference_type=allocation.RESERVATION_TYPE, reference_id=reference_id)
        if new_holds:
            OrderHold.objects.bulk_create(new_holds)
        record_rows(user=user, model=SalesOrder, rows=audit, note=_("审单"))
        publish_many(events)
    return results


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise SalesInvalid(ReviewError.REASON_REQUIRED, _("请填写原因"), field="reason")
    return reason[:300]


def hold_order(*, user, order: SalesOrder, reason: str) -> SalesOrder:
    """Hold an order by hand (reason required, audited); an allocated order's reservation is released.

    Raises REASON_REQUIRED without a reason, ORDER_NOT_REVIEWABLE (409) for an order that is not
    received, reviewed, allocated or held. Holding a held order adds the manual reason.
    """
    reason = _reason(reason)
    with transaction.atomic():
        order = SalesOrder.objects.select_for_update().get(pk=order.pk)
        if order.status not in HOLDABLE_STATES:
            raise SalesConflict(ReviewError.ORDER_NOT_REVIEWABLE, _("订单「%(code)s」状态为「%(status)s」，不能挂起"),
                                field="status", code=order.code, status=LABELS[order.status])
        before = snapshot(order)
        allocation.deallocate_order(user=user, order=order)
        OrderHold.objects.create(order=order, kind=HoldKind.MANUAL, reason=reason,
                                 created_by=user if getattr(user, "pk", None) else None)
        order.hold_reason = "；".join(filter(None, [reason, order.hold_reason]))[:300]
        order.save(update_fields=["hold_reason", "updated_at"])
        move(user=user, obj=order, to_state=OrderStatus.HELD, transitions=TRANSITIONS, labels=LABELS,
             reason=_("手工挂起：%(reason)s") % {"reason": reason})
        record_change(user=user, action=AuditAction.TRANSITION, instance=order, before=before, after=snapshot(order),
                      note=_("手工挂起：%(reason)s") % {"reason": reason})
        publish(ORDER_HELD, {"order_id": order.pk, "order_code": order.code, "store": order.store.code,
                             "reasons": [reason], "rules": [], "manual": True})
    return order


def release_order(*, user, order: SalesOrder, reason: str) -> SalesOrder:
    """Release a held order by hand: every active hold closes and the order moves to reviewed (audited).

    Raises REASON_REQUIRED without a reason, ORDER_NOT_HELD (409) when the order is not held.
    """
    reason = _reason(reason)
    with transaction.atomic():
        order = SalesOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != OrderStatus.HELD:
            raise SalesConflict(ReviewError.ORDER_NOT_HELD, _("订单「%(code)s」未挂起"), field="status",
                                code=order.code)
        before = snapshot(order)
        OrderHold.objects.filter(order=order, active=True).update(
            active=False, released_at=timezone.now(), released_by=user if getattr(user, "pk", None) else None,
            release_reason=reason)
        order.hold_reason = ""
        order.save(update_fields=["hold_reason", "updated_at"])
        move(user=user, obj=order, to_state=OrderStatus.REVIEWED, transitions=TRANSITIONS, labels=LABELS,
             reason=_("手工放行：%(reason)s") % {"reason": reason})
        record_change(user=user, action=AuditAction.TRANSITION, instance=order, before=before, after=snapshot(order),
                      note=_("手工放行：%(reason)s") % {"reason": reason})
        publish(ORDER_REVIEWED, {"order_id": order.pk, "order_code": order.code, "store": order.store.code,
                                 "manual": True, "reason": reason})
    return order


def set_store_payment_terms(*, user, store, payment_terms: str) -> StoreSalesSetting:
    """Set the default payment terms of a store's orders (INVALID_RULE for unknown terms). Audited."""
    if payment_terms not in PaymentTerms.values:
        raise SalesInvalid(ReviewError.INVALID_RULE, _("未知的付款条件「%(terms)s」"), field="payment_terms",
                           terms=payment_terms)
    with transaction.atomic():
        setting, _created = StoreSalesSetting.objects.select_for_update().get_or_create(store=store)
        before = snapshot(setting)
        setting.payment_terms = payment_terms
        setting.save()
        record_change(user=user, action=AuditAction.UPDATE, instance=setting, before=before, after=snapshot(setting))
    return setting


def set_order_payment_terms(*, user, order: SalesOrder, payment_terms: str = "", customer=None,
                            deposit_amount: Decimal | None = None) -> SalesOrder:
    """Set an order's payment terms ("" = the store's default), customer and deposit before it ships.

    Raises INVALID_RULE for unknown terms or a negative deposit, ORDER_NOT_REVIEWABLE (409) once the
    order has shipped or ended. Audited; review again to apply the terms.
    """
    if payment_terms and payment_terms not in PaymentTerms.values:
        raise SalesInvalid(ReviewError.INVALID_RULE, _("未知的付款条件「%(terms)s」"), field="payment_terms",
                           terms=payment_terms)
    if deposit_amount is not None and deposit_amount < 0:
        raise SalesInvalid(ReviewError.INVALID_RULE, _("「定金」不能为负数"), field="deposit_amount")
    with transaction.atomic():
        order = SalesOrder.objects.select_for_update().get(pk=order.pk)
        if not order.is_open:
            raise SalesConflict(ReviewError.ORDER_NOT_REVIEWABLE, _("订单「%(code)s」状态为「%(status)s」，不能修改"),
                                field="status", code=order.code, status=LABELS[order.status])
        before = snapshot(order)
        order.payment_terms = payment_terms
        order.customer = customer
        if deposit_amount is not None:
            order.deposit_amount = calculations.cents(deposit_amount)
        order.save(update_fields=["payment_terms", "customer", "deposit_amount", "updated_at"])
        record_change(user=user, action=AuditAction.UPDATE, instance=order, before=before, after=snapshot(order),
                      note=_("付款条件"))
    return order

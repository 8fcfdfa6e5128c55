"""Open a case (idempotent by platform refund id), approve, reject or cancel it.

A refund-only case on an order that has not shipped is approved by cancelling the order through
sales (which releases its reservation) and cancelling its unshipped parcel, if any, first; a case
on part of the order (some lines, or some units of a line) removes just those units through
sales.cancel_order_lines, which releases their stock and keeps the rest of the order shippable.
Stock moves on approval, never on request: a request may still be rejected or withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ecerp.aftersales.codes import next_case_code
from ecerp.aftersales.errors import AftersalesConflict, AftersalesError, AftersalesInvalid
from ecerp.aftersales.models import AfterSalesCase, AfterSalesLine
from ecerp.aftersales.services.common import (
    check_move,
    locked_case,
    locked_order,
    move_case,
    order_parcel,
    pending_refunds,
    refund_total,
    return_totals,
)
from ecerp.aftersales.states import LABELS, RETURN_TYPES, TYPE_LABELS, CaseStatus, CaseType
from ecerp.core.audit import record_change, snapshot
from ecerp.core.errors import DomainError, ErrorDetail
from ecerp.core.models import AuditAction, StateHistory
from ecerp.core.money import round_money
from ecerp.inventory.services import cancel_shipment
from ecerp.inventory.states import OPEN_SHIPMENT_STATES, ShipmentStatus
from ecerp.masterdata.models import Product
from ecerp.sales.models import SalesOrder
from ecerp.sales.services import cancel_order, cancel_order_lines
from ecerp.sales.states import OPEN_STATES as ORDER_OPEN_STATES
from ecerp.sales.states import OrderStatus


@dataclass
class CaseLineInput:
    """One line of a new case: the order line (by its number), units, refund (None: pro rata), replacement."""

    line_no: int
    quantity: int
    refund_amount: Decimal | str | None = None
    replacement_product: Product | None = None


def _field(index: int, name: str) -> str:
    return f"lines.{index + 1}.{name}"


def _amount(value, field: str) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount != round_money(amount):
        raise AftersalesInvalid(AftersalesError.INVALID_AMOUNT, _("金额无效：%(value)s"), field=field, value=value)
    return amount


def _check_lines(order: SalesOrder, case_type: str, lines: list[CaseLineInput]) -> list[tuple]:
    """[(order line, quantity, refund, replacement)] or one error naming every bad line field."""
    by_no = {line.line_no: line for line in order.lines.select_related("product")}
    returned = return_totals(list(by_no.values())) if case_type in RETURN_TYPES else {}
    details, checked, seen = [], [], set()
    for index, item in enumerate(lines):
        line = by_no.get(item.line_no)
        if line is None:
            details.append(ErrorDetail(AftersalesError.UNKNOWN_LINE, _("订单没有第 %(no)s 行") % {"no": item.line_no},
                                       _field(index, "line_no")))
            continue
        if line.pk in seen:
            details.append(ErrorDetail(AftersalesError.DUPLICATE_LINE, _("第 %(no)s 行重复") % {"no": item.line_no},
                                       _field(index, "line_no")))
            continue
        seen.add(line.pk)
        quantity = item.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= line.quantity:
            details.append(ErrorDetail(AftersalesError.INVALID_QUANTITY, _(
                "第 %(no)s 行数量应为 1 到 %(max)s 的整数：%(value)s") % {"no": line.line_no, "max": line.quantity,
                                                                   "value": quantity}, _field(index, "quantity")))
            continue
        if case_type in RETURN_TYPES:
            if line.product_id is None:
                details.append(ErrorDetail(AftersalesError.UNMAPPED_LINE, _("第 %(no)s 行没有对应商品，不能退换货")
                                           % {"no": line.line_no}, _field(index, "line_no")))
                continue
            total = returned[line.pk]
            left = total.shipped_quantity - total.returned_quantity
            if quantity > left:
                details.append(ErrorDetail(AftersalesError.OVER_RETURN, _(
                    "第 %(no)s 行最多还能退 %(left)s 件（发货 %(shipped)s，已退 %(returned)s）") % {
                    "no": line.line_no, "left": left, "shipped": total.shipped_quantity,
                    "returned": total.returned_quantity}, _field(index, "quantity")))
                continue
        if case_type == CaseType.EXCHANGE:
            refund = Decimal("0.00")
        elif item.refund_amount in (None, ""):
            refund = round_money(line.amount * quantity / line.quantity)
        else:
            try:
                refund = _amount(item.refund_amount, _field(index, "refund_amount"))
            except DomainError as error:
                details.extend(error.details)
                continue
            if refund > line.amount:
                details.append(ErrorDetail(AftersalesError.OVER_REFUND, _(
                    "第 %(no)s 行退款 %(refund)s 超过该行金额 %(amount)s") % {"no": line.line_no, "refund": refund,
                                                                  "amount": line.amount},
                    _field(index, "refund_amount")))
                continue
        replacement = item.replacement_product if case_type == CaseType.EXCHANGE else None
        checked.append((line, quantity, refund, replacement))
    if details:
        raise AftersalesInvalid.many(details)
    return checked


def _check_order(order: SalesOrder, case_type: str, checked: list[tuple]) -> bool:
    """Whether the case comes before shipment; raises when the order's state does not allow the type."""
    shipped = order.status == OrderStatus.SHIPPED
    if case_type == CaseType.REFUND_ONLY:
        if not shipped and order.status not in ORDER_OPEN_STATES:
            raise AftersalesConflict(AftersalesError.ORDER_NOT_REFUNDABLE,
                                     _("订单「%(code)s」状态为「%(status)s」，不能退款"), field="order",
                                     code=order.code, status=order.get_status_display())
        return not shipped
    if not shipped:
        raise AftersalesConflict(AftersalesError.ORDER_NOT_SHIPPED, _("订单「%(code)s」尚未发货，不能%(type)s"),
                                 field="order", code=order.code, type=TYPE_LABELS[case_type])
    if case_type == CaseType.INTERCEPT:
        parcel = order_parcel(order)
        if parcel is None or parcel.status != ShipmentStatus.SHIPPED:
            raise AftersalesConflict(AftersalesError.NO_SHIPMENT, _("订单「%(code)s」没有运输中的包裹，不能拦截"),
                                     field="order", code=order.code)
    return False


def _existing(order: SalesOrder, platform_refund_id: str, case_type: str) -> AfterSalesCase | None:
    case = AfterSalesCase.objects.filter(store_id=order.store_id, platform_refund_id=platform_refund_id).first()
    if case is not None and (case.order_id != order.pk or case.type != case_type):
        raise AftersalesConflict(AftersalesError.REFUND_ID_TAKEN, _(
            "平台退款单号「%(refund_id)s」已用于售后单「%(code)s」"), field="platform_refund_id",
            refund_id=platform_refund_id, code=case.code)
    return case


def create_case(*, user, order: SalesOrder, type: str, lines: list[CaseLineInput] | None = None,  # noqa: A002
                refund_amount=None, reason: str = "", platform_refund_id: str = "") -> AfterSalesCase:
    """Open an after-sales case on an order (status requested); the same platform refund id returns the same case.

    Rules: type is refund_only, return_refund, exchange or intercept (UNKNOWN_TYPE); lines name
    order lines with 1..ordered units (UNKNOWN_LINE, DUPLICATE_LINE, INVALID_QUANTITY; an intercept
    without lines takes the whole order); returns and exchanges need a shipped order
    (ORDER_NOT_SHIPPED) and at most shipped minus returned units (OVER_RETURN); an intercept needs a
    parcel in transit (NO_SHIPMENT); a refund-only case before shipment may cover the whole order
    or part of it (approval cancels the order or removes just those units). The refund (default:
    the lines' refunds, pro rata to their amount)
    cannot exceed paid minus refunded minus the open cases' requests (OVER_REFUND, field
    refund_amount). A platform refund id used by another order or type is REFUND_ID_TAKEN (409).
    Audited, with a state history row.
    """
    if type not in CaseType.values:
        raise AftersalesInvalid(AftersalesError.UNKNOWN_TYPE, _("售后类型无效：%(value)s"), field="type", value=type)
    platform_refund_id = (platform_refund_id or "").strip()[:64]
    reason = (reason or "").strip()[:300]
    with transaction.atomic():
        order = locked_order(order.pk)
        if platform_refund_id:
            existing = _existing(order, platform_refund_id, type)
            if existing is not None:
                return existing
        if not lines and type == CaseType.INTERCEPT:
            lines = [CaseLineInput(line.line_no, line.quantity) for line in order.lines.all()]
        if not lines:
            raise AftersalesInvalid(AftersalesError.NO_LINES, _("请选择售后商品"), field="lines")
        checked = _check_lines(order, type, lines)
        before_shipment = _check_order(order, type, checked)
        amount = (sum((refund for _line, _quantity, refund, _replacement in checked), Decimal("0"))
                  if refund_amount in (None, "") else _amount(refund_amount, "refund_amount"))
        if type == CaseType.EXCHANGE and amount:
            raise AftersalesInvalid(AftersalesError.INVALID_AMOUNT, _("换货不退款"), field="refund_amount")
        _check_refundable(order, amount)
        try:
            with transaction.atomic():
                case = AfterSalesCase.objects.create(
                    code=next_case_code(), type=type, order=order, store=order.store,
                    platform_refund_id=platform_refund_id, reason=reason, refund_amount=amount,
                    before_shipment=before_shipment, shipment=order_parcel(order) if not before_shipment else None,
                    created_by=user if getattr(user, "pk", None) else None)
        except IntegrityError:  # a concurrent delivery of the same platform refund created it first
            existing = _existing(order, platform_refund_id, type) if platform_refund_id else None
            if existing is None:
                raise
            return existing
        AfterSalesLine.objects.bulk_create([
            AfterSalesLine(case=case, order_line=line, quantity=quantity, refund_amount=refund,
                           replacement_product=replacement)
            for line, quantity, refund, replacement in checked])
        StateHistory.objects.create(model=case._meta.label_lower, object_id=str(case.pk), field="status",
                                    from_state="", to_state=case.status,
                                    user=user if getattr(user, "pk", None) else None, reason=reason)
        record_change(user=user, action=AuditAction.CREATE, instance=case, after=snapshot(case))
    return case


def _check_refundable(order: SalesOrder, amount: Decimal, exclude_case_id: int | None = None) -> None:
    total = refund_total(order)
    pending = pending_refunds(order, exclude_case_id)
    available = total.paid_amount - total.refunded_amount - pending
    if amount > available:
        raise AftersalesInvalid(AftersalesError.OVER_REFUND, _(
            "退款金额 %(amount)s 超过可退金额 %(available)s（实付 %(paid)s，已退 %(refunded)s，处理中 %(pending)s）"),
            field="refund_amount", amount=amount, available=max(available, Decimal("0")),
            paid=total.paid_amount, refunded=total.refunded_amount, pending=pending)


def _cancel_unshipped_order(user, case: AfterSalesCase) -> None:
    """Refund before shipment: cancel the unshipped parcel (if any) and the order, releasing its reservation.

    A case on part of the order removes only its units (sales.cancel_order_lines: their stock is
    released, the rest stays reserved); the order's paid amount drops by the case's refund.
    """
    order = locked_order(case.order_id)
    if order.status == OrderStatus.SHIPPED:
        raise AftersalesConflict(AftersalesError.ORDER_NOT_REFUNDABLE, _(
            "订单「%(code)s」已发货，请改为拦截或退货退款"), field="order", code=order.code)
    wanted = [(line.order_line.line_no, line.quantity, line.order_line.order_id)
              for line in case.lines.select_related("order_line").order_by("order_line__line_no")]
    units = {line.line_no: line.quantity for line in order.lines.all()}
    whole = len(wanted) == len(units) and all(units.get(line_no) == quantity for line_no, quantity, _o in wanted)
    if not whole and order.status != OrderStatus.CANCELLED:
        if any(order_id != order.pk for _n, _q, order_id in wanted):
            raise AftersalesConflict(AftersalesError.ORDER_NOT_REFUNDABLE, _(
                "售后单的商品已从订单「%(code)s」取消"), field="lines", code=order.code)
        cancel_order_lines(user=user, order=order, lines=[(line_no, quantity) for line_no, quantity, _o in wanted],
                           reason=_("售后单 %(code)s 仅退款") % {"code": case.code},
                           refund_amount=case.refund_amount)
        return
    parcel = order_parcel(order)
    if parcel is not None and parcel.status in OPEN_SHIPMENT_STATES:
        cancel_shipment(user=user, shipment=parcel, reason=_("售后单 %(code)s 仅退款") % {"code": case.code})
    cancel_order(user=user, order=order, reason=_("售后单 %(code)s 仅退款") % {"code": case.code})


def approve_case(*, user, case: AfterSalesCase, note: str = "") -> AfterSalesCase:
    """Agree to a refund-only, return or exchange case: requested -> approved. Approving twice is a no-op.

    A refund-only case before shipment cancels the order (sales.cancel_order releases its stock)
    and its unshipped parcel in the same transaction, or, when it covers part of the order, removes
    those units (sales.cancel_order_lines: OrderLinesCancelled, their stock released, the rest still
    allocated); ORDER_NOT_REFUNDABLE (409) if the order shipped meanwhile or the units were already
    cancelled; sales' ORDER_NOT_OPEN / INVALID_QUANTITY when the order no longer holds them. An
    intercept is not approved but intercepted (INVALID_TRANSITION).
    """
    with transaction.atomic():
        case = locked_case(case)
        if case.status == CaseStatus.APPROVED:
            return case
        check_move(case, CaseStatus.APPROVED)
        before = snapshot(case)
        if case.type == CaseType.REFUND_ONLY and case.before_shipment:
            _cancel_unshipped_order(user, case)
        case.note = (note or "").strip()[:300]
        case.save(update_fields=["note", "updated_at"])
        move_case(user, case, CaseStatus.APPROVED, note or _("同意"))
        record_change(user=user, action=AuditAction.TRANSITION, instance=case, before=before, after=snapshot(case))
    return case


def _close(user, case: AfterSalesCase, to_state: str, reason: str) -> AfterSalesCase:
    reason = (reason or "").strip()
    if not reason:
        raise AftersalesInvalid(AftersalesError.REASON_REQUIRED, _("请填写原因"), field="reason")
    with transaction.atomic():
        case = locked_case(case)
        if case.status == to_state:
            return case
        check_move(case, to_state)
        before = snapshot(case)
        case.note = reason[:300]
        case.save(update_fields=["note", "updated_at"])
        move_case(user, case, to_state, reason)
        record_change(user=user, action=AuditAction.TRANSITION, instance=case, before=before, after=snapshot(case),
                      note=reason[:300])
    return case


def reject_case(*, user, case: AfterSalesCase, reason: str) -> AfterSalesCase:
    """Refuse a requested case (reason required: REASON_REQUIRED); INVALID_TRANSITION once approved."""
    return _close(user, case, CaseStatus.REJECTED, reason)


def cancel_case(*, user, case: AfterSalesCase, reason: str) -> AfterSalesCase:
    """Withdraw a case before goods or money moved (the buyer cancelled it); reason required."""
    return _close(user, case, CaseStatus.CANCELLED, reason)


__all__ = ["CaseLineInput", "LABELS", "approve_case", "cancel_case", "create_case", "reject_case"]

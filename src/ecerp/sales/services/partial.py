"""Cancel part of an unshipped order (部分退款 before shipment): some units of some lines leave the order.

The order keeps its other units and can still ship. What leaves is not deleted: the removed units
move to a new order in state cancelled, linked by split_from to the order they came from (source
partial_cancel), so the lines of an after-sales case keep pointing at real order lines, the parent
plus its cancelled parts always add up to what the platform sent, and the order's page links to
them. A line that loses every unit moves there whole (the line model forbids quantity 0); a line
that loses some units keeps the rest, and a copy of the line with the removed units goes there.

Amounts: a removed unit takes its share of the line (gross at the unit price, discount pro rata,
to the cent; the last units take what is left), the order's goods amount and discount drop by the
same, and its paid amount by the refund (default: the removed amount, never below zero). Freight
stays with the order.

An allocated order is taken back from the warehouse (its open parcel cancelled, its reservation
released) and what is left is reserved again in the same warehouse in the same transaction; if
that fails the order goes back to reviewed with a stock hold, as allocation leaves an order it
cannot serve.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.errors import DomainError, ErrorDetail
from ecerp.core.models import AuditAction, StateHistory
from ecerp.core.services import next_codes
from ecerp.core.states import move
from ecerp.inventory.services import ReserveLine, reserve_stock
from ecerp.masterdata.models import Product
from ecerp.sales import calculations, events
from ecerp.sales.errors import SalesConflict, SalesError, SalesInvalid
from ecerp.sales.models import OrderHold, SalesOrder, SalesOrderLine
from ecerp.sales.services import allocation
from ecerp.sales.services.orders import cancel_order
from ecerp.sales.states import LABELS, OPEN_STATES, TRANSITIONS, HoldKind, OrderStatus

PARTIAL_SOURCE = "partial_cancel"


@dataclass
class RemovedPart:
    """The units taken from one line and their share of its amounts."""

    line: SalesOrderLine
    quantity: int
    gross: Decimal
    discount: Decimal
    amount: Decimal


def removed_share(*, quantity: int, unit_price: Decimal, discount: Decimal, remove: int) -> tuple[Decimal, ...]:
    """(gross, discount, amount) of remove units out of a line of quantity units, to the cent.

    The gross is what the line's gross loses (gross of all minus gross of what stays), the
    discount its pro rata part; removing every unit takes the whole line.
    """
    gross = calculations.line_gross(quantity, unit_price) - calculations.line_gross(quantity - remove, unit_price)
    share = discount if remove == quantity else calculations.cents(discount * remove / quantity)
    return gross, share, gross - share


def _check(order: SalesOrder, lines) -> list[RemovedPart]:
    """The parts to remove, or one error naming every bad entry (lines.<n>.line_no / lines.<n>.quantity)."""
    if not lines:
        raise SalesInvalid(SalesError.NO_LINES, _("请选择要取消的明细"), field="lines")
    by_no = {line.line_no: line for line in order.lines.select_related("product")}
    details, parts, seen = [], [], set()
    for index, entry in enumerate(lines):
        field = f"lines.{index + 1}"
        try:
            line_no, quantity = entry
        except (TypeError, ValueError):
            details.append(ErrorDetail(SalesError.INVALID_RECORD, _("应为（行号，数量）"), field))
            continue
        line = by_no.get(line_no) if isinstance(line_no, int) and not isinstance(line_no, bool) else None
        if line is None:
            details.append(ErrorDetail(SalesError.UNKNOWN_LINE, _("订单没有第 %(no)s 行") % {"no": line_no},
                                       f"{field}.line_no"))
            continue
        if line_no in seen:
            details.append(ErrorDetail(SalesError.UNKNOWN_LINE, _("第 %(no)s 行重复") % {"no": line_no},
                                       f"{field}.line_no"))
            continue
        seen.add(line_no)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= line.quantity:
            details.append(ErrorDetail(SalesError.INVALID_QUANTITY, _(
                "第 %(no)s 行数量应为 1 到 %(max)s 的整数：%(value)s") % {"no": line_no, "max": line.quantity,
                                                                   "value": quantity}, f"{field}.quantity"))
            continue
        gross, discount, amount = removed_share(quantity=line.quantity, unit_price=line.unit_price,
                                                discount=line.discount, remove=quantity)
        parts.append(RemovedPart(line, quantity, gross, discount, amount))
    if details:
        raise SalesInvalid.many(details)
    return parts


def _line_state(order: SalesOrder) -> str:
    """The order's lines as the audit row keeps them (one readable text: line no: SKU x units (amount))."""
    return "; ".join(f"{line.line_no}: {line.sku_code} x {line.quantity} ({line.amount})"
                     for line in order.lines.order_by("line_no"))


def _cancelled_part(user, order: SalesOrder, parts: list[RemovedPart], paid: Decimal, reason: str) -> SalesOrder:
    """A new order in state cancelled holding the removed units (see the module docstring)."""
    number = SalesOrder.objects.filter(split_from=order).count() + 1
    [code] = next_codes(target="sales_order", count=1)
    child = SalesOrder(
        code=code, store=order.store, platform_order_no=f"{order.platform_order_no}-C{number}"[-64:],
        source=PARTIAL_SOURCE, split_from=order, status=OrderStatus.CANCELLED, warehouse=order.warehouse,
        payload={"cancelled_from": order.code, "reason": reason},
        payload_hash=hashlib.sha256(f"{order.code}-C{number}".encode()).hexdigest(),
        goods_amount=sum((part.gross for part in parts), Decimal("0.00")),
        discount=sum((part.discount for part in parts), Decimal("0.00")), freight=Decimal("0.00"),
        paid_amount=paid,
        **{name: getattr(order, name) for name in (
            "buyer_nick", "consignee_name", "consignee_phone", "province", "city", "district", "address",
            "order_time", "payment_time", "platform_status", "refund_status", "payment_terms", "customer_id")})
    child.save()
    for part in parts:
        line = part.line
        if part.quantity == line.quantity:
            SalesOrderLine.objects.filter(pk=line.pk).update(order=child)
        else:
            SalesOrderLine.objects.create(order=child, line_no=line.line_no, sku_code=line.sku_code,
                                          title=line.title, quantity=part.quantity, unit_price=line.unit_price,
                                          discount=part.discount, amount=part.amount, product_id=line.product_id)
            SalesOrderLine.objects.filter(pk=line.pk).update(
                quantity=line.quantity - part.quantity, discount=line.discount - part.discount,
                amount=line.amount - part.amount)
    StateHistory.objects.create(model="sales.salesorder", object_id=str(child.pk), field="status", from_state="",
                                to_state=child.status, user=user if getattr(user, "pk", None) else None,
                                reason=(_("从 %(code)s 取消的明细：%(reason)s") % {"code": order.code,
                                                                          "reason": reason})[:300])
    record_change(user=user, action=AuditAction.CREATE, instance=child, after=snapshot(child),
                  note=(_("从 %(code)s 取消的明细") % {"code": order.code})[:300])
    return child


def _reallocate(user, order: SalesOrder, warehouse, reason: str) -> bool:
    """Reserve what is left of an allocated order in its warehouse again; False (and a stock hold) when short."""
    order = SalesOrder.objects.prefetch_related("lines__product").get(pk=order.pk)
    needs = allocation.order_needs([order])[order.pk]
    products = Product.objects.in_bulk(list(needs))
    try:
        with transaction.atomic():
            reserve_stock(user=user, reference_type=allocation.RESERVATION_TYPE, reference_id=order.pk,
                          reference_code=order.code,
                          lines=[ReserveLine(products[product_id], warehouse, units)
                                 for product_id, units in sorted(needs.items()) if units > 0])
        return True
    except DomainError as error:
        hold = (_("缺货：%(reason)s") % {"reason": error.details[0].message})[:300]
        OrderHold.objects.create(order=order, kind=HoldKind.STOCK, reason=hold,
                                 created_by=user if getattr(user, "pk", None) else None)
        SalesOrder.objects.filter(pk=order.pk).update(hold_reason=hold, updated_at=timezone.now())
        order.refresh_from_db()
        move(user=user, obj=order, to_state=OrderStatus.REVIEWED, transitions=TRANSITIONS, labels=LABELS,
             reason=(_("部分取消后重新占用库存失败：%(reason)s") % {"reason": reason})[:300])
        return False


def cancel_order_lines(*, user, order: SalesOrder, lines: list[tuple[int, int]], reason: str,
                       refund_amount: Decimal | None = None) -> SalesOrder:
    """Remove units of an open, unshipped order: lines are (line_no, quantity to remove); OrderLinesCancelled.

    Removing every unit of every line cancels the order through cancel_order (OrderCancelled).
    Otherwise the removed units move to a cancelled part order (module docstring), the order's
    goods amount, discount and paid amount drop (paid by refund_amount, default the removed
    amount), an allocated order's reservation is renewed for what is left in the same warehouse
    (its open parcel cancelled; a shortage leaves it reviewed with a stock hold), and a state
    history row (same state) and an audit row record the lines before and after.
    Raises ORDER_NOT_OPEN (409) unless the order is open; NO_LINES, UNKNOWN_LINE (lines.<n>.line_no,
    also for a repeated line), INVALID_QUANTITY (lines.<n>.quantity: 1..the line's units) and
    INVALID_AMOUNT (refund_amount) (400).
    """
    reason = (reason or "").strip()[:300] or _("部分取消")
    with transaction.atomic():
        order = SalesOrder.objects.select_for_update(of=("self",)).select_related("store", "warehouse").get(
            pk=order.pk)
        if order.status not in OPEN_STATES:
            raise SalesConflict(SalesError.ORDER_NOT_OPEN, _("订单「%(code)s」状态为「%(status)s」，不能取消明细"),
                                field="status", code=order.code, status=LABELS[order.status])
        parts = _check(order, lines)
        removed_units = {part.line.pk: part.quantity for part in parts}
        if all(removed_units.get(line.pk) == line.quantity for line in order.lines.all()):
            return cancel_order(user=user, order=order, reason=reason)
        removed_amount = sum((part.amount for part in parts), Decimal("0.00"))
        paid = removed_amount if refund_amount in (None, "") else refund_amount
        if not isinstance(paid, Decimal) or not paid.is_finite() or paid < 0 or paid != calculations.cents(paid):
            raise SalesInvalid(SalesError.INVALID_AMOUNT, _("金额无效：%(value)s"), field="refund_amount",
                               value=paid)
        paid = min(paid, order.paid_amount)
        before = {**snapshot(order), "order_lines": _line_state(order)}
        warehouse = order.warehouse if order.status == OrderStatus.ALLOCATED else None
        if warehouse is not None:
            allocation.withdraw_from_warehouse(user=user, order=order, reason=reason)
        child = _cancelled_part(user, order, parts, paid, reason)
        order.goods_amount -= child.goods_amount
        order.discount = max(Decimal("0.00"), order.discount - child.discount)
        order.paid_amount -= paid
        order.deposit_amount = min(order.deposit_amount, order.paid_amount)
        order.save(update_fields=["goods_amount", "discount", "paid_amount", "deposit_amount", "updated_at"])
        reallocated = _reallocate(user, order, warehouse, reason) if warehouse is not None else None
        order.refresh_from_db()
        summary = "、".join(_("第 %(no)s 行 %(quantity)s 件") % {"no": part.line.line_no, "quantity": part.quantity}
                           for part in parts)
        note = (_("取消明细 %(lines)s（%(reason)s），转入 %(code)s") % {
            "lines": summary, "reason": reason, "code": child.code})[:300]
        StateHistory.objects.create(model="sales.salesorder", object_id=str(order.pk), field="status",
                                    from_state=order.status, to_state=order.status,
                                    user=user if getattr(user, "pk", None) else None, reason=note)
        record_change(user=user, action=AuditAction.UPDATE, instance=order, before=before,
                      after={**snapshot(order), "order_lines": _line_state(order)}, note=note)
        remaining = list(order.lines.select_related("product"))
        products = {line.product_id: line.product.code for line in remaining if line.product_id}
        products.update({part.line.product_id: part.line.product.code for part in parts if part.line.product_id})
        events.publish_order(
            events.ORDER_LINES_CANCELLED, order, remaining, products, reason=reason, cancelled_order_code=child.code,
            reallocated=reallocated, **events.cancelled_lines_payload(parts, products, paid))
    return order


__all__ = ["cancel_order_lines", "removed_share"]

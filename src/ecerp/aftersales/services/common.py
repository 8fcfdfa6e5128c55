"""Shared pieces of the case services: locking, moving along the type's table, the running totals."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from ecerp.aftersales.models import AfterSalesCase, LineReturnTotal, OrderRefundTotal
from ecerp.aftersales.states import LABELS, OPEN_STATES, TRANSITIONS
from ecerp.core.states import check_transition, move
from ecerp.inventory.models import Shipment
from ecerp.inventory.states import ShipmentStatus
from ecerp.sales.models import SalesOrder, SalesOrderLine
from ecerp.sales.services.allocation import RESERVATION_TYPE as ORDER_REFERENCE

# Replacement parcels of exchanges reserve and ship under this reference (reference id = case id).
CASE_REFERENCE = "aftersales_case"
DOCUMENT_TYPE = "aftersales.case"


def locked_case(case: AfterSalesCase) -> AfterSalesCase:
    """The case row locked for the rest of the transaction, with its order and store loaded."""
    return (AfterSalesCase.objects.select_for_update(of=("self",))
            .select_related("order", "store", "shipment", "shipment__warehouse").get(pk=case.pk))


def locked_order(order_id: int) -> SalesOrder:
    return SalesOrder.objects.select_for_update(of=("self",)).select_related("store").get(pk=order_id)


def check_move(case: AfterSalesCase, to_state: str) -> None:
    """INVALID_TRANSITION (409) naming both states unless the case's type lets it move there."""
    check_transition(TRANSITIONS[case.type], case.status, to_state, labels=LABELS)


def move_case(user, case: AfterSalesCase, to_state: str, reason: str = "") -> bool:
    return move(user=user, obj=case, to_state=to_state, transitions=TRANSITIONS[case.type], labels=LABELS,
                reason=str(reason))


def order_parcel(order: SalesOrder) -> Shipment | None:
    """The order's parcel that left the warehouse (or is still in it), newest first; None without one."""
    return (Shipment.objects.filter(reference_type=ORDER_REFERENCE, reference_id=str(order.pk))
            .exclude(status=ShipmentStatus.CANCELLED).select_related("warehouse").order_by("-id").first())


def refund_total(order: SalesOrder) -> OrderRefundTotal:
    """The order's refund total row, created with its paid amount the first time (safe against a racing creator)."""
    row = OrderRefundTotal.objects.filter(order=order).first()
    if row is None:
        try:
            with transaction.atomic():
                row = OrderRefundTotal.objects.create(order=order, paid_amount=order.paid_amount)
        except IntegrityError:
            row = OrderRefundTotal.objects.get(order=order)
    return row


def return_totals(lines: list[SalesOrderLine]) -> dict[int, LineReturnTotal]:
    """{order line id: its return total}, rows created (shipped = the line's quantity) where missing."""
    rows = {row.order_line_id: row for row in LineReturnTotal.objects.filter(order_line__in=lines)}
    for line in lines:
        if line.pk not in rows:
            try:
                with transaction.atomic():
                    rows[line.pk] = LineReturnTotal.objects.create(order_line=line, shipped_quantity=line.quantity)
            except IntegrityError:
                rows[line.pk] = LineReturnTotal.objects.get(order_line=line)
    return rows


def pending_refunds(order: SalesOrder, exclude_case_id: int | None = None) -> Decimal:
    """The requested refunds of the order's open cases (not refunded yet), except one case."""
    cases = AfterSalesCase.objects.filter(order=order, status__in=OPEN_STATES)
    if exclude_case_id:
        cases = cases.exclude(pk=exclude_case_id)
    return cases.aggregate(total=Sum("refund_amount"))["total"] or Decimal("0")


def add_refund(*, order: SalesOrder, amount: Decimal) -> bool:
    """Count amount as refunded with one conditional UPDATE; False when it would pass what was paid."""
    refund_total(order)
    return bool(OrderRefundTotal.objects.filter(order=order, refunded_amount__lte=F("paid_amount") - amount)
                .update(refunded_amount=F("refunded_amount") + amount))


def add_return(*, order_line: SalesOrderLine, quantity: int) -> bool:
    """Count quantity as returned with one conditional UPDATE; False when it would pass what was shipped."""
    return_totals([order_line])
    return bool(LineReturnTotal.objects.filter(order_line=order_line,
                                               returned_quantity__lte=F("shipped_quantity") - quantity)
                .update(returned_quantity=F("returned_quantity") + quantity))


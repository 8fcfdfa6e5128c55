"""Verbs on one order outside ingest: cancel by hand (releasing its reservation), and mark shipped.

A cancellation that arrives from the platform (ingest publishes OrderCancelled) releases the
reservation through release_on_cancel, subscribed to OrderCancelled (idempotent by nature); a
parcel shipped by inventory fulfilment (ShipmentShipped of reference type sales_order) marks its
allocated order shipped through ship_on_shipment.

mark_shipped is the single door to the shipped state until fulfilment (pick, pack, ship with a
waybill) is built; it exists so a later platform version can be told apart before and after
shipment, and fulfilment will call it (or replace it) when a parcel leaves.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.events import subscribe
from ecerp.core.models import AuditAction
from ecerp.core.states import move, move_rows
from ecerp.inventory.events import SHIPMENT_SHIPPED
from ecerp.sales import events
from ecerp.sales.errors import SalesConflict, SalesError
from ecerp.sales.models import SalesOrder
from ecerp.sales.services.allocation import RESERVATION_TYPE, deallocate_order, withdraw_from_warehouse
from ecerp.sales.states import LABELS, TRANSITIONS, OrderStatus


def _locked(order_id: int) -> SalesOrder:
    return SalesOrder.objects.select_for_update().get(pk=order_id)  # the order only, not its store


def cancel_order(*, user, order: SalesOrder, reason: str = "") -> SalesOrder:
    """Cancel an order that has not shipped; publishes OrderCancelled. Cancelling twice is a no-op.

    An allocated order's reservation is released and its unshipped parcel cancelled (refunds before
    shipping cancel the same way).
    Raises SalesConflict ORDER_NOT_OPEN (409) once the order has shipped.
    """
    with transaction.atomic():
        order = _locked(order.pk)
        if order.status == OrderStatus.CANCELLED:
            return order
        if not order.is_open:
            raise SalesConflict(SalesError.ORDER_NOT_OPEN, _("订单「%(code)s」状态为「%(status)s」，不能取消"),
                                field="status", code=order.code, status=LABELS[order.status])
        before = snapshot(order)
        withdraw_from_warehouse(user=user, order=order, reason=reason or _("手工取消"))
        move(user=user, obj=order, to_state=OrderStatus.CANCELLED, transitions=TRANSITIONS, labels=LABELS,
             reason=reason or _("手工取消"))
        record_change(user=user, action=AuditAction.TRANSITION, instance=order, before=before,
                      after=snapshot(order), note=reason[:300])
        lines = list(order.lines.select_related("product"))
        events.publish_order(events.ORDER_CANCELLED, order, lines,
                             {line.product_id: line.product.code for line in lines if line.product_id},
                             reason=reason)
    return order


def mark_shipped(*, user, order: SalesOrder, reason: str = "") -> SalesOrder:
    """Move an unshipped order (received, held, reviewed, allocated) to shipped (fulfilment's door).

    Raises INVALID_TRANSITION otherwise. Issuing the reserved stock is fulfilment's part.
    """
    with transaction.atomic():
        order = _locked(order.pk)
        move(user=user, obj=order, to_state=OrderStatus.SHIPPED, transitions=TRANSITIONS, labels=LABELS,
             reason=reason or _("已发货"))
    return order


@subscribe(events.ORDER_CANCELLED)
def release_on_cancel(payload: dict) -> None:
    """A cancelled order (by hand, or by the platform through ingest) gives its reserved stock back."""
    order = SalesOrder.objects.filter(pk=payload.get("order_id"), status=OrderStatus.CANCELLED).first()
    if order is not None:
        deallocate_order(user=None, order=order)


@subscribe(SHIPMENT_SHIPPED, batch=True)
def ship_on_shipment(payloads: list[dict]) -> None:
    """Parcels of allocated sales orders left the warehouse (inventory fulfilment): the orders are shipped.

    A batch handler: the orders of every event are locked in primary-key order and moved with one
    UPDATE and one insert of history rows. Idempotent (a shipped order stays shipped). An order
    a later platform version sent back to received (or held, reviewed) while its parcel was on
    the way ships too: the goods have left. Parcels of other documents, and pending, cancelled,
    merged or split orders are left alone.
    """
    reasons = {}
    template = _("包裹 %(shipment)s 已发货，运单号 %(waybill)s")
    for payload in payloads:
        order_id = _int_or_none(payload.get("reference_id"))
        if payload.get("reference_type") == RESERVATION_TYPE and order_id is not None:
            reasons[order_id] = template % {
                "shipment": payload.get("shipment_code", ""), "waybill": payload.get("waybill_no") or "-"}
    if not reasons:
        return
    # (id, status) of the orders, locked in primary-key order: no instances, no personal data decrypted
    rows = list(SalesOrder.objects.select_for_update().filter(pk__any=list(reasons), status__in=(
        OrderStatus.ALLOCATED, OrderStatus.RECEIVED, OrderStatus.HELD, OrderStatus.REVIEWED)).order_by("pk")
        .values_list("pk", "status"))
    move_rows(user=None, model=SalesOrder, rows=rows, to_state=OrderStatus.SHIPPED, transitions=TRANSITIONS,
              labels=LABELS, reason=reasons)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

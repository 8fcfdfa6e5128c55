"""Events sales publishes (past tense), written to the core outbox in the same transaction as the change.

Payloads carry what a posting needs: order id and code, store code and platform, platform order
number, amounts as decimal strings, times in ISO 8601, and per line the platform SKU code, the
mapped product code (or empty), quantity, unit price, discount and amount.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ecerp.core.events import deliver_pending, handlers_for, publish
from ecerp.core.models import OutboxEvent
from ecerp.sales.bulk import insert_all

ORDER_RECEIVED = "OrderReceived"
ORDER_PAID = "OrderPaid"
ORDER_CANCELLED = "OrderCancelled"

EVENT_TYPES = (ORDER_RECEIVED, ORDER_PAID, ORDER_CANCELLED)


def order_payload(order, lines, products: dict | None = None) -> dict:
    """The posting payload of an order; products maps product id -> code (looked up once per batch)."""
    products = products or {}
    return {
        "order_id": order.pk,
        "order_code": order.code,
        "store": order.store.code,
        "platform": order.store.platform,
        "platform_order_no": order.platform_order_no,
        "status": order.status,
        "goods_amount": str(order.goods_amount),
        "discount": str(order.discount),
        "freight": str(order.freight),
        "paid_amount": str(order.paid_amount),
        "payment_time": order.payment_time.isoformat() if order.payment_time else None,
        "lines": [{
            "line_no": line.line_no, "sku_code": line.sku_code,
            "product": products.get(line.product_id, "") if line.product_id else "",
            "quantity": line.quantity, "unit_price": str(line.unit_price), "discount": str(line.discount),
            "amount": str(line.amount),
        } for line in lines],
    }


def publish_order(event_type: str, order, lines, products: dict | None = None, **extra):
    """Publish one order event (call inside the transaction that made the change)."""
    return publish(event_type, {**order_payload(order, lines, products), **extra})


def publish_many(items: list[tuple[str, dict]]) -> list[OutboxEvent]:
    """Publish a batch of (event type, payload) in one insert, delivered by one after-commit call.

    The same outbox rows and the same delivery (core.events.deliver_pending) as publish(), without a
    round trip per event: ingest publishes two events per order. core.events has no batch form yet.
    """
    if not items:
        return []
    events = [OutboxEvent(event_id=uuid.uuid4(), event_type=event_type, payload=payload)
              for event_type, payload in items]
    insert_all(OutboxEvent, events, key="event_id")
    ids = [event.pk for event in events]
    event_types = {event_type for event_type, _payload in items}
    transaction.on_commit(lambda: _deliver(ids, event_types))
    return events


def _deliver(ids: list[int], event_types: set[str]) -> None:
    if not any(handlers_for(event_type) for event_type in event_types):
        # nobody subscribes (yet): what deliver_pending would do per event, in one statement
        OutboxEvent.objects.filter(pk__in=ids, delivered_at__isnull=True).update(
            delivered_at=timezone.now(), attempts=F("attempts") + 1)
        return
    # one transaction for the batch's delivery marks (deliver_pending keeps each handler in its own
    # savepoint, so a failing handler is still recorded and retried later); a crash before the
    # commit redelivers the batch, which handlers absorb by event id
    with transaction.atomic():
        deliver_pending(event_ids=ids, limit=len(ids))

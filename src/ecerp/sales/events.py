"""Events sales publishes (past tense), written to the core outbox in the same transaction as the change.

Payloads carry what a posting needs: order id and code, store code and platform, platform order
number, amounts as decimal strings, times in ISO 8601, and per line the platform SKU code, the
mapped product code (or empty), quantity, unit price, discount and amount.
"""

from __future__ import annotations

from ecerp.core.events import publish, publish_many
from ecerp.sales.states import OrderStatus

ORDER_RECEIVED = "OrderReceived"
ORDER_PAID = "OrderPaid"
ORDER_CANCELLED = "OrderCancelled"
ORDER_LINES_CANCELLED = "OrderLinesCancelled"  # part of an unshipped order (services/partial.py)

EVENT_TYPES = (ORDER_RECEIVED, ORDER_PAID, ORDER_CANCELLED, ORDER_LINES_CANCELLED)


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


def cancelled_lines_payload(parts, products: dict, paid) -> dict:
    """The removed units of OrderLinesCancelled: per line units and amounts, and the totals (parts: RemovedPart)."""
    return {
        "cancelled_lines": [{
            "line_no": part.line.line_no, "sku_code": part.line.sku_code,
            "product": products.get(part.line.product_id, "") if part.line.product_id else "",
            "quantity": part.quantity, "unit_price": str(part.line.unit_price), "gross": str(part.gross),
            "discount": str(part.discount), "amount": str(part.amount),
        } for part in parts],
        "cancelled_quantity": sum(part.quantity for part in parts),
        "cancelled_amount": str(sum((part.amount for part in parts), 0)),
        "paid_reduction": str(paid),
    }


def publish_order(event_type: str, order, lines, products: dict | None = None, **extra):
    """Publish one order event (call inside the transaction that made the change)."""
    return publish(event_type, {**order_payload(order, lines, products), **extra})


def publish_new_orders(orders: list[tuple], products: dict, source: str) -> list:
    """Publish the events of newly received orders, given as (order, lines), in one outbox insert.

    Each order gets OrderReceived (with its source), OrderPaid when it has a payment time and
    OrderCancelled when it arrived cancelled; core.events.publish_many writes them in one insert
    and delivers them after commit. Call inside the transaction that created the orders.
    """
    items = []
    for order, lines in orders:
        payload = order_payload(order, lines, products)
        items.append((ORDER_RECEIVED, {**payload, "source": source}))
        if order.payment_time:
            items.append((ORDER_PAID, payload))
        if order.status == OrderStatus.CANCELLED:
            items.append((ORDER_CANCELLED, {**payload, "reason": order.platform_status}))
    return publish_many(items)

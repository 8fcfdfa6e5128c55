"""Events after-sales publishes (past tense), written to the core outbox in the case's transaction.

OrderReturned (goods back in stock) and OrderRefunded (money back to the buyer) carry what a
finance posting needs: the order (id, code, platform order number), store and platform, the case
(id, code, type, platform refund id), the time, and per line the platform SKU code, product code,
quantity and unit price; OrderRefunded adds each line's refund amount and the total; OrderReturned
adds per stock move the unit cost and value it came back at, the condition (sellable / damaged)
and the warehouse (code and type), with the quantity and value totals. Amounts are decimal strings.
"""

from __future__ import annotations

from decimal import Decimal

from ecerp.core.events import publish

ORDER_RETURNED = "OrderReturned"
ORDER_REFUNDED = "OrderRefunded"

EVENT_TYPES = (ORDER_RETURNED, ORDER_REFUNDED)


def _case_part(case, occurred_at) -> dict:
    order = case.order
    return {
        "case_id": case.pk,
        "case_code": case.code,
        "case_type": case.type,
        "platform_refund_id": case.platform_refund_id,
        "order_id": order.pk,
        "order_code": order.code,
        "platform_order_no": order.platform_order_no,
        "store": case.store.code,
        "platform": case.store.platform,
        "occurred_at": occurred_at.isoformat(),
    }


def publish_refunded(case, lines, *, amount: Decimal, occurred_at) -> None:
    """OrderRefunded: the amount paid back, per line and in total (call inside the refund's transaction)."""
    publish(ORDER_REFUNDED, {
        **_case_part(case, occurred_at),
        "before_shipment": case.before_shipment,
        "currency": "CNY",
        "refund_amount": str(amount),
        "lines": [{
            "line_no": line.order_line.line_no,
            "sku_code": line.order_line.sku_code,
            "product_code": line.order_line.product.code if line.order_line.product_id else "",
            "quantity": line.quantity,
            "unit_price": str(line.order_line.unit_price),
            "refund_amount": str(line.refund_amount),
        } for line in lines],
        "lines_refund_amount": str(sum((line.refund_amount for line in lines), Decimal("0"))),
    })


def publish_returned(case, rows: list[dict], *, occurred_at) -> None:
    """OrderReturned: the units that came back, each with its stock move (call inside the receipt's transaction).

    rows: dicts with line_no, sku_code, product_code, quantity, unit_price, unit_cost, value,
    condition, warehouse_code, warehouse_type, move_id (built by the receiving service).
    """
    publish(ORDER_RETURNED, {
        **_case_part(case, occurred_at),
        "lines": rows,
        "total_quantity": sum(row["quantity"] for row in rows),
        "total_value": str(sum((Decimal(row["value"]) for row in rows), Decimal("0"))),
        "sellable_value": str(sum((Decimal(row["value"]) for row in rows if row["condition"] == "sellable"),
                                  Decimal("0"))),
        "damaged_value": str(sum((Decimal(row["value"]) for row in rows if row["condition"] == "damaged"),
                                 Decimal("0"))),
    })

"""Events the stock ledger publishes (past tense), written to the core outbox in the same transaction.

Payloads carry everything a posting needs: document type/id/code, time, and per line the SKU
code, warehouse code (and type: bonded or not), quantity, unit cost and value (decimal strings).
No handler is registered here; finance will subscribe (ecerp.core.events.subscribe).
"""

from __future__ import annotations

from ecerp.core.events import publish
from ecerp.inventory.services.ledger import moves_payload

STOCK_RECEIVED = "StockReceived"  # receipts, returns in, other receipts
STOCK_ISSUED = "StockIssued"  # issues (shipments), other issues: at the moving-average cost
STOCK_ADJUSTED = "StockAdjusted"  # stocktake gains and losses
STOCK_TRANSFERRED = "StockTransferred"  # transfer out (stage "shipped") and in (stage "received")

EVENT_TYPES = (STOCK_RECEIVED, STOCK_ISSUED, STOCK_ADJUSTED, STOCK_TRANSFERRED)


def publish_moves(event_type: str, moves, *, document_type: str, document_id, document_code: str, occurred_at,
                  **extra):
    """Publish one event for the moves of one document action (call inside its transaction)."""
    return publish(event_type, moves_payload(moves, document_type=document_type, document_id=document_id,
                                             document_code=document_code, occurred_at=occurred_at, **extra))

# Fulfilment (services/shipments.py). Payloads: shipment_id, shipment_code, reference_type,
# reference_id, reference_code, store_code, warehouse_code, carrier, waybill_no, occurred_at, and
# for ShipmentShipped / ShipmentReturned lines with sku_code, quantity, unit_cost, value, move_id.
SHIPMENT_SHIPPED = "ShipmentShipped"
SHIPMENT_SIGNED = "ShipmentSigned"
SHIPMENT_CANCELLED = "ShipmentCancelled"
SHIPMENT_INTERCEPTED = "ShipmentIntercepted"
SHIPMENT_RETURNED = "ShipmentReturned"

SHIPMENT_EVENT_TYPES = (SHIPMENT_SHIPPED, SHIPMENT_SIGNED, SHIPMENT_CANCELLED, SHIPMENT_INTERCEPTED,
                        SHIPMENT_RETURNED)

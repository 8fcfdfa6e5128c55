"""Sales services: the only writers of orders, lines, mappings, quarantine and idempotency keys."""

from ecerp.sales.services.idempotency import run_idempotent
from ecerp.sales.services.ingest import IngestResult, RecordResult, ingest_orders
from ecerp.sales.services.mapping import map_platform_sku, rematch_waiting_lines, resolve_products
from ecerp.sales.services.orders import cancel_order, mark_shipped
from ecerp.sales.services.quarantine import discard_quarantined, retry_quarantined
from ecerp.sales.services.sync import sync_store_orders

__all__ = [
    "IngestResult", "RecordResult", "cancel_order", "discard_quarantined", "ingest_orders", "map_platform_sku",
    "mark_shipped", "rematch_waiting_lines", "resolve_products", "retry_quarantined", "run_idempotent",
    "sync_store_orders",
]

"""Sales services: the only writers of orders, lines, mappings, quarantine and idempotency keys."""

from ecerp.sales.services.allocation import (
    AllocationResult,
    allocate_orders,
    deallocate_order,
    set_allocation_rules,
)
from ecerp.sales.services.config import *  # noqa: F403 - review configuration, one record at a time (admin)
from ecerp.sales.services.fulfilment import ShipmentResult, create_order_shipments
from ecerp.sales.services.idempotency import run_idempotent
from ecerp.sales.services.ingest import IngestResult, RecordResult, ingest_orders
from ecerp.sales.services.mapping import map_platform_sku, rematch_waiting_lines, resolve_products
from ecerp.sales.services.merge import find_merge_groups, merge_orders, split_order_by_warehouse, split_order_lines
from ecerp.sales.services.orders import cancel_order, mark_shipped
from ecerp.sales.services.partial import cancel_order_lines
from ecerp.sales.services.quarantine import discard_quarantined, retry_quarantined
from ecerp.sales.services.review import (
    ReviewResult,
    add_to_blacklist,
    hold_order,
    preview_rules,
    release_order,
    remove_from_blacklist,
    review_orders,
    save_review_rule,
    set_order_payment_terms,
    set_store_payment_terms,
)
from ecerp.sales.services.sync import sync_store_orders

__all__ = [
    "AllocationResult", "ReviewResult", "ShipmentResult", "create_order_shipments",
    "add_to_blacklist", "allocate_orders", "deallocate_order",
    "find_merge_groups", "hold_order", "merge_orders", "preview_rules", "release_order", "remove_from_blacklist",
    "review_orders", "save_review_rule", "set_allocation_rules", "set_order_payment_terms",
    "set_store_payment_terms", "split_order_by_warehouse", "split_order_lines",
    "IngestResult", "RecordResult", "cancel_order", "discard_quarantined", "ingest_orders", "map_platform_sku",
    "mark_shipped", "rematch_waiting_lines", "resolve_products", "retry_quarantined", "run_idempotent",
    "sync_store_orders", "cancel_order_lines",
]

"""Services of the stock ledger: the only code that changes stock. One module per use case:

ledger (posting engine), reservations, stock (plain receipts/issues, bundles), documents
(other receipts/issues), transfers, stocktakes, rebuild (check and rebuild balances).
"""

from ecerp.inventory.services.availability import (
    available_to_sell,
    save_store_stock_policy,
)
from ecerp.inventory.services.documents import (
    add_stock_document_line,
    cancel_stock_document,
    confirm_stock_document,
    create_stock_document,
    remove_stock_document_line,
)
from ecerp.inventory.services.ledger import MoveLine, post_moves
from ecerp.inventory.services.picking import create_pick_wave
from ecerp.inventory.services.rebuild import BalanceDifference, check_stock_balances, rebuild_stock_balances
from ecerp.inventory.services.reservations import (
    ReserveLine,
    ReserveRequest,
    documents_with_reservations,
    issue_reserved_stock,
    lock_available,
    release_reservation,
    reserve_many,
    reserve_stock,
)
from ecerp.inventory.services.shipment_batch import (
    CreateResult,
    ShipmentRequest,
    confirm_packed,
    create_shipments,
    ship_many,
)
from ecerp.inventory.services.shipments import (
    Consignee,
    cancel_shipment,
    create_shipment,
    intercept_shipment,
    poll_carrier,
    record_return,
    record_sign_off,
    reset_scans,
    scan_item,
    ship_shipment,
    ship_shipments,
)
from ecerp.inventory.services.stock import (
    bundle_available,
    issue_bundle,
    issue_stock,
    receive_stock,
    reserve_bundle,
)
from ecerp.inventory.services.stocktakes import (
    add_stocktake_line,
    approve_stocktake,
    cancel_stocktake,
    create_stocktake,
    record_counts,
    start_stocktake,
)
from ecerp.inventory.services.transfers import (
    add_transfer_line,
    cancel_transfer,
    create_transfer,
    receive_transfer,
    remove_transfer_line,
    ship_transfer,
)

__all__ = [
    "BalanceDifference", "MoveLine", "ReserveLine", "add_stock_document_line", "add_stocktake_line",
    "add_transfer_line", "approve_stocktake", "bundle_available", "cancel_stock_document", "cancel_stocktake",
    "cancel_transfer", "check_stock_balances", "confirm_stock_document", "create_stock_document",
    "create_stocktake", "create_transfer", "issue_bundle", "issue_reserved_stock", "issue_stock", "post_moves",
    "rebuild_stock_balances", "receive_stock", "receive_transfer", "record_counts", "release_reservation",
    "remove_stock_document_line", "remove_transfer_line", "reserve_bundle", "reserve_stock", "ship_transfer",
    "start_stocktake",
    # fulfilment
    "Consignee", "available_to_sell", "cancel_shipment", "create_pick_wave", "create_shipment",
    "intercept_shipment", "poll_carrier", "record_return", "record_sign_off", "reset_scans",
    "save_store_stock_policy", "scan_item", "ship_shipment", "ship_shipments",
    # batches
    "CreateResult", "ReserveRequest", "ShipmentRequest", "confirm_packed", "create_shipments",
    "documents_with_reservations", "lock_available", "reserve_many", "ship_many",
]

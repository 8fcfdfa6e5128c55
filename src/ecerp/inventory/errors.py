"""Error codes of the stock ledger and its documents."""

import enum

from django.utils.translation import gettext_lazy as _

from ecerp.core.errors import Conflict, DomainError


class InventoryError(enum.StrEnum):
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    NEGATIVE_QUANTITY = "NEGATIVE_QUANTITY"
    BUNDLE_NOT_STOCKED = "BUNDLE_NOT_STOCKED"
    BUNDLE_EMPTY = "BUNDLE_EMPTY"
    UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"
    UNKNOWN_WAREHOUSE = "UNKNOWN_WAREHOUSE"
    UNKNOWN_LOCATION = "UNKNOWN_LOCATION"
    RESERVATION_EXISTS = "RESERVATION_EXISTS"
    RESERVATION_NOT_FOUND = "RESERVATION_NOT_FOUND"
    NO_LINES = "NO_LINES"
    SAME_WAREHOUSE = "SAME_WAREHOUSE"
    NOT_DRAFT = "NOT_DRAFT"
    NOT_COUNTING = "NOT_COUNTING"
    COUNT_MISSING = "COUNT_MISSING"
    DUPLICATE_LINE = "DUPLICATE_LINE"
    INVALID_DATE_RANGE = "INVALID_DATE_RANGE"
    # shipments, pick waves, available-to-sell
    SHIPMENT_EXISTS = "SHIPMENT_EXISTS"
    WRONG_ITEM = "WRONG_ITEM"
    EXTRA_ITEM = "EXTRA_ITEM"
    UNKNOWN_BARCODE = "UNKNOWN_BARCODE"
    NOT_FULLY_SCANNED = "NOT_FULLY_SCANNED"
    UNKNOWN_CARRIER = "UNKNOWN_CARRIER"
    CARRIER_FAILED = "CARRIER_FAILED"
    RESERVATION_MISMATCH = "RESERVATION_MISMATCH"
    WAVE_WAREHOUSE_MISMATCH = "WAVE_WAREHOUSE_MISMATCH"
    SHIPMENT_NOT_OPEN = "SHIPMENT_NOT_OPEN"
    INVALID_RATIO = "INVALID_RATIO"
    NOT_SELLABLE_WAREHOUSE = "NOT_SELLABLE_WAREHOUSE"
    NO_POLICY = "NO_POLICY"
    ALREADY_SHIPPED = "ALREADY_SHIPPED"


class InventoryInvalid(DomainError):
    """Input or a document breaks a stock rule (400)."""


class InsufficientStock(Conflict):
    """Not enough available (or on hand) stock: 409, naming SKU, warehouse, wanted and available."""

    def __init__(self, *, sku: str, warehouse: str, wanted: int, available: int, field: str | None = None,
                 row: int | None = None):
        super().__init__(
            InventoryError.INSUFFICIENT_STOCK,
            _("库存不足：商品「%(sku)s」在仓库「%(warehouse)s」需要 %(wanted)s，可用 %(available)s"),
            field=field, row=row, sku=sku, warehouse=warehouse, wanted=wanted, available=available,
        )


class ReservationExists(Conflict):
    """The document already holds an active reservation (409)."""


def line_field(index: int, name: str) -> str:
    """The field name of a document line's input, e.g. lines.2.quantity (index 0-based, shown 1-based)."""
    return f"lines.{index + 1}.{name}"


class ReservationNotFound(DomainError):
    """The document holds no active reservation (404)."""

    http_status = 404


class ShipmentConflict(Conflict):
    """A shipment cannot do this now (already shipped, a live parcel exists): 409."""

"""Error codes of order ingest, SKU mapping and the order API."""

import enum

from ecerp.core.errors import Conflict, DomainError


class SalesError(enum.StrEnum):
    UNKNOWN_STORE = "UNKNOWN_STORE"
    MISSING_FIELD = "MISSING_FIELD"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INVALID_TIME = "INVALID_TIME"
    NO_LINES = "NO_LINES"
    INVALID_RECORD = "INVALID_RECORD"
    UNKNOWN_FORMAT = "UNKNOWN_FORMAT"
    UNREADABLE_FILE = "UNREADABLE_FILE"
    UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"
    ORDER_NOT_OPEN = "ORDER_NOT_OPEN"
    QUARANTINE_CLOSED = "QUARANTINE_CLOSED"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    UNKNOWN_ADAPTER = "UNKNOWN_ADAPTER"


class SalesInvalid(DomainError):
    """Input breaks an ingest or mapping rule (400)."""


class SalesConflict(Conflict):
    """The request conflicts with the order's state or an earlier request (409)."""

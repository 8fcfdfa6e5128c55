"""Error codes of after-sales cases."""

import enum

from ecerp.core.errors import Conflict, DomainError


class AftersalesError(enum.StrEnum):
    UNKNOWN_TYPE = "UNKNOWN_TYPE"
    NO_LINES = "NO_LINES"
    UNKNOWN_LINE = "UNKNOWN_LINE"
    DUPLICATE_LINE = "DUPLICATE_LINE"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    OVER_REFUND = "OVER_REFUND"
    OVER_RETURN = "OVER_RETURN"
    ORDER_NOT_SHIPPED = "ORDER_NOT_SHIPPED"
    ORDER_NOT_REFUNDABLE = "ORDER_NOT_REFUNDABLE"
    PARTIAL_BEFORE_SHIPMENT = "PARTIAL_BEFORE_SHIPMENT"
    NO_SHIPMENT = "NO_SHIPMENT"
    REFUND_ID_TAKEN = "REFUND_ID_TAKEN"
    NO_DEFECTIVE_WAREHOUSE = "NO_DEFECTIVE_WAREHOUSE"
    NOT_DEFECTIVE_WAREHOUSE = "NOT_DEFECTIVE_WAREHOUSE"
    UNKNOWN_WAREHOUSE = "UNKNOWN_WAREHOUSE"
    UNMAPPED_LINE = "UNMAPPED_LINE"
    REASON_REQUIRED = "REASON_REQUIRED"


class AftersalesInvalid(DomainError):
    """Input breaks an after-sales rule (400)."""


class AftersalesConflict(Conflict):
    """The request conflicts with the case's or the order's state, or with earlier cases (409)."""

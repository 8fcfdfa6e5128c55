"""Error codes of receipt parsing and building."""

from __future__ import annotations

import enum

from ecerp.core.errors import DomainError


class ReceiptError(enum.StrEnum):
    MALFORMED_XML = "RECEIPT_MALFORMED_XML"
    UNKNOWN_MESSAGE = "RECEIPT_UNKNOWN_MESSAGE"
    UNEXPECTED_ELEMENT = "RECEIPT_UNEXPECTED_ELEMENT"
    NO_RECEIPTS = "RECEIPT_NO_RECEIPTS"
    TOO_MANY_RECEIPTS = "RECEIPT_TOO_MANY_RECEIPTS"
    MISSING_FIELD = "RECEIPT_MISSING_FIELD"
    INVALID_TIME = "RECEIPT_INVALID_TIME"
    INVALID_AMOUNT = "RECEIPT_INVALID_AMOUNT"
    INVALID_NUMBER = "RECEIPT_INVALID_NUMBER"
    TOO_MANY_LINES = "RECEIPT_TOO_MANY_LINES"


class ReceiptInvalid(DomainError):
    """A receipt message cannot be read, or a receipt to build lacks what the XSD requires (400)."""

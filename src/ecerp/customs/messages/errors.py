"""Error codes of building, validating and enveloping customs messages."""

from __future__ import annotations

import enum

from ecerp.core.errors import DomainError


class MessageError(enum.StrEnum):
    MESSAGE_TYPE_UNKNOWN = "MESSAGE_TYPE_UNKNOWN"
    MESSAGE_DOCUMENT_MISMATCH = "MESSAGE_DOCUMENT_MISMATCH"
    MESSAGE_NO_DOCUMENTS = "MESSAGE_NO_DOCUMENTS"
    MESSAGE_TOO_MANY_DOCUMENTS = "MESSAGE_TOO_MANY_DOCUMENTS"
    MESSAGE_NO_LINES = "MESSAGE_NO_LINES"
    MESSAGE_TOO_MANY_LINES = "MESSAGE_TOO_MANY_LINES"
    MESSAGE_FIELD_MISSING = "MESSAGE_FIELD_MISSING"
    MESSAGE_VALUE_INVALID = "MESSAGE_VALUE_INVALID"
    MESSAGE_SCHEMA_INVALID = "MESSAGE_SCHEMA_INVALID"
    MESSAGE_NOT_CUSTOMS = "MESSAGE_NOT_CUSTOMS"
    SCHEMA_MISSING = "SCHEMA_MISSING"
    ENVELOPE_INVALID = "ENVELOPE_INVALID"


class MessageInvalid(DomainError):
    """A customs message cannot be built from the given documents, or is not valid (400)."""


class SchemaMissing(DomainError):
    """The official XSD folder or file is not where settings.ECERP_CUSTOMS_XSD_DIR points (500)."""

    http_status = 500


class EnvelopeInvalid(DomainError):
    """A DXP terminal envelope cannot be built or read (400)."""

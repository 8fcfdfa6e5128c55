"""The customs declaration messages: documents (dataclasses), their layout, and the builder.

    from ecerp.customs.messages import OrderDocument, BaseTransfer, build_message
    xml = build_message("CEB311", [order], base)

Validation against the official XSD lives in ecerp.customs.schema, the DXP envelope in ecerp.customs.dxp.
"""

from ecerp.customs.messages.build import MESSAGE_TYPES, SPECS, MessageSpec, build_message, get_spec
from ecerp.customs.messages.documents import (
    LAYOUTS,
    BaseTransfer,
    CancelDocument,
    DeliveryDocument,
    DeliveryLineDocument,
    InventoryDocument,
    InventoryLineDocument,
    OrderDocument,
    OrderLineDocument,
    PaymentDocument,
    RefundDocument,
    RefundLineDocument,
    WaybillDocument,
    WaybillStatusDocument,
    new_guid,
)
from ecerp.customs.messages.errors import EnvelopeInvalid, MessageError, MessageInvalid, SchemaMissing

__all__ = [
    "LAYOUTS",
    "MESSAGE_TYPES",
    "SPECS",
    "BaseTransfer",
    "CancelDocument",
    "DeliveryDocument",
    "DeliveryLineDocument",
    "EnvelopeInvalid",
    "InventoryDocument",
    "InventoryLineDocument",
    "MessageError",
    "MessageInvalid",
    "MessageSpec",
    "OrderDocument",
    "OrderLineDocument",
    "PaymentDocument",
    "RefundDocument",
    "RefundLineDocument",
    "SchemaMissing",
    "WaybillDocument",
    "WaybillStatusDocument",
    "build_message",
    "get_spec",
    "new_guid",
]

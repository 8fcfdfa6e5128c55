"""The shape of every import receipt message, in the element order of the official XSD.

One table serves the parser and the builder, so the two cannot drift apart. Field names
are given as (XML name, snake_case name). Source: CUSTOMS.md §1.1 and §1.7, checked against
ceb-import-202205.xsd.
"""

from __future__ import annotations

from dataclasses import dataclass

CEB_NAMESPACE = "http://www.chinaport.gov.cn/ceb"

# Receipts with the common body: guid, key fields, returnStatus, returnTime, returnInfo.
RETURN_BODY = "return"
# CEB816: Tax -> TaxHeadRd + TaxListRd (1..99).
TAX_BILL_BODY = "tax_bill"
# CEB818: Tax -> TaxHeadStatus.
TAX_STATUS_BODY = "tax_status"
# CEB900: MessageReturn, one per message.
FORMAT_ERROR_BODY = "format_error"


@dataclass(frozen=True, slots=True)
class Field:
    """One child element of a receipt: its XML name, its Python name and whether the XSD requires it."""

    xml: str
    name: str
    required: bool = True
    decimal: bool = False
    integer: bool = False
    # The XSD allows an empty value (minLength 0 or no minLength).
    may_be_empty: bool = False


@dataclass(frozen=True, slots=True)
class ReceiptLayout:
    """How one receipt message type is laid out."""

    message_type: str
    document: str
    body: str
    receipt_element: str
    # Key fields between guid and returnStatus (return bodies) or the head's fields (tax bodies).
    keys: tuple[Field, ...]
    max_receipts: int | None = 100

    @property
    def root_element(self) -> str:
        return f"{self.message_type}Message"


def _keys(*names: str, optional: tuple[str, ...] = (), may_be_empty: tuple[str, ...] = ()) -> tuple[Field, ...]:
    return tuple(
        Field(name, snake_case(name), required=name not in optional, may_be_empty=name in may_be_empty)
        for name in names
    )


def snake_case(name: str) -> str:
    """Turn an XML field name (camelCase) into the snake_case name used in Python."""
    return "".join(f"_{char.lower()}" if char.isupper() else char for char in name)


_LIST_KEYS = ("customsCode", "ebpCode", "ebcCode", "agentCode", "copNo", "preNo", "invtNo")
_CANCEL_KEYS = ("customsCode", "agentCode", "ebpCode", "ebcCode", "copNo", "preNo", "invtNo")
_LIST_OPTIONAL = ("customsCode", "ebpCode", "ebcCode", "agentCode", "invtNo")

LAYOUTS: dict[str, ReceiptLayout] = {
    layout.message_type: layout
    for layout in (
        ReceiptLayout("CEB312", "order", RETURN_BODY, "OrderReturn", _keys("ebpCode", "ebcCode", "orderNo")),
        ReceiptLayout("CEB412", "payment", RETURN_BODY, "PaymentReturn", _keys("payCode", "payTransactionId")),
        ReceiptLayout("CEB512", "waybill", RETURN_BODY, "LogisticsReturn", _keys("logisticsCode", "logisticsNo")),
        ReceiptLayout(
            "CEB514",
            "waybill_status",
            RETURN_BODY,
            "LogisticsStatusReturn",
            _keys("logisticsCode", "logisticsNo", "logisticsStatus"),
        ),
        ReceiptLayout(
            "CEB622", "inventory", RETURN_BODY, "InventoryReturn", _keys(*_LIST_KEYS, optional=_LIST_OPTIONAL)
        ),
        ReceiptLayout(
            "CEB624", "cancel", RETURN_BODY, "InvtCancelReturn", _keys(*_CANCEL_KEYS, optional=_LIST_OPTIONAL)
        ),
        ReceiptLayout(
            "CEB626", "refund", RETURN_BODY, "InvtRefundReturn", _keys(*_CANCEL_KEYS, optional=_LIST_OPTIONAL)
        ),
        ReceiptLayout(
            "CEB712",
            "delivery",
            RETURN_BODY,
            "DeliveryReturn",
            _keys(
                "customsCode",
                "operatorCode",
                "copNo",
                "preNo",
                "rkdNo",
                optional=("customsCode", "operatorCode", "copNo", "preNo", "rkdNo"),
                may_be_empty=("copNo", "preNo", "rkdNo"),
            ),
        ),
        ReceiptLayout(
            "CEB816",
            "tax",
            TAX_BILL_BODY,
            "TaxHeadRd",
            _keys("invtNo", "taxNo", "ebcCode", "logisticsCode", "agentCode", "customsCode",
                  optional=("ebcCode", "logisticsCode", "agentCode", "customsCode")),
            max_receipts=None,
        ),
        ReceiptLayout("CEB818", "tax_status", TAX_STATUS_BODY, "TaxHeadStatus", _keys("invtNo", "taxNo"),
                      max_receipts=None),
        ReceiptLayout("CEB900", "format_error", FORMAT_ERROR_BODY, "MessageReturn", (), max_receipts=1),
    )
}

LAYOUTS_BY_ROOT: dict[str, ReceiptLayout] = {layout.root_element: layout for layout in LAYOUTS.values()}

# TaxHeadRd in XSD order; the key fields above are picked out of it by name.
TAX_BILL_HEAD: tuple[Field, ...] = (
    Field("guid", "guid"),
    Field("returnTime", "return_time"),
    Field("invtNo", "invt_no"),
    Field("taxNo", "tax_no"),
    Field("customsTax", "customs_tax", decimal=True),
    Field("valueAddedTax", "value_added_tax", decimal=True),
    Field("consumptionTax", "consumption_tax", decimal=True),
    Field("status", "status"),
    Field("entDutyNo", "ent_duty_no", required=False, may_be_empty=True),
    Field("note", "note", required=False, may_be_empty=True),
    Field("assureCode", "assure_code", required=False, may_be_empty=True),
    Field("ebcCode", "ebc_code", required=False, may_be_empty=True),
    Field("logisticsCode", "logistics_code", required=False, may_be_empty=True),
    Field("agentCode", "agent_code", required=False),
    Field("customsCode", "customs_code", required=False),
)

TAX_BILL_LINE: tuple[Field, ...] = (
    Field("gnum", "gnum", integer=True),
    Field("gcode", "gcode"),
    Field("taxPrice", "tax_price", decimal=True),
    Field("customsTax", "customs_tax", decimal=True),
    Field("valueAddedTax", "value_added_tax", decimal=True),
    Field("consumptionTax", "consumption_tax", decimal=True),
)
TAX_BILL_MAX_LINES = 99

TAX_STATUS_HEAD: tuple[Field, ...] = (
    Field("guid", "guid"),
    Field("returnTime", "return_time"),
    Field("invtNo", "invt_no"),
    Field("taxNo", "tax_no"),
    Field("status", "status"),
    Field("entDutyNo", "ent_duty_no", required=False, may_be_empty=True),
    Field("assureCode", "assure_code", required=False, may_be_empty=True),
)

FORMAT_ERROR_FIELDS: tuple[Field, ...] = (
    Field("guid", "guid"),
    Field("returnStatus", "return_status"),
    Field("returnInfo", "return_info", may_be_empty=True),
    Field("returnTime", "return_time"),
    Field("oriCopMsgId", "ori_cop_msg_id", may_be_empty=True),
    Field("oriMessageType", "ori_message_type", may_be_empty=True),
    Field("oriBizMessage", "ori_biz_message", may_be_empty=True),
)


def layout_for(message_type: str) -> ReceiptLayout | None:
    """Return the layout of a receipt type given as "CEB312" or "CEB312Message", or None."""
    return LAYOUTS.get(message_type.removesuffix("Message"))

"""Build import receipt messages (CEB312/412/512/514/622/624/626/712/816/818/900), as the single window would.

Used by the customs simulator to answer, and by tests. A receipt is given as a flat dict with the
snake_case names `parse_receipts` uses (`receipt_as_dict` turns a parsed Receipt back into one):

- every type: `guid` (generated when absent), `return_time` (datetime, or a YYYYMMDDhhmmss[SSS]
  string; now when absent);
- CEB312..712: `return_status`, `return_info` (the status label when absent) and the key fields
  (`order_no`, `ebp_code`, `cop_no`, `pre_no`, `invt_no`...);
- CEB816: `invt_no`, `tax_no`, `customs_tax`, `value_added_tax`, `consumption_tax` (Decimal), `status`
  (or `return_status`), optional `ent_duty_no`, `note` (or `return_info`), `assure_code`, `ebc_code`,
  `logistics_code`, `agent_code`, `customs_code`, and `lines` (1..99 dicts: `gnum`, `gcode`, `tax_price`,
  `customs_tax`, `value_added_tax`, `consumption_tax`);
- CEB818: `invt_no`, `tax_no`, `status` (or `return_status`), optional `ent_duty_no`, `assure_code`;
- CEB900: `return_status`, `return_info`, `ori_cop_msg_id`, `ori_message_type`, `ori_biz_message`
  (str or bytes, written as CDATA).

Elements follow the XSD order; optional fields that are empty are left out.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from lxml import etree

from ecerp.customs.receipts.codes import status_label
from ecerp.customs.receipts.errors import ReceiptError, ReceiptInvalid
from ecerp.customs.receipts.layout import (
    CEB_NAMESPACE,
    FORMAT_ERROR_FIELDS,
    RETURN_BODY,
    TAX_BILL_BODY,
    TAX_BILL_HEAD,
    TAX_BILL_LINE,
    TAX_BILL_MAX_LINES,
    TAX_STATUS_BODY,
    TAX_STATUS_HEAD,
    Field,
    ReceiptLayout,
    layout_for,
)
from ecerp.customs.receipts.parse import SHANGHAI, Receipt

_NS = f"{{{CEB_NAMESPACE}}}"
_AMOUNT_QUANTUM = Decimal("0.00001")


def build_receipt_message(
    message_type: str, receipts: Sequence[Mapping], *, guid: str | None = None, version: str = "1.0"
) -> bytes:
    """Build one receipt message holding `receipts`; return UTF-8 XML bytes with a declaration.

    `message_type` is "CEB312" (or "CEB312Message")...; the message guid is `guid`, else the first
    receipt's guid, else a new one. Raises ReceiptInvalid for an unknown type, no receipts or more
    than the type allows (100; 1 for CEB900), or a receipt without a field the XSD requires.
    """
    layout = layout_for(message_type)
    if layout is None:
        raise ReceiptInvalid(
            ReceiptError.UNKNOWN_MESSAGE, _("未知的回执报文类型「%(message)s」"), message=message_type
        )
    if not receipts:
        raise ReceiptInvalid(ReceiptError.NO_RECEIPTS, _("回执报文「%(element)s」中没有回执"),
                             element=layout.root_element)
    if layout.max_receipts is not None and len(receipts) > layout.max_receipts:
        raise ReceiptInvalid(
            ReceiptError.TOO_MANY_RECEIPTS,
            _("一个 %(message)s 报文最多 %(limit)s 条回执，给了 %(count)s 条"),
            message=layout.message_type,
            limit=layout.max_receipts,
            count=len(receipts),
        )
    receipt_guids = [receipt.get("guid") or _new_guid() for receipt in receipts]
    root = etree.Element(_NS + layout.root_element, nsmap={"ceb": CEB_NAMESPACE})
    root.set("guid", guid or receipt_guids[0])
    root.set("version", version)
    for index, (receipt, receipt_guid) in enumerate(zip(receipts, receipt_guids, strict=True), 1):
        if layout.body == RETURN_BODY:
            _add_return(root, layout, receipt, receipt_guid, index)
        elif layout.body == TAX_BILL_BODY:
            _add_tax_bill(root, layout, receipt, receipt_guid, index)
        elif layout.body == TAX_STATUS_BODY:
            tax = etree.SubElement(root, _NS + "Tax")
            _add_fields(etree.SubElement(tax, _NS + "TaxHeadStatus"), TAX_STATUS_HEAD,
                        _tax_values(receipt, receipt_guid), layout, index)
        else:
            _add_format_error(root, layout, receipt, receipt_guid, index)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def receipt_as_dict(receipt: Receipt) -> dict:
    """Flatten a parsed Receipt into the dict `build_receipt_message` takes (keys, details and the common fields)."""
    data = {"guid": receipt.guid, "return_time": receipt.return_time, **receipt.keys}
    if receipt.document == "tax":
        data.update(receipt.details)
        data.pop("total_tax", None)
        data["note"] = receipt.return_info
        data["lines"] = [dict(line) for line in receipt.details["lines"]]
    elif receipt.document == "tax_status":
        data.update(receipt.details)
    else:
        data.update(receipt.details)
        data["return_status"] = receipt.return_status
        data["return_info"] = receipt.return_info
    return data


def format_return_time(value: datetime | str | None) -> str:
    """Write a returnTime as YYYYMMDDhhmmssSSS in Asia/Shanghai; a naive datetime is taken as Shanghai time."""
    if value is None:
        value = datetime.now(SHANGHAI)
    if isinstance(value, str):
        return value + "000" if len(value) == 14 else value
    if value.tzinfo is not None:
        value = value.astimezone(SHANGHAI)
    return f"{value:%Y%m%d%H%M%S}{value.microsecond // 1000:03d}"


def format_amount(value) -> str:
    """Write an amount as a plain decimal with at most the XSD's 5 places (rounded half up beyond)."""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    if amount.as_tuple().exponent < -5:
        amount = amount.quantize(_AMOUNT_QUANTUM, rounding=ROUND_HALF_UP)
    return format(amount, "f")


def _new_guid() -> str:
    return str(uuid.uuid4()).upper()


def _default_info(code: str) -> str:
    with translation.override("zh-hans"):
        return status_label(code)


def _add_return(root, layout: ReceiptLayout, receipt: Mapping, receipt_guid: str, index: int) -> None:
    element = etree.SubElement(root, _NS + layout.receipt_element)
    etree.SubElement(element, _NS + "guid").text = receipt_guid
    for key in layout.keys:
        _add_value(element, key, receipt.get(key.name), layout, index)
    status = str(receipt.get("return_status") or "")
    if not status:
        raise _missing("return_status", layout, index)
    etree.SubElement(element, _NS + "returnStatus").text = status
    etree.SubElement(element, _NS + "returnTime").text = format_return_time(receipt.get("return_time"))
    etree.SubElement(element, _NS + "returnInfo").text = receipt.get("return_info") or _default_info(status)


def _tax_values(receipt: Mapping, receipt_guid: str) -> dict:
    values = dict(receipt)
    values["guid"] = receipt_guid
    values["return_time"] = format_return_time(receipt.get("return_time"))
    values.setdefault("status", receipt.get("return_status"))
    if not values.get("note"):
        values["note"] = receipt.get("return_info")
    return values


def _add_tax_bill(root, layout: ReceiptLayout, receipt: Mapping, receipt_guid: str, index: int) -> None:
    lines = receipt.get("lines") or ()
    if not lines:
        raise _missing("lines", layout, index)
    if len(lines) > TAX_BILL_MAX_LINES:
        raise ReceiptInvalid(
            ReceiptError.TOO_MANY_LINES,
            _("一张电子税单最多 %(limit)s 行，第 %(index)s 张有 %(count)s 行"),
            field="lines",
            limit=TAX_BILL_MAX_LINES,
            index=index,
            count=len(lines),
        )
    tax = etree.SubElement(root, _NS + "Tax")
    _add_fields(etree.SubElement(tax, _NS + "TaxHeadRd"), TAX_BILL_HEAD, _tax_values(receipt, receipt_guid),
                layout, index)
    for line in lines:
        _add_fields(etree.SubElement(tax, _NS + "TaxListRd"), TAX_BILL_LINE, line, layout, index)


def _add_format_error(root, layout: ReceiptLayout, receipt: Mapping, receipt_guid: str, index: int) -> None:
    element = etree.SubElement(root, _NS + layout.receipt_element)
    values = dict(receipt)
    values["guid"] = receipt_guid
    values["return_time"] = format_return_time(receipt.get("return_time"))
    original = values.get("ori_biz_message") or ""
    if isinstance(original, bytes):
        original = original.decode("utf-8", errors="replace")
    values["ori_biz_message"] = ""
    _add_fields(element, FORMAT_ERROR_FIELDS, values, layout, index)
    # CDATA cannot hold "]]>"; such a text is written escaped instead, which reads back the same.
    element[-1].text = etree.CDATA(original) if original and "]]>" not in original else original


def _add_fields(element, fields: tuple[Field, ...], values: Mapping, layout: ReceiptLayout, index: int) -> None:
    for item in fields:
        _add_value(element, item, values.get(item.name), layout, index)


def _add_value(element, item: Field, value, layout: ReceiptLayout, index: int) -> None:
    if value is None or value == "":
        if item.required and not item.may_be_empty:
            raise _missing(item.name, layout, index)
        if not item.required:
            return
        text = ""
    elif item.decimal:
        text = format_amount(value)
    else:
        text = str(value)
    etree.SubElement(element, _NS + item.xml).text = text


def _missing(name: str, layout: ReceiptLayout, index: int) -> ReceiptInvalid:
    return ReceiptInvalid(
        ReceiptError.MISSING_FIELD,
        _("第 %(index)s 条回执（%(message)s）缺少「%(name)s」"),
        field=name,
        index=index,
        message=layout.message_type,
        name=name,
    )

"""Read an import receipt message (CEB312/412/512/514/622/624/626/712/816/818/900) into Receipt values.

One lxml parse, then direct walks over the children with tag names computed once per namespace:
W5 parses 100,000 receipts, so nothing here validates against the XSD (the single window's
receipts are trusted to be well formed; what we need is missing, we say so). Values are stripped
of surrounding whitespace (the official samples carry stray tabs), times become aware datetimes
in Asia/Shanghai, amounts Decimal. A DxpMsg envelope is unwrapped by ecerp.customs.dxp first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _
from lxml import etree

from ecerp.customs.receipts.errors import ReceiptError, ReceiptInvalid
from ecerp.customs.receipts.layout import (
    CEB_NAMESPACE,
    FORMAT_ERROR_FIELDS,
    LAYOUTS_BY_ROOT,
    RETURN_BODY,
    TAX_BILL_BODY,
    TAX_BILL_HEAD,
    TAX_BILL_LINE,
    TAX_STATUS_BODY,
    TAX_STATUS_HEAD,
    Field,
    ReceiptLayout,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)


@dataclass(frozen=True, slots=True)
class Receipt:
    """One receipt out of a receipt message.

    `return_status` is the returnStatus ("800", "-621018"); for the tax documents (CEB816/818) it is
    the tax-bill status ("1" generated, "2" consolidated, "3" void). `keys` holds every key field of
    the receipt type in snake_case ("" when absent). `details` holds the rest: for CEB816 the tax
    amounts (Decimal), `total_tax`, `status`, `ent_duty_no`, `assure_code` and `lines` (a tuple of
    dicts gnum, gcode, tax_price, customs_tax, value_added_tax, consumption_tax); for CEB818
    `status`, `ent_duty_no`, `assure_code`; for CEB900 `ori_cop_msg_id`, `ori_message_type` and
    `ori_biz_message` (the original message text). `return_info` of a CEB816 is its note.
    `message_guid` is the guid attribute of the message root.
    """

    message_type: str
    guid: str
    return_status: str
    return_time: datetime | None
    return_info: str
    keys: dict
    document: str
    details: dict = field(default_factory=dict)
    message_guid: str = ""


class _Tags:
    """Qualified tag names of one namespace ("" for none), computed once."""

    def __init__(self, namespace: str):
        prefix = f"{{{namespace}}}" if namespace else ""
        self.prefix = prefix
        self.receipt = {layout.root_element: prefix + layout.receipt_element for layout in LAYOUTS_BY_ROOT.values()}
        self.tax = prefix + "Tax"
        self.tax_head = prefix + "TaxHeadRd"
        self.tax_line = prefix + "TaxListRd"
        self.tax_status = prefix + "TaxHeadStatus"
        self.guid = prefix + "guid"
        self.return_status = prefix + "returnStatus"
        self.return_time = prefix + "returnTime"
        self.return_info = prefix + "returnInfo"
        self.keys = {
            layout.message_type: tuple((prefix + key.xml, key) for key in layout.keys)
            for layout in LAYOUTS_BY_ROOT.values()
        }
        self.tax_head_fields = tuple((prefix + item.xml, item) for item in TAX_BILL_HEAD)
        self.tax_line_fields = tuple((prefix + item.xml, item) for item in TAX_BILL_LINE)
        self.tax_status_fields = tuple((prefix + item.xml, item) for item in TAX_STATUS_HEAD)
        self.format_error_fields = tuple((prefix + item.xml, item) for item in FORMAT_ERROR_FIELDS)


_TAGS = {CEB_NAMESPACE: _Tags(CEB_NAMESPACE), "": _Tags("")}

_TIME_CACHE: dict[str, datetime] = {}
_TIME_CACHE_LIMIT = 4096


def parse_receipts(xml: bytes) -> list[Receipt]:
    """Parse a receipt message into its receipts (1..n), in document order.

    Accepts the CEB namespace or, leniently, no namespace. Raises ReceiptInvalid when the bytes
    are not XML, the root is not a known receipt message, the message holds no receipt or an
    unexpected CEB element, or a receipt lacks a required field (guid, returnStatus, the tax
    amounts...) or carries an unreadable time or amount.
    """
    try:
        root = etree.fromstring(xml, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise ReceiptInvalid(
            ReceiptError.MALFORMED_XML, _("回执报文不是合法的 XML：%(reason)s"), reason=str(error)
        ) from None
    qname = etree.QName(root)
    layout = LAYOUTS_BY_ROOT.get(qname.localname)
    tags = _TAGS.get(qname.namespace or "")
    if layout is None or tags is None:
        raise ReceiptInvalid(
            ReceiptError.UNKNOWN_MESSAGE, _("未知的回执报文根元素「%(element)s」"), element=root.tag
        )
    message_guid = (root.get("guid") or "").strip()
    if layout.body == RETURN_BODY:
        receipts = _parse_returns(root, layout, tags, message_guid)
    elif layout.body == TAX_BILL_BODY:
        receipts = _parse_tax_bills(root, layout, tags, message_guid)
    elif layout.body == TAX_STATUS_BODY:
        receipts = _parse_tax_statuses(root, layout, tags, message_guid)
    else:
        receipts = _parse_format_errors(root, layout, tags, message_guid)
    if not receipts:
        raise ReceiptInvalid(
            ReceiptError.NO_RECEIPTS, _("回执报文「%(element)s」中没有回执"), element=layout.root_element
        )
    return receipts


def _receipt_children(root, wanted: str, tags: _Tags, layout: ReceiptLayout) -> list:
    """Return the root's children named `wanted`; other CEB elements are an error, foreign ones are skipped."""
    found = []
    for child in root:
        if child.tag == wanted:
            found.append(child)
        elif _in_namespace(child.tag, tags):
            raise ReceiptInvalid(
                ReceiptError.UNEXPECTED_ELEMENT,
                _("回执报文「%(message)s」中出现了意外的元素「%(element)s」"),
                message=layout.root_element,
                element=etree.QName(child).localname,
            )
    return found


def _in_namespace(tag, tags: _Tags) -> bool:
    if not isinstance(tag, str):  # an entity reference left unexpanded
        return False
    return tag.startswith(tags.prefix) if tags.prefix else not tag.startswith("{")


def _values(element) -> dict:
    """Map each child's tag to its stripped text."""
    return {child.tag: (child.text or "").strip() for child in element}


def _required(values: dict, tag: str, name: str, layout: ReceiptLayout, index: int) -> str:
    value = values.get(tag)
    if not value:
        raise ReceiptInvalid(
            ReceiptError.MISSING_FIELD,
            _("第 %(index)s 条回执（%(message)s）缺少「%(name)s」"),
            field=name,
            index=index,
            message=layout.message_type,
            name=etree.QName(tag).localname,
        )
    return value


def _parse_returns(root, layout: ReceiptLayout, tags: _Tags, message_guid: str) -> list[Receipt]:
    key_tags = tags.keys[layout.message_type]
    message_type = layout.message_type
    document = layout.document
    receipts = []
    for index, element in enumerate(_receipt_children(root, tags.receipt[layout.root_element], tags, layout), 1):
        values = _values(element)
        receipts.append(
            Receipt(
                message_type=message_type,
                guid=_required(values, tags.guid, "guid", layout, index),
                return_status=_required(values, tags.return_status, "return_status", layout, index),
                return_time=parse_return_time(values.get(tags.return_time, ""), index=index),
                return_info=values.get(tags.return_info, ""),
                keys={item.name: values.get(tag, "") for tag, item in key_tags},
                document=document,
                message_guid=message_guid,
            )
        )
    return receipts


def _tax_children(root, tags: _Tags, layout: ReceiptLayout) -> list:
    return _receipt_children(root, tags.tax, tags, layout)


def _read_fields(values: dict, fields: tuple[tuple[str, Field], ...], layout: ReceiptLayout, index: int) -> dict:
    read = {}
    for tag, item in fields:
        if item.required:
            raw = _required(values, tag, item.name, layout, index)
        else:
            raw = values.get(tag, "")
        if item.decimal:
            read[item.name] = parse_amount(raw, name=item.name, index=index)
        elif item.integer:
            read[item.name] = parse_integer(raw, name=item.name, index=index)
        else:
            read[item.name] = raw
    return read


def _parse_tax_bills(root, layout: ReceiptLayout, tags: _Tags, message_guid: str) -> list[Receipt]:
    receipts = []
    key_names = tuple(item.name for item in layout.keys)
    for index, tax in enumerate(_tax_children(root, tags, layout), 1):
        head = None
        lines = []
        for child in tax:
            if child.tag == tags.tax_head:
                head = child
            elif child.tag == tags.tax_line:
                lines.append(_read_fields(_values(child), tags.tax_line_fields, layout, index))
        if head is None:
            raise ReceiptInvalid(
                ReceiptError.MISSING_FIELD,
                _("第 %(index)s 条回执（%(message)s）缺少「%(name)s」"),
                field="tax_head",
                index=index,
                message=layout.message_type,
                name="TaxHeadRd",
            )
        read = _read_fields(_values(head), tags.tax_head_fields, layout, index)
        receipts.append(
            Receipt(
                message_type=layout.message_type,
                guid=read["guid"],
                return_status=read["status"],
                return_time=parse_return_time(read["return_time"], index=index),
                return_info=read["note"],
                keys={name: read[name] for name in key_names},
                document=layout.document,
                details={
                    "status": read["status"],
                    "customs_tax": read["customs_tax"],
                    "value_added_tax": read["value_added_tax"],
                    "consumption_tax": read["consumption_tax"],
                    "total_tax": read["customs_tax"] + read["value_added_tax"] + read["consumption_tax"],
                    "ent_duty_no": read["ent_duty_no"],
                    "assure_code": read["assure_code"],
                    "lines": tuple(lines),
                },
                message_guid=message_guid,
            )
        )
    return receipts


def _parse_tax_statuses(root, layout: ReceiptLayout, tags: _Tags, message_guid: str) -> list[Receipt]:
    receipts = []
    for index, tax in enumerate(_tax_children(root, tags, layout), 1):
        head = next((child for child in tax if child.tag == tags.tax_status), None)
        if head is None:
            raise ReceiptInvalid(
                ReceiptError.MISSING_FIELD,
                _("第 %(index)s 条回执（%(message)s）缺少「%(name)s」"),
                field="tax_status",
                index=index,
                message=layout.message_type,
                name="TaxHeadStatus",
            )
        read = _read_fields(_values(head), tags.tax_status_fields, layout, index)
        receipts.append(
            Receipt(
                message_type=layout.message_type,
                guid=read["guid"],
                return_status=read["status"],
                return_time=parse_return_time(read["return_time"], index=index),
                return_info="",
                keys={"invt_no": read["invt_no"], "tax_no": read["tax_no"]},
                document=layout.document,
                details={
                    "status": read["status"],
                    "ent_duty_no": read["ent_duty_no"],
                    "assure_code": read["assure_code"],
                },
                message_guid=message_guid,
            )
        )
    return receipts


def _parse_format_errors(root, layout: ReceiptLayout, tags: _Tags, message_guid: str) -> list[Receipt]:
    receipts = []
    for index, element in enumerate(_receipt_children(root, tags.receipt[layout.root_element], tags, layout), 1):
        # The original message is kept exactly as sent: no stripping.
        values = {child.tag: child.text or "" for child in element}
        guid = _required(values, tags.guid, "guid", layout, index).strip()
        status = _required(values, tags.return_status, "return_status", layout, index).strip()
        receipts.append(
            Receipt(
                message_type=layout.message_type,
                guid=guid,
                return_status=status,
                return_time=parse_return_time(values.get(tags.return_time, "").strip(), index=index),
                return_info=values.get(tags.return_info, "").strip(),
                keys={},
                document=layout.document,
                details={
                    "ori_cop_msg_id": values.get(tags.prefix + "oriCopMsgId", "").strip(),
                    "ori_message_type": values.get(tags.prefix + "oriMessageType", "").strip(),
                    "ori_biz_message": values.get(tags.prefix + "oriBizMessage", ""),
                },
                message_guid=message_guid,
            )
        )
    return receipts


def parse_return_time(value: str, *, index: int = 1) -> datetime | None:
    """Read a returnTime, YYYYMMDDhhmmssSSS (or leniently YYYYMMDDhhmmss), as an aware Asia/Shanghai datetime.

    An empty value gives None; anything else that is not such a time raises ReceiptInvalid.
    """
    if not value:
        return None
    cached = _TIME_CACHE.get(value)
    if cached is not None:
        return cached
    if len(value) not in (14, 17) or not value.isdigit():
        raise _invalid_time(value, index)
    try:
        parsed = datetime(
            int(value[0:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[8:10]),
            int(value[10:12]),
            int(value[12:14]),
            int(value[14:17] or 0) * 1000,
            tzinfo=SHANGHAI,
        )
    except ValueError:
        raise _invalid_time(value, index) from None
    if len(_TIME_CACHE) >= _TIME_CACHE_LIMIT:
        _TIME_CACHE.clear()
    _TIME_CACHE[value] = parsed
    return parsed


def _invalid_time(value: str, index: int) -> ReceiptInvalid:
    return ReceiptInvalid(
        ReceiptError.INVALID_TIME,
        _("第 %(index)s 条回执的时间「%(value)s」不是 YYYYMMDDhhmmssSSS 格式"),
        field="return_time",
        index=index,
        value=value,
    )


def parse_amount(value: str, *, name: str, index: int = 1) -> Decimal:
    """Read an amount (xs:decimal) as Decimal; raises ReceiptInvalid when it is not a finite number."""
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ReceiptInvalid(
            ReceiptError.INVALID_AMOUNT,
            _("第 %(index)s 条回执的金额「%(name)s」不是数字：「%(value)s」"),
            field=name,
            index=index,
            name=name,
            value=value,
        )
    return amount


def parse_integer(value: str, *, name: str, index: int = 1) -> int:
    """Read an xs:int; raises ReceiptInvalid when it is not an integer."""
    try:
        return int(value)
    except ValueError:
        raise ReceiptInvalid(
            ReceiptError.INVALID_NUMBER,
            _("第 %(index)s 条回执的「%(name)s」不是整数：「%(value)s」"),
            field=name,
            index=index,
            name=name,
            value=value,
        ) from None

"""Build the customs declaration messages (CEB311/411/511/513/621/623/625/711) as UTF-8 XML bytes.

The element order comes from documents.LAYOUTS, which mirrors the XSD (a test compares the two). Each
message is: the root (ceb namespace, guid and version attributes), the business nodes, BaseTransfer.
No signature: the signer appends ds:Signature as the root's last child, which is where the XSD wants it
(after BaseSubscribe and ExtendMessage, which ECERP does not send).

Speed matters (W5 builds four messages per order, at 1,000+ orders/s on two cores), so the XML is
written as text from precomputed tag strings rather than through an element tree (one element per
line, so that schema errors point at a useful line number); every text value
is escaped (&, <, >, CR) and a character XML cannot carry raises MessageInvalid. Parsing the result
with any XML parser gives exactly the values of the documents.

The builder checks what the schema cannot say clearly: the message type, the kind and number of
documents (1..100; CEB711 exactly 1), the number of lines (1..99; CEB711 at least 1) and that every
element the XSD requires has a value. Lengths and codes are the schema's job (ecerp.customs.schema).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from ecerp.customs.messages.documents import (
    DATE,
    DECIMAL,
    INT,
    LAYOUTS,
    TEXT,
    TIME,
    BaseTransfer,
    CancelDocument,
    DeliveryDocument,
    InventoryDocument,
    OrderDocument,
    PaymentDocument,
    RefundDocument,
    WaybillDocument,
    WaybillStatusDocument,
    new_guid,
)
from ecerp.customs.messages.errors import MessageError, MessageInvalid

CEB_NAMESPACE = "http://www.chinaport.gov.cn/ceb"
MESSAGE_VERSION = "1.0"
BEIJING = ZoneInfo("Asia/Shanghai")
FRACTION_QUANTUM = Decimal("0.00001")  # N19,5: at most five fraction digits
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """How one message type is laid out: root, optional wrapper, head element, optional line element."""

    message_type: str
    root: str
    wrapper: str | None
    head: str
    line: str | None
    document_type: type
    key_field: str
    max_documents: int = 100
    max_lines: int | None = 99
    signature_required: bool = False


SPECS: dict[str, MessageSpec] = {
    spec.message_type: spec
    for spec in (
        MessageSpec("CEB311", "CEB311Message", "Order", "OrderHead", "OrderList", OrderDocument, "order_no"),
        MessageSpec("CEB411", "CEB411Message", "Payment", "PaymentHead", None, PaymentDocument, "order_no"),
        MessageSpec("CEB511", "CEB511Message", "Logistics", "LogisticsHead", None, WaybillDocument, "logistics_no"),
        MessageSpec("CEB513", "CEB513Message", None, "LogisticsStatus", None, WaybillStatusDocument, "logistics_no"),
        MessageSpec("CEB621", "CEB621Message", "Inventory", "InventoryHead", "InventoryList", InventoryDocument,
                    "order_no", signature_required=True),
        MessageSpec("CEB623", "CEB623Message", None, "InvtCancel", None, CancelDocument, "invt_no",
                    signature_required=True),
        MessageSpec("CEB625", "CEB625Message", "InvtRefund", "InvtRefundHead", "InvtRefundList", RefundDocument,
                    "invt_no", signature_required=True),
        MessageSpec("CEB711", "CEB711Message", "Delivery", "DeliveryHead", "DeliveryList", DeliveryDocument,
                    "bill_no", max_documents=1, max_lines=None, signature_required=True),
    )
}
MESSAGE_TYPES = tuple(SPECS)


# --- value formatting -------------------------------------------------------------------------------

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class _BadValue(Exception):
    """A value cannot be written; turned into MessageInvalid naming the document and field."""


def _text(value) -> str:
    if value.__class__ is not str:
        if isinstance(value, (float, bool)) or not isinstance(value, (str, int, Decimal)):
            raise _BadValue(repr(value))
        value = str(value)
    # isprintable() is one C-level scan and true for nearly every value (CR, LF, TAB make it false).
    carriage_return = False
    if not value.isprintable():
        if _NOT_XML.search(value):
            raise _BadValue(repr(value))
        carriage_return = "\r" in value
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if carriage_return:
        value = value.replace("\r", "&#13;")
    return value


def format_decimal(value) -> str:
    """Write a Decimal (or int) as a plain decimal string with at most five fraction digits (N19,5).

    More places are rounded half up; exponents are expanded ("1E+2" -> "100"). Floats are refused.
    """
    cls = value.__class__
    if cls is int:
        return str(value)
    if cls is not Decimal:
        if isinstance(value, Decimal) or (isinstance(value, int) and not isinstance(value, bool)):
            value = Decimal(value)
        else:
            raise _BadValue(repr(value))
    if not value.is_finite():
        raise _BadValue(repr(value))
    text = format(value, "f")
    dot = text.find(".")
    if dot >= 0 and len(text) - dot - 1 > 5:
        text = format(value.quantize(FRACTION_QUANTUM, rounding=ROUND_HALF_UP), "f")
    return text


def _int(value) -> str:
    if value.__class__ is int:
        return str(value)
    if isinstance(value, str) and value.isdigit():
        return value
    raise _BadValue(repr(value))


def format_time(value) -> str:
    """Write a datetime as YYYYMMDDhhmmss in Beijing time (aware values are converted; naive ones kept)."""
    if isinstance(value, str):
        return _text(value)
    if not isinstance(value, datetime):
        raise _BadValue(repr(value))
    if value.tzinfo is not None:
        value = value.astimezone(BEIJING)
    return f"{value.year:04d}{value.month:02d}{value.day:02d}{value.hour:02d}{value.minute:02d}{value.second:02d}"


def format_date(value) -> str:
    """Write a date as YYYYMMDD (an aware datetime is first converted to Beijing time)."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(BEIJING)
    elif not isinstance(value, date):
        raise _BadValue(repr(value))
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


_FORMATTERS: dict[str, Callable[[object], str]] = {
    TEXT: _text, DECIMAL: format_decimal, INT: _int, TIME: format_time, DATE: format_date,
}


# --- precomputed element writers -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Element:
    name: str
    open: str
    close: str
    fields: tuple[tuple[str, str, str, str, Callable[[object], str], bool], ...]


def _compile(name: str) -> _Element:
    fields = tuple(
        (attribute, f"<ceb:{element}>", f"</ceb:{element}>\n", element, _FORMATTERS[kind], required)
        for attribute, element, kind, required in LAYOUTS[name]
    )
    return _Element(name, f"<ceb:{name}>\n", f"</ceb:{name}>\n", fields)


_ELEMENTS = {name: _compile(name) for name in LAYOUTS}


# --- generated fast writers ------------------------------------------------------------------------
# Per element, two functions are generated from LAYOUTS. Both return the element's text in one
# f-string. The fast one joins all text values once and, when the join is printable and holds no
# & < >, writes them as they are (nearly always: one scan instead of one escape call per value);
# otherwise it hands over to the checked one, which formats every value through its formatter. Both
# raise _Incomplete (or _BadValue) on a missing or unwritable value; the caller then runs the generic
# _write, which raises the precise error. Generated, because this is the hot path of W5.

class _Incomplete(Exception):
    """A required value is missing; the generic writer names it."""


_EMPTY = (None, "")


def _optional(formatter: Callable[[object], str], open_tag: str, close_tag: str) -> Callable[[object], str]:
    def write(value) -> str:
        if value is None or value == "":
            return ""
        return open_tag + formatter(value) + close_tag
    return write


def _source_text(text: str) -> str:
    return text.replace("\n", "\\n")


def _generate_checked(element: _Element) -> Callable[[object], str]:
    namespace: dict = {"_Incomplete": _Incomplete, "_EMPTY": _EMPTY}
    required = [f"o.{attribute} in _EMPTY" for attribute, *_rest, is_required in element.fields if is_required]
    pieces = []
    for index, (attribute, open_tag, close_tag, _name, formatter, is_required) in enumerate(element.fields):
        if is_required:
            namespace[f"f{index}"] = formatter
            pieces.append(f"{open_tag}{{f{index}(o.{attribute})}}{close_tag}")
        else:
            namespace[f"f{index}"] = _optional(formatter, open_tag, close_tag)
            pieces.append(f"{{f{index}(o.{attribute})}}")
    source = (
        "def write(o):\n"
        f"    if {' or '.join(required) or 'False'}:\n"
        "        raise _Incomplete\n"
        f'    return f"{_source_text(element.open + "".join(pieces) + element.close)}"\n'
    )
    exec(compile(source, f"<customs checked writer {element.name}>", "exec"), namespace)  # noqa: S102 - ours
    return namespace["write"]


def _generate(element: _Element) -> Callable[[object], str]:
    namespace: dict = {"_Incomplete": _Incomplete, "_EMPTY": _EMPTY, "checked": _generate_checked(element)}
    lines = ["def write(o):"]
    required, texts, pieces = [], [], []
    for index, (attribute, open_tag, close_tag, _name, formatter, is_required) in enumerate(element.fields):
        value = f"a{index}"
        lines.append(f"    {value} = o.{attribute}")
        namespace[f"o{index}"], namespace[f"c{index}"], namespace[f"f{index}"] = open_tag, close_tag, formatter
        is_text = formatter is _text
        if is_required:
            # Decimal == "" consults the numbers ABCs (slow): non-text values are only checked for None
            # here; an empty string there fails its formatter and the generic writer reports it.
            required.append(f"{value} in _EMPTY" if is_text else f"{value} is None")
            written = value if is_text else f"f{index}({value})"
            pieces.append(f"{open_tag}{{{written}}}{close_tag}")
        elif is_text:
            pieces.append(f"{{(o{index} + {value} + c{index}) if {value} else ''}}")
        else:
            pieces.append(f"{{(o{index} + f{index}({value}) + c{index}) if {value} is not None else ''}}")
        if is_text:
            texts.append(value)
    lines += [
        f"    if {' or '.join(required) or 'False'}:",
        "        raise _Incomplete",
        "    try:",
        f"        joined = ''.join(({', '.join(texts)},))",
        "    except TypeError:",
        "        return checked(o)",
        "    if not joined.isprintable() or '&' in joined or '<' in joined or '>' in joined:",
        "        return checked(o)",
        f'    return f"{_source_text(element.open + "".join(pieces) + element.close)}"',
    ]
    exec(compile("\n".join(lines) + "\n", f"<customs writer {element.name}>", "exec"), namespace)  # noqa: S102
    return namespace["write"]


_WRITERS = {name: _generate(element) for name, element in _ELEMENTS.items()}


def _write(parts: list[str], element: _Element, obj, message_type: str, gnum: int | None) -> None:
    parts.append(element.open)
    for attribute, open_tag, close_tag, name, formatter, required in element.fields:
        value = getattr(obj, attribute)
        if value is None or value == "":
            if required:
                _raise_missing(message_type, element.name, name, attribute, gnum)
            continue
        try:
            text = formatter(value)
        except _BadValue as exc:
            raise _invalid_value(message_type, element.name, name, attribute, gnum, str(exc)) from None
        parts.append(open_tag)
        parts.append(text)
        parts.append(close_tag)
    parts.append(element.close)


def _raise_missing(message_type, element, name, attribute, gnum):
    if gnum is None:
        raise MessageInvalid(
            MessageError.MESSAGE_FIELD_MISSING,
            _("%(message_type)s 报文的 %(element)s 缺少必填项 %(name)s（%(attribute)s）"),
            field=attribute, message_type=message_type, element=element, name=name, attribute=attribute,
        )
    raise MessageInvalid(
        MessageError.MESSAGE_FIELD_MISSING,
        _("%(message_type)s 报文的 %(element)s 第 %(gnum)s 项缺少必填项 %(name)s（%(attribute)s）"),
        field=attribute, message_type=message_type, element=element, name=name, attribute=attribute, gnum=gnum,
    )


def _invalid_value(message_type, element, name, attribute, gnum, value):
    where = element if gnum is None else f"{element} gnum={gnum}"
    return MessageInvalid(
        MessageError.MESSAGE_VALUE_INVALID,
        _("%(message_type)s 报文的 %(where)s 中 %(name)s（%(attribute)s）的值 %(value)s 无法写入报文"),
        field=attribute, message_type=message_type, where=where, name=name, attribute=attribute, value=value,
    )


def _fast(writer, element: _Element, obj, message_type: str, gnum) -> str:
    try:
        return writer(obj)
    except (_Incomplete, _BadValue):
        parts: list[str] = []
        _write(parts, element, obj, message_type, gnum)  # raises the precise MessageInvalid
        return "".join(parts)  # e.g. "" for an optional amount, which the generic writer leaves out


def get_spec(message_type: str) -> MessageSpec:
    """Return the layout of a message type ("CEB311" or "CEB311Message"); MessageInvalid when unknown."""
    spec = SPECS.get(message_type.removesuffix("Message"))
    if spec is None:
        raise MessageInvalid(
            MessageError.MESSAGE_TYPE_UNKNOWN,
            _("不支持构建报文类型 %(message_type)s（支持：%(types)s）"),
            field="message_type", message_type=message_type, types=", ".join(MESSAGE_TYPES),
        )
    return spec


def _check_documents(spec: MessageSpec, documents: Sequence) -> None:
    count = len(documents)
    if count == 0:
        raise MessageInvalid(
            MessageError.MESSAGE_NO_DOCUMENTS, _("%(message_type)s 报文至少需要一份单证"),
            field="documents", message_type=spec.message_type,
        )
    if count > spec.max_documents:
        raise MessageInvalid(
            MessageError.MESSAGE_TOO_MANY_DOCUMENTS,
            _("%(message_type)s 报文最多 %(limit)s 份单证，收到 %(count)s 份"),
            field="documents", message_type=spec.message_type, limit=spec.max_documents, count=count,
        )
    for document in documents:
        if document.__class__ is not spec.document_type:
            raise MessageInvalid(
                MessageError.MESSAGE_DOCUMENT_MISMATCH,
                _("%(message_type)s 报文需要 %(expected)s，收到 %(given)s"),
                field="documents", message_type=spec.message_type,
                expected=spec.document_type.__name__, given=type(document).__name__,
            )


def _check_lines(spec: MessageSpec, document) -> None:
    count = len(document.lines)
    key = getattr(document, spec.key_field)
    if count == 0:
        raise MessageInvalid(
            MessageError.MESSAGE_NO_LINES, _("%(message_type)s 报文的单证 %(key)s 没有表体（%(element)s）"),
            field="lines", message_type=spec.message_type, key=key, element=spec.line,
        )
    if spec.max_lines is not None and count > spec.max_lines:
        raise MessageInvalid(
            MessageError.MESSAGE_TOO_MANY_LINES,
            _("%(message_type)s 报文的单证 %(key)s 有 %(count)s 项表体，最多允许 %(limit)s 项，请拆分"),
            field="lines", message_type=spec.message_type, key=key, count=count, limit=spec.max_lines,
        )


def build_message(message_type: str, documents: Sequence, base: BaseTransfer, *, guid: str | None = None) -> bytes:
    """Build one unsigned declaration message of message_type from its documents, as UTF-8 XML bytes.

    documents are of the type the message carries (OrderDocument for CEB311, ...); base names the
    transmitting enterprise. guid is the message's own id (a new uppercase UUID when not given).
    Raises MessageInvalid (MESSAGE_TYPE_UNKNOWN, MESSAGE_DOCUMENT_MISMATCH, MESSAGE_NO_DOCUMENTS,
    MESSAGE_TOO_MANY_DOCUMENTS, MESSAGE_NO_LINES, MESSAGE_TOO_MANY_LINES, MESSAGE_FIELD_MISSING naming
    the element, field and gnum, MESSAGE_VALUE_INVALID). The result is not validated: see schema.
    """
    spec = get_spec(message_type)
    _check_documents(spec, documents)
    message_type = spec.message_type
    head = _ELEMENTS[spec.head]
    line = _ELEMENTS[spec.line] if spec.line else None
    guid = _text(guid) if guid else new_guid()
    parts = [
        XML_DECLARATION,
        f'<ceb:{spec.root} xmlns:ceb="{CEB_NAMESPACE}" guid="{guid.replace(chr(34), "")}"'
        f' version="{MESSAGE_VERSION}">\n',
    ]
    wrapper_open = f"<ceb:{spec.wrapper}>\n" if spec.wrapper else ""
    wrapper_close = f"</ceb:{spec.wrapper}>\n" if spec.wrapper else ""
    write_head = _WRITERS[spec.head]
    write_line = _WRITERS[spec.line] if spec.line else None
    for document in documents:
        if line is not None:
            _check_lines(spec, document)
        parts.append(wrapper_open)
        parts.append(_fast(write_head, head, document, message_type, None))
        if line is not None:
            for item in document.lines:
                parts.append(_fast(write_line, line, item, message_type, getattr(item, "gnum", None) or "?"))
        parts.append(wrapper_close)
    parts.append(_fast(_WRITERS["BaseTransfer"], _ELEMENTS["BaseTransfer"], base, message_type, None))
    parts.append(f"</ceb:{spec.root}>\n")
    return "".join(parts).encode()

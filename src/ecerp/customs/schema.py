"""Validate customs messages against the official XSDs (import business messages and the DXP envelope).

The XSDs are not copied into the project: they are read from settings.ECERP_CUSTOMS_XSD_DIR, compiled
once per process (per folder) and shared by every thread. Both XSDs import xmldsig; that import is
resolved to the folder's own xmldsig-core-schema.xsd and the network is never used.

The hot path (validate_message of a valid message) parses and validates in one pass with a validating
parser; only an invalid message pays for the full error list, which names the line and the element.
"""

from __future__ import annotations

import threading
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from lxml import etree

from ecerp.customs.messages.errors import MessageError, MessageInvalid, SchemaMissing

CEB_XSD = "ceb-import-202205.xsd"
DXP_XSD = "dxp-terminal-node-202205.xsd"
XMLDSIG_XSD = "xmldsig-core-schema.xsd"

CEB_NAMESPACE = "http://www.chinaport.gov.cn/ceb"
DXP_NAMESPACE = "http://www.chinaport.gov.cn/dxp"
DS_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
_SHORT_NAMES = ((f"{{{CEB_NAMESPACE}}}", "ceb:"), (f"{{{DXP_NAMESPACE}}}", "dxp:"), (f"{{{DS_NAMESPACE}}}", "ds:"))

_lock = threading.Lock()
_schemas: dict[tuple[str, str], etree.XMLSchema] = {}
_local = threading.local()


class _LocalXmldsig(etree.Resolver):
    """Send every reference to the xmldsig schema to the local copy beside the XSD."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder

    def resolve(self, system_url, public_id, context):
        if system_url and system_url.rsplit("/", 1)[-1] == XMLDSIG_XSD:
            return self.resolve_filename(str(self.folder / XMLDSIG_XSD), context)
        return None


def _folder() -> Path:
    return Path(settings.ECERP_CUSTOMS_XSD_DIR)


def _missing(path: Path) -> SchemaMissing:
    return SchemaMissing(
        MessageError.SCHEMA_MISSING,
        _("找不到海关报文 XSD：%(path)s（请检查设置 ECERP_CUSTOMS_XSD_DIR，它应指向官方 XSD 所在的文件夹）"),
        field="ECERP_CUSTOMS_XSD_DIR", path=str(path),
    )


def get_schema(name: str = CEB_XSD) -> etree.XMLSchema:
    """Return the compiled XSD `name` from settings.ECERP_CUSTOMS_XSD_DIR, compiling it on first use.

    Raises SchemaMissing (SCHEMA_MISSING, naming the setting and the path) when the folder, the file
    or the xmldsig schema it imports is missing.
    """
    folder = _folder()
    key = (str(folder), name)
    schema = _schemas.get(key)
    if schema is not None:
        return schema
    with _lock:
        schema = _schemas.get(key)
        if schema is None:
            for required in (folder, folder / name, folder / XMLDSIG_XSD):
                if not required.exists():
                    raise _missing(required)
            parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
            parser.resolvers.add(_LocalXmldsig(folder))
            schema = etree.XMLSchema(etree.parse(str(folder / name), parser))
            _schemas[key] = schema
    return schema


def _parser() -> etree.XMLParser:
    # lxml parsers must not be shared between threads: one per thread.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(
            no_network=True, resolve_entities=False, load_dtd=False, collect_ids=False, huge_tree=False
        )
    return parser


def _shorten(text: str) -> str:
    for long, short in _SHORT_NAMES:
        text = text.replace(long, short)
    return text


def _problems(document, name: str) -> list[str]:
    # The shared schema's error_log is overwritten by every validation in any thread; the details of
    # an invalid message come from a second compiled copy used under a lock (invalid messages are rare).
    key = (str(_folder()), name)
    with _report_lock:
        schema = _reporting_schemas.get(key)
        if schema is None:
            get_schema(name)  # raises SchemaMissing first when needed
            parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
            parser.resolvers.add(_LocalXmldsig(_folder()))
            schema = _reporting_schemas[key] = etree.XMLSchema(etree.parse(str(_folder() / name), parser))
        if schema.validate(document):
            return []
        return [f"line {entry.line}: {_shorten(entry.message)} ({_shorten(entry.path or '')})".replace(" ()", "")
                for entry in schema.error_log]


_report_lock = threading.Lock()
_reporting_schemas: dict[tuple[str, str], etree.XMLSchema] = {}


def _validate(xml: bytes, name: str) -> list[str]:
    if isinstance(xml, str):
        xml = xml.encode()
    schema = get_schema(name)
    try:
        document = etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as exc:
        return [f"line {exc.lineno}: {_shorten(exc.msg)}"]
    if schema.validate(document):
        return []
    return _problems(document, name) or ["line 0: invalid"]


def validate_message(xml: bytes) -> list[str]:
    """Validate a customs business message (CEBxxxMessage) against the import XSD.

    Returns the problems as "line N: Element 'ceb:orderNo': ..." strings, empty when the message is
    valid; a message that is not well-formed XML gives one entry. Raises SchemaMissing when the XSD
    cannot be found.
    """
    return _validate(xml, CEB_XSD)


def validate_envelope(xml: bytes) -> list[str]:
    """Validate a DXP terminal envelope (dxp:DxpMsg) against the DXP XSD; same result as validate_message."""
    return _validate(xml, DXP_XSD)


def assert_valid(xml: bytes) -> None:
    """Raise MessageInvalid (MESSAGE_SCHEMA_INVALID, every problem as one detail) unless the message is valid."""
    problems = validate_message(xml)
    if problems:
        _raise_invalid(problems)


def assert_valid_envelope(xml: bytes) -> None:
    """Raise MessageInvalid (MESSAGE_SCHEMA_INVALID) unless the DXP envelope is valid."""
    problems = validate_envelope(xml)
    if problems:
        _raise_invalid(problems)


def _raise_invalid(problems: list[str]) -> None:
    errors = [
        MessageInvalid(MessageError.MESSAGE_SCHEMA_INVALID, _("报文未通过 XSD 校验：%(problem)s"), problem=problem)
        for problem in problems
    ]
    raise MessageInvalid.many([detail for error in errors for detail in error.details])


def message_type_of(xml: bytes) -> str:
    """Return the message type of a customs business message from its root element ("CEB311", "CEB622"...).

    Reads only up to the root's start tag. Raises MessageInvalid (MESSAGE_NOT_CUSTOMS) when the root
    is not a CEBnnnMessage element of the ceb namespace, or the bytes are not XML.
    """
    if isinstance(xml, str):
        xml = xml.encode()
    try:
        for _event, element in etree.iterparse(BytesIO(xml), events=("start",), no_network=True,
                                               resolve_entities=False, load_dtd=False):
            tag = element.tag
            break
        else:
            tag = ""
    except etree.XMLSyntaxError:
        tag = ""
    namespace, _sep, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    if (namespace != CEB_NAMESPACE or not local.startswith("CEB") or not local.endswith("Message")
            or not local[3:-7].isdigit()):
        raise MessageInvalid(
            MessageError.MESSAGE_NOT_CUSTOMS, _("不是海关跨境电商报文（根元素 %(root)s）"),
            field="xml", root=_shorten(tag) or "?",
        )
    return local[:-7]


# A structurally valid enveloped ds:Signature that is no real signature. CEB621/623/625/711 require the
# element and the XSD checks only its structure, so a message can be checked before it is signed (tests,
# the W5 benchmark) without a key; never sent.
PLACEHOLDER_SIGNATURE = (
    b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
    b"<ds:SignedInfo>"
    b'<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
    b'<ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>'
    b'<ds:Reference URI="">'
    b'<ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    b"</ds:Transforms>"
    b'<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>'
    b"<ds:DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</ds:DigestValue>"
    b"</ds:Reference>"
    b"</ds:SignedInfo>"
    b"<ds:SignatureValue>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</ds:SignatureValue>"
    b"<ds:KeyInfo><ds:KeyName>placeholder</ds:KeyName></ds:KeyInfo>"
    b"</ds:Signature>"
)


def with_placeholder_signature(xml: bytes) -> bytes:
    """Append the placeholder ds:Signature as the root's last child (to check an unsigned message's shape)."""
    end = xml.rstrip().rfind(b"</")
    return xml[:end] + PLACEHOLDER_SIGNATURE + xml[end:]

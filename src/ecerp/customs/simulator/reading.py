"""How the simulator reads the declarations it receives: every business entity as a dict of its fields.

ECERP's message package builds declarations; nothing else in ECERP needs to read them back, so the
simulator reads them generically: each business node (Order, Payment, Logistics, LogisticsStatus,
Inventory, InvtCancel, InvtRefund, Delivery) becomes a head dict (the *Head child, or the node itself
when it is flat) and a list of line dicts (the *List children), field names in snake_case, values as
the text of the XML (the simulator converts what it compares).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

CEB_NS = "http://www.chinaport.gov.cn/ceb"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
FRAME_ELEMENTS = {"BaseTransfer", "BaseSubscribe", "ExtendMessage", "Signature"}


def snake_case(name: str) -> str:
    """Turn an XML element name (camelCase) into snake_case."""
    return "".join(f"_{char.lower()}" if char.isupper() else char for char in name)


def _local(element) -> str:
    return etree.QName(element).localname


def _fields(element) -> dict[str, str]:
    return {snake_case(_local(child)): (child.text or "").strip() for child in element
            if isinstance(child.tag, str) and len(child) == 0}


@dataclass(frozen=True)
class BusinessDocument:
    """One business entity of a declaration: its head fields and its lines."""

    entity: str
    head: dict[str, str]
    lines: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class ReadDeclaration:
    """A declaration message as the simulator sees it."""

    message_type: str
    guid: str
    documents: tuple[BusinessDocument, ...]
    base_transfer: dict[str, str] = field(default_factory=dict)
    signed: bool = False


def read_declaration(xml: bytes) -> ReadDeclaration:
    """Read a CEB declaration message (311/411/511/513/621/623/625/711); raises etree.XMLSyntaxError."""
    root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    message_type = _local(root).removesuffix("Message")
    documents, base_transfer, signed = [], {}, False
    for node in root:
        if not isinstance(node.tag, str):
            continue
        name = _local(node)
        if name == "BaseTransfer":
            base_transfer = _fields(node)
        elif name == "Signature":
            signed = True
        elif name not in FRAME_ELEMENTS:
            heads = [child for child in node if isinstance(child.tag, str) and _local(child).endswith("Head")]
            lines = tuple(_fields(child) for child in node
                          if isinstance(child.tag, str) and _local(child).endswith("List"))
            head = _fields(heads[0]) if heads else _fields(node)
            documents.append(BusinessDocument(entity=name, head=head, lines=lines))
    return ReadDeclaration(message_type=message_type, guid=root.get("guid", ""), documents=tuple(documents),
                           base_transfer=base_transfer, signed=signed)


__all__ = ["BusinessDocument", "ReadDeclaration", "read_declaration", "snake_case"]

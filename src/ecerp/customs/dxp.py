"""The DXP terminal-node envelope (dxp:DxpMsg) that carries a business message to the single window.

An enterprise running its own client wraps each signed CEB message as Base64 in a DxpMsg:
TransInfo (CopMsgId, SenderId, ReceiverIds/ReceiverId, CreatTime, MsgType), Data, and AddInfo with the
file name. The envelope validates against dxp-terminal-node-202205.xsd (see schema.validate_envelope).
CreatTime is written as Beijing local time without an offset, the way the customs clients write it;
unwrap() reads a time without offset as Beijing time.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lxml import etree

from ecerp.customs import schema
from ecerp.customs.messages.build import BEIJING
from ecerp.customs.messages.errors import EnvelopeInvalid, MessageError

DXP_NAMESPACE = "http://www.chinaport.gov.cn/dxp"
DEFAULT_RECEIVER = "DXPEDCCEB0000002"  # the customs CEB receiver id used by the national single window [U]
_Q = f"{{{DXP_NAMESPACE}}}"


@dataclass(frozen=True, slots=True)
class Envelope:
    """A DxpMsg read back: who sent it to whom, when, which message type (MsgType verbatim, e.g.
    "CEB311Message"), the business message bytes, and AddInfo/FileName when present."""

    cop_msg_id: str
    sender_id: str
    receiver_ids: tuple[str, ...]
    created: datetime
    message_type: str
    message: bytes
    file_name: str = ""


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _invalid(reason) -> EnvelopeInvalid:
    return EnvelopeInvalid(MessageError.ENVELOPE_INVALID, _("DXP 报文封装无效：%(reason)s"), reason=reason)


def wrap(
    message: bytes,
    *,
    message_type: str,
    sender_id: str,
    receiver_ids: str | Sequence[str] = (DEFAULT_RECEIVER,),
    cop_msg_id: str | None = None,
    created: datetime | None = None,
    file_name: str | None = None,
) -> bytes:
    """Wrap a business message in a DXP terminal envelope and return it as UTF-8 XML bytes.

    message_type is "CEB311" or "CEB311Message" (written as MsgType "CEB311Message"); sender_id is the
    enterprise's DXP id; receiver_ids one to five receiver ids; cop_msg_id the sender's own message id
    (a new UUID when not given; CEB900 echoes it back); created defaults to now; file_name (AddInfo)
    defaults to "<MsgType>_<cop_msg_id>.xml". Raises EnvelopeInvalid (ENVELOPE_INVALID) on an empty
    message or sender, or no / more than five receivers.
    """
    if not message:
        raise _invalid(_("报文为空"))
    if not sender_id:
        raise _invalid(_("缺少发送方 SenderId"))
    receivers = (receiver_ids,) if isinstance(receiver_ids, str) else tuple(receiver_ids)
    if not 1 <= len(receivers) <= 5 or not all(receivers):
        raise _invalid(_("接收方 ReceiverId 应为 1 到 5 个"))
    msg_type = message_type if message_type.endswith("Message") else f"{message_type}Message"
    cop_msg_id = cop_msg_id or str(uuid.uuid4())
    created = (created or timezone.now())
    if created.tzinfo is not None:
        created = created.astimezone(BEIJING)
    file_name = file_name or f"{msg_type}_{cop_msg_id}.xml"
    receiver_xml = "".join(f"<dxp:ReceiverId>{_escape(receiver)}</dxp:ReceiverId>" for receiver in receivers)
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<dxp:DxpMsg xmlns:dxp="{DXP_NAMESPACE}" ver="1.0">\n'
        "<dxp:TransInfo>\n"
        f"<dxp:CopMsgId>{_escape(cop_msg_id)}</dxp:CopMsgId>\n"
        f"<dxp:SenderId>{_escape(sender_id)}</dxp:SenderId>\n"
        f"<dxp:ReceiverIds>{receiver_xml}</dxp:ReceiverIds>\n"
        f"<dxp:CreatTime>{created.strftime('%Y-%m-%dT%H:%M:%S')}</dxp:CreatTime>\n"
        f"<dxp:MsgType>{_escape(msg_type)}</dxp:MsgType>\n"
        "</dxp:TransInfo>\n"
        "<dxp:Data>"
    )
    tail = f"</dxp:Data>\n<dxp:AddInfo><dxp:FileName>{_escape(file_name)}</dxp:FileName></dxp:AddInfo>\n</dxp:DxpMsg>\n"
    return head.encode() + base64.b64encode(message) + tail.encode()


def unwrap(envelope: bytes, *, validate: bool = True) -> Envelope:
    """Read a DXP terminal envelope: its TransInfo, AddInfo/FileName and the decoded business message.

    With validate (the default) the envelope is first checked against the DXP XSD. Raises
    EnvelopeInvalid (ENVELOPE_INVALID) when it is not XML, not a DxpMsg, invalid, or its Data is not
    Base64; SchemaMissing when the XSD cannot be found.
    """
    if validate:
        problems = schema.validate_envelope(envelope)
        if problems:
            raise _invalid("; ".join(problems))
    try:
        root = etree.fromstring(envelope, schema._parser())
    except etree.XMLSyntaxError as exc:
        raise _invalid(str(exc)) from None
    if root.tag != f"{_Q}DxpMsg":
        raise _invalid(_("根元素不是 dxp:DxpMsg"))

    def text(path: str) -> str:
        return (root.findtext(path) or "").strip()

    try:
        message = base64.b64decode("".join((root.findtext(f"{_Q}Data") or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(_("Data 不是有效的 Base64")) from None
    created_text = text(f"{_Q}TransInfo/{_Q}CreatTime")
    try:
        created = datetime.fromisoformat(created_text.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(_("CreatTime 不是有效的时间：%(value)s") % {"value": created_text}) from None
    if created.tzinfo is None:
        created = created.replace(tzinfo=BEIJING)
    return Envelope(
        cop_msg_id=text(f"{_Q}TransInfo/{_Q}CopMsgId"),
        sender_id=text(f"{_Q}TransInfo/{_Q}SenderId"),
        receiver_ids=tuple(
            (receiver.text or "").strip() for receiver in root.iterfind(f"{_Q}TransInfo/{_Q}ReceiverIds/{_Q}ReceiverId")
        ),
        created=created,
        message_type=text(f"{_Q}TransInfo/{_Q}MsgType"),
        message=message,
        file_name=text(f"{_Q}AddInfo/{_Q}FileName"),
    )

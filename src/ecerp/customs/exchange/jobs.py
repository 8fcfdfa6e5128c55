"""The exchange job: send pending outgoing customs messages, receive and record incoming receipts.

One round (`run_exchange_round`):

1. every outgoing CustomsMessage that is pending and due (next_attempt_at empty or past) is
   wrapped in a DxpMsg envelope and handed to the transport, oldest first. The envelope is built
   from the row alone (CopMsgId = the message guid, CreatTime = the row's creation time), so a
   message sent twice after a crash is byte-identical and customs can drop the copy. A success is
   recorded with services.declarations.mark_sent; a failure with mark_send_failed, retried with
   exponential backoff (30 s, 1 min, 2 min ... at most an hour) until max_attempts, then failed.
2. everything waiting on the transport is unwrapped (a bare CEB message, as some customs clients
   deliver, is taken as it is) and handed to services.declarations.record_incoming, which stores it
   verbatim, dedupes by SHA-256 and applies it; the payload is acknowledged only after that
   returned, so a crash in between redelivers it and the dedupe makes that harmless. A payload
   record_incoming refuses with a domain error is set aside (rejected) with the reason; any other
   failure leaves it for the next round.

Background work has no acting user: the services record it as the system (user None).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from lxml import etree

from ecerp.core.errors import DomainError
from ecerp.customs.exchange import ENTERPRISE, Transport, get_transport

logger = logging.getLogger(__name__)

BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 3600
MAX_ATTEMPTS = 10
CEB_NS = "{http://www.chinaport.gov.cn/ceb}"
DXP_ROOT = b"DxpMsg"


@dataclass
class ExchangeResult:
    """What one round did."""

    sent: int = 0
    send_failures: int = 0
    received: int = 0
    rejected: int = 0
    left: int = 0
    errors: list[str] = field(default_factory=list)


def retry_delay(attempts: int, *, base: int = BASE_DELAY_SECONDS, ceiling: int = MAX_DELAY_SECONDS) -> int:
    """Return the seconds to wait before attempt number attempts + 1 (exponential, capped)."""
    return min(base * 2 ** max(attempts - 1, 0), ceiling)


def sender_id_of(message: bytes) -> str:
    """Return the DXP id of a declaration's BaseTransfer (settings ECERP_CUSTOMS_DXP_ID when absent)."""
    try:
        root = etree.fromstring(message, parser=etree.XMLParser(resolve_entities=False, no_network=True))
        found = root.findtext(f"{CEB_NS}BaseTransfer/{CEB_NS}dxpId")
    except etree.XMLSyntaxError:
        found = None
    return (found or "").strip() or getattr(settings, "ECERP_CUSTOMS_DXP_ID", "") or "DXPENT0000000000"


def envelope_for(row) -> tuple[str, bytes]:
    """Return (name, DxpMsg envelope) for an outgoing CustomsMessage row, identical on every call."""
    from ecerp.customs import dxp

    receiver = getattr(settings, "ECERP_CUSTOMS_RECEIVER_ID", "") or dxp.DEFAULT_RECEIVER
    envelope = dxp.wrap(bytes(row.raw), message_type=row.message_type, sender_id=sender_id_of(bytes(row.raw)),
                        receiver_ids=[receiver], cop_msg_id=row.guid or f"ECERP-{row.pk}", created=row.created_at)
    return f"{row.message_type}_{row.guid or row.pk}.xml", envelope


def send_pending(*, transport: Transport, now: datetime.datetime | None = None, limit: int = 100,
                 max_attempts: int = MAX_ATTEMPTS, result: ExchangeResult | None = None) -> ExchangeResult:
    """Send the due pending outgoing messages through transport, recording each outcome."""
    from ecerp.customs.models import CustomsMessage
    from ecerp.customs.services.declarations import mark_send_failed, mark_sent
    from ecerp.customs.states import MessageDirection, MessageStatus

    now = now or timezone.now()
    result = result or ExchangeResult()
    rows = list(CustomsMessage.objects.filter(direction=MessageDirection.OUT, status=MessageStatus.PENDING)
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).order_by("pk")[:limit])
    for row in rows:
        try:
            name, envelope = envelope_for(row)
            transport.send(name, envelope)
        except Exception as error:  # the transport's failure is recorded on the row and retried later
            attempts = row.attempts + 1
            retry_at = now + datetime.timedelta(seconds=retry_delay(attempts)) if attempts < max_attempts else None
            mark_send_failed(message_id=row.pk, error=f"{type(error).__name__}: {error}", retry_at=retry_at)
            result.send_failures += 1
            result.errors.append(f"{row.message_type} {row.guid}: {error}")
            logger.warning("customs message %s not sent (attempt %s): %s", row.pk, attempts, error)
            continue
        mark_sent(message_ids=[row.pk])
        result.sent += 1
    return result


def unwrap_payload(payload: bytes) -> tuple[bytes, str]:
    """Return (business message, CopMsgId) of a received payload; a bare message is returned as it is."""
    from ecerp.customs import dxp

    if DXP_ROOT not in payload[:500]:
        return payload, ""
    envelope = dxp.unwrap(payload)
    return envelope.message, envelope.cop_msg_id


def receive_incoming(*, transport: Transport, limit: int = 100,
                     result: ExchangeResult | None = None) -> ExchangeResult:
    """Record every payload waiting on transport through record_incoming, acknowledging each afterwards."""
    from ecerp.customs.services.declarations import record_incoming

    result = result or ExchangeResult()
    for item in transport.receive(limit):
        try:
            message, cop_msg_id = unwrap_payload(item.payload)
            source = f"{transport.kind}:{item.name}" + (f" ({cop_msg_id})" if cop_msg_id else "")
            record_incoming(raw=message, source=source[:200])
        except DomainError as error:
            item.reject(str(error))
            result.rejected += 1
            result.errors.append(f"{item.name}: {error}")
            continue
        except Exception as error:  # e.g. the database is away: leave the payload for the next round
            result.left += 1
            result.errors.append(f"{item.name}: {type(error).__name__}: {error}")
            logger.exception("customs payload %s left for the next round", item.name)
            continue
        item.ack()
        result.received += 1
    if result.left:
        transport.close()  # AMQP hands unacknowledged payloads back on close; the folder keeps them anyway
    return result


def run_exchange_round(*, transport: Transport | None = None, now: datetime.datetime | None = None,
                       limit: int = 100) -> ExchangeResult:
    """Send what is due, then receive what waits; return the counts of both."""
    transport = transport or get_transport(ENTERPRISE)
    result = send_pending(transport=transport, now=now, limit=limit)
    return receive_incoming(transport=transport, limit=limit, result=result)


__all__ = ["ExchangeResult", "envelope_for", "receive_incoming", "retry_delay", "run_exchange_round",
           "send_pending", "sender_id_of", "unwrap_payload"]

"""The exchange job: pending messages sent with retries and backoff, incoming payloads recorded then acknowledged."""

import datetime

import pytest
from django.utils import timezone

from ecerp.customs import dxp
from ecerp.customs.exchange import CUSTOMS, ENTERPRISE
from ecerp.customs.exchange.folder import FolderTransport
from ecerp.customs.exchange.jobs import (
    MAX_ATTEMPTS,
    envelope_for,
    receive_incoming,
    retry_delay,
    run_exchange_round,
    send_pending,
)
from ecerp.customs.models import CustomsMessage
from ecerp.customs.services.declarations import submit_declaration
from ecerp.customs.states import DeclarationStatus as D
from ecerp.customs.states import MessageDirection, MessageStatus
from tests.customs.test_declaration_helpers import cross_border_store, declare, filed_product, list_receipt

pytestmark = pytest.mark.django_db


class BrokenTransport:
    """A transport whose sends fail (the broker or the folder is away)."""

    kind = "broken"
    role = ENTERPRISE

    def send(self, name, payload):
        raise OSError("exchange folder not mounted")

    def receive(self, limit=100):
        return []

    def close(self):
        pass


@pytest.fixture
def submitted(make_user):
    user = make_user("customs1", role="customs")
    declaration = declare(user, cross_border_store(), [(filed_product("MILK-1"), 2, "200.00")])
    submit_declaration(user=user, declaration=declaration)
    return declaration


def test_retry_delay_doubles_up_to_an_hour():
    assert [retry_delay(attempt) for attempt in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(20) == 3600


def test_pending_messages_go_out_in_envelopes_and_the_declaration_is_declared(submitted, tmp_path):
    # given four pending messages
    enterprise = FolderTransport(tmp_path, role=ENTERPRISE)
    # when the job sends
    result = send_pending(transport=enterprise)
    # then customs finds four DxpMsg envelopes holding the stored messages, in order
    assert result.sent == 4
    received = FolderTransport(tmp_path, role=CUSTOMS).receive()
    envelopes = [dxp.unwrap(item.payload) for item in received]
    assert [envelope.message_type for envelope in envelopes] == ["CEB311Message", "CEB411Message", "CEB511Message",
                                                                 "CEB621Message"]
    rows = list(CustomsMessage.objects.filter(declaration=submitted, direction=MessageDirection.OUT).order_by("pk"))
    assert [envelope.message for envelope in envelopes] == [bytes(row.raw) for row in rows]
    assert envelopes[0].cop_msg_id == rows[0].guid and envelopes[0].sender_id
    assert all(row.status == MessageStatus.SENT and row.attempts == 1 for row in rows)
    submitted.refresh_from_db()
    assert submitted.status == D.DECLARED
    # and a second round sends nothing again
    assert send_pending(transport=enterprise).sent == 0


def test_the_envelope_of_a_message_is_the_same_on_every_send(submitted):
    # given a pending message
    row = CustomsMessage.objects.filter(declaration=submitted).first()
    # when wrapped twice (a resend after a crash)
    # then the bytes are identical, so customs can drop the copy
    assert envelope_for(row) == envelope_for(row)


def test_a_failed_send_is_retried_later_with_backoff_then_given_up(submitted):
    # given a transport that fails
    now = timezone.now()
    # when the job runs
    result = send_pending(transport=BrokenTransport(), now=now)
    # then every message records the error and waits 30 seconds
    assert result.send_failures == 4 and result.sent == 0
    row = CustomsMessage.objects.filter(declaration=submitted).order_by("pk").first()
    assert row.status == MessageStatus.PENDING and row.attempts == 1
    assert "not mounted" in row.last_error and row.next_attempt_at == now + datetime.timedelta(seconds=30)
    # and nothing is tried before that
    assert send_pending(transport=BrokenTransport(), now=now + datetime.timedelta(seconds=10)).send_failures == 0
    # when the attempts run out
    CustomsMessage.objects.filter(pk=row.pk).update(attempts=MAX_ATTEMPTS - 1)
    send_pending(transport=BrokenTransport(), now=now + datetime.timedelta(hours=2))
    row.refresh_from_db()
    # then the message is failed
    assert row.status == MessageStatus.FAILED and row.attempts == MAX_ATTEMPTS


def test_incoming_receipts_are_recorded_then_acknowledged(submitted, tmp_path):
    # given customs answered the list with 120, once bare and once in an envelope
    send_pending(transport=FolderTransport(tmp_path, role=ENTERPRISE))
    customs = FolderTransport(tmp_path, role=CUSTOMS)
    receipt = list_receipt(submitted, "120")
    customs.send("bare.xml", receipt)
    customs.send("wrapped.xml", dxp.wrap(list_receipt(submitted, "399"), message_type="CEB622",
                                         sender_id="DXPEDCCEB0000002", receiver_ids=["DXPENT0000012345"]))
    # when the job receives
    result = receive_incoming(transport=FolderTransport(tmp_path, role=ENTERPRISE))
    # then both are stored and applied, and the inbox is empty
    assert result.received == 2
    submitted.refresh_from_db()
    assert submitted.status == D.ACCEPTED
    incoming = CustomsMessage.objects.filter(direction=MessageDirection.IN).order_by("pk")
    assert [row.source.split(" ")[0] for row in incoming] == ["folder:bare.xml", "folder:wrapped.xml"]
    assert all(row.status == MessageStatus.RECEIVED for row in incoming)
    assert FolderTransport(tmp_path, role=ENTERPRISE).receive() == []


def test_an_unreadable_envelope_is_set_aside_with_its_reason(tmp_path, db):
    # given a payload that claims to be a DxpMsg but is not one
    FolderTransport(tmp_path, role=CUSTOMS).send("broken.xml", b"<dxp:DxpMsg xmlns:dxp='x'>")
    # when the job receives
    result = receive_incoming(transport=FolderTransport(tmp_path, role=ENTERPRISE))
    # then it lands in failed/ with a note, and nothing blocks the inbox
    assert result.rejected == 1 and result.received == 0
    assert any(path.name.endswith(".error.txt") for path in (tmp_path / "failed").iterdir())


def test_garbage_that_is_no_envelope_is_stored_as_failed_by_the_message_log(tmp_path, db):
    # given a bare payload that is not a receipt
    FolderTransport(tmp_path, role=CUSTOMS).send("junk.xml", b"hello")
    # when the job receives
    result = run_exchange_round(transport=FolderTransport(tmp_path, role=ENTERPRISE))
    # then the message log keeps it as failed (verbatim), and the payload is acknowledged
    assert result.received == 1
    row = CustomsMessage.objects.get(direction=MessageDirection.IN)
    assert row.status == MessageStatus.FAILED and bytes(row.raw) == b"hello"

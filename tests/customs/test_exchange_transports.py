"""Transports of the customs exchange: the folder exchange and AMQP through a real RabbitMQ."""

import os
import uuid

import pytest

from ecerp.customs.exchange import CUSTOMS, ENTERPRISE, Transport, get_transport
from ecerp.customs.exchange.folder import FolderTransport, original_name


def test_folder_enterprise_message_reaches_customs_and_is_moved_to_sent_on_ack(tmp_path):
    # given both sides on one folder tree
    enterprise = FolderTransport(tmp_path, role=ENTERPRISE)
    customs = FolderTransport(tmp_path, role=CUSTOMS)
    # when the enterprise sends two messages
    enterprise.send("CEB311_A.xml", b"<a/>")
    enterprise.send("CEB411_B.xml", b"<b/>")
    # then customs receives them oldest first, with the sender's names
    received = customs.receive()
    assert [(item.name, item.payload) for item in received] == [("CEB311_A.xml", b"<a/>"), ("CEB411_B.xml", b"<b/>")]
    assert enterprise.receive() == []
    # and an unacknowledged message is received again; an acknowledged one moves to sent/
    received[0].ack()
    received[0].ack()
    again = customs.receive()
    assert [item.name for item in again] == ["CEB411_B.xml"]
    assert [original_name(path.name) for path in (tmp_path / "sent").iterdir()] == ["CEB311_A.xml"]


def test_folder_customs_answer_reaches_enterprise_inbox_and_processed(tmp_path):
    # given both sides
    enterprise = FolderTransport(tmp_path, role=ENTERPRISE)
    customs = FolderTransport(tmp_path, role=CUSTOMS)
    # when customs answers
    customs.send("CEB312_X.xml", b"<r/>")
    # then the enterprise reads it from inbox/ and its ack moves it to processed/
    (item,) = enterprise.receive()
    assert item.payload == b"<r/>"
    assert enterprise.pending() == 1
    item.ack()
    assert enterprise.pending() == 0
    assert len(list((tmp_path / "processed").iterdir())) == 1


def test_folder_reject_moves_the_file_to_failed_with_an_error_note(tmp_path):
    # given a message waiting for customs
    FolderTransport(tmp_path, role=ENTERPRISE).send("broken.xml", b"not xml")
    customs = FolderTransport(tmp_path, role=CUSTOMS)
    # when customs rejects it
    (item,) = customs.receive()
    item.reject("cannot parse")
    # then it sits in failed/ beside a note with the reason
    names = sorted(path.name for path in (tmp_path / "failed").iterdir())
    assert len(names) == 2
    note = next(name for name in names if name.endswith(".error.txt"))
    assert (tmp_path / "failed" / note).read_text() == "cannot parse"
    assert customs.receive() == []


def test_folder_ignores_temporary_files_of_a_write_in_progress(tmp_path):
    # given a half-written file (the hidden temporary name used before the rename)
    customs = FolderTransport(tmp_path, role=CUSTOMS)
    (tmp_path / "outbox" / ".00000000000000000001.000000.x.xml.tmp").write_bytes(b"<half")
    # when customs looks
    # then it sees nothing
    assert customs.receive() == []


def test_folder_names_are_made_safe_for_the_file_system(tmp_path):
    # given a name with a path separator
    enterprise = FolderTransport(tmp_path, role=ENTERPRISE)
    # when sent
    enterprise.send("../evil/name.xml", b"x")
    # then the file stays inside outbox/
    (stored,) = list((tmp_path / "outbox").iterdir())
    assert "/" not in original_name(stored.name) and not original_name(stored.name).startswith(".")


def test_get_transport_defaults_to_the_folder_exchange_under_settings(tmp_path, settings):
    # given the exchange folder set in the settings
    settings.ECERP_CUSTOMS_EXCHANGE_DIR = str(tmp_path / "exchange")
    settings.ECERP_CUSTOMS_TRANSPORT = ""
    # when a transport is asked for
    transport = get_transport("customs")
    # then it is a folder transport there, for the customs role
    assert isinstance(transport, FolderTransport) and isinstance(transport, Transport)
    assert transport.role == CUSTOMS and transport.root == tmp_path / "exchange"
    assert (tmp_path / "exchange" / "outbox").is_dir()


def test_get_transport_refuses_unknown_kinds_and_roles():
    # when asked for something unknown
    # then a clear configuration error
    with pytest.raises(ValueError, match="carrier-pigeon"):
        get_transport("enterprise", kind="carrier-pigeon")
    with pytest.raises(ValueError, match="broker"):
        get_transport("broker")


# --- AMQP against the real broker -------------------------------------------------------------------

AMQP_URL = os.environ.get("ECERP_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def _broker_answers() -> bool:
    import pika

    try:
        parameters = pika.URLParameters(AMQP_URL)
        parameters.socket_timeout = 2
        parameters.connection_attempts = 1
        pika.BlockingConnection(parameters).close()
    except Exception:
        return False
    return True


needs_broker = pytest.mark.skipif(not _broker_answers(),
                                  reason=f"no RabbitMQ answers at {AMQP_URL} (.ci/run starts one)")


@pytest.fixture
def amqp_pair():
    from ecerp.customs.exchange.amqp import AmqpTransport

    suffix = uuid.uuid4().hex[:8]
    names = {"url": AMQP_URL, "to_customs": f"test.to-customs.{suffix}", "from_customs": f"test.from-customs.{suffix}"}
    enterprise = AmqpTransport(role=ENTERPRISE, **names)
    customs = AmqpTransport(role=CUSTOMS, **names)
    yield enterprise, customs
    channel = enterprise._open()
    for queue in (names["to_customs"], names["from_customs"], f"{names['to_customs']}.failed",
                  f"{names['from_customs']}.failed"):
        channel.queue_delete(queue=queue)
    enterprise.close()
    customs.close()


@needs_broker
def test_amqp_round_trip_with_ack(amqp_pair):
    # given an enterprise and a customs side on fresh queues
    enterprise, customs = amqp_pair
    # when the enterprise sends two messages and customs answers one
    enterprise.send("CEB311_A.xml", b"<a/>")
    enterprise.send("CEB411_B.xml", b"<b/>")
    received = customs.receive(limit=10)
    customs.send("CEB312_A.xml", b"<r/>")
    # then customs got both in order, and the enterprise the answer
    assert [(item.name, item.payload) for item in received] == [("CEB311_A.xml", b"<a/>"), ("CEB411_B.xml", b"<b/>")]
    for item in received:
        item.ack()
    (answer,) = enterprise.receive()
    answer.ack()
    assert answer.name == "CEB312_A.xml" and answer.payload == b"<r/>"
    assert customs.pending() == 0 and enterprise.pending() == 0


@needs_broker
def test_amqp_message_taken_but_not_acknowledged_is_redelivered_after_a_crash(amqp_pair):
    # given a message customs took without acknowledging
    enterprise, customs = amqp_pair
    enterprise.send("CEB621_L.xml", b"<list/>")
    (taken,) = customs.receive()
    # when customs crashes (its connection closes)
    customs.close()
    # then the message comes back, and the stale ack of the dead connection does no harm
    taken.ack()
    (again,) = customs.receive()
    assert again.payload == b"<list/>"
    again.ack()
    customs.close()
    assert customs.receive() == []


@needs_broker
def test_amqp_reject_moves_the_message_to_the_failed_queue(amqp_pair):
    # given a message for customs
    enterprise, customs = amqp_pair
    enterprise.send("bad.xml", b"junk")
    # when customs rejects it
    (item,) = customs.receive()
    item.reject("not a DxpMsg")
    # then the queue is empty and the failed queue holds it with the reason
    assert customs.receive() == []
    method, properties, body = customs._open().basic_get(queue=f"{customs.read_queue}.failed", auto_ack=True)
    assert body == b"junk" and properties.headers["error"] == "not a DxpMsg"


@needs_broker
def test_amqp_messages_are_persistent_on_durable_queues(amqp_pair):
    # given a sent message
    enterprise, customs = amqp_pair
    enterprise.send("CEB511_W.xml", b"<w/>")
    # when customs reads it
    channel = customs._open()
    method, properties, body = channel.basic_get(queue=customs.read_queue, auto_ack=True)
    # then it was published persistent, and the queue is durable (redeclaring it non-durable fails)
    assert properties.delivery_mode == 2
    import pika.exceptions

    with pytest.raises(pika.exceptions.ChannelClosedByBroker):
        channel.queue_declare(queue=customs.read_queue, durable=False)
    customs.close()

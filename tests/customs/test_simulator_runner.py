"""The simulator on a transport: a round takes what the enterprise sent and puts the receipts back."""

import uuid

import pytest

from ecerp.customs import dxp
from ecerp.customs.exchange import CUSTOMS, ENTERPRISE
from ecerp.customs.exchange.folder import FolderTransport
from ecerp.customs.receipts.parse import parse_receipts
from ecerp.customs.simulator.runner import run, run_round
from tests.customs import documents as docs
from tests.customs.simulation import envelope, make_signer, make_simulator
from tests.customs.test_exchange_transports import AMQP_URL, needs_broker


def _declare(transport, signer):
    order = docs.order_document()
    for message_type, document in (("CEB311", order), ("CEB411", docs.payment_document(order)),
                                   ("CEB511", docs.waybill_document(order)),
                                   ("CEB621", docs.inventory_document(order))):
        transport.send(f"{message_type}.xml", envelope(message_type, [document], signer))


def _list_statuses(transport) -> list[str]:
    found = []
    for item in transport.receive(limit=1000):
        for receipt in parse_receipts(dxp.unwrap(item.payload).message):
            if receipt.message_type == "CEB622":
                found.append(receipt.return_status)
        item.ack()
    return found


def test_one_round_over_the_folder_exchange_answers_everything(tmp_path):
    # given the enterprise declared order, payment, waybill and list into the outbox
    signer = make_signer(tmp_path)
    enterprise = FolderTransport(tmp_path / "x", role=ENTERPRISE)
    customs = FolderTransport(tmp_path / "x", role=CUSTOMS)
    _declare(enterprise, signer)
    # when the simulator runs one round
    result = run(transport=customs, simulator=make_simulator(tmp_path, signer), once=True, write=lambda line: None)
    # then it took the four messages (moved to sent/) and the inbox holds the receipts up to the release
    assert (result.received, result.failed) == (4, 0)
    assert len(list((tmp_path / "x" / "sent").iterdir())) == 4
    assert _list_statuses(enterprise) == ["2", "3", "120", "399", "800"]


def test_a_payload_the_simulator_cannot_handle_is_set_aside(tmp_path, monkeypatch):
    # given a simulator that fails on a payload (e.g. its XSD folder is missing)
    signer = make_signer(tmp_path)
    simulator = make_simulator(tmp_path, signer)

    def broken(payload, **options):
        raise FileNotFoundError("ceb-import-202205.xsd")

    monkeypatch.setattr(simulator, "handle", broken)
    FolderTransport(tmp_path / "x", role=ENTERPRISE).send("CEB311.xml", b"<x/>")
    # when a round runs
    result = run_round(transport=FolderTransport(tmp_path / "x", role=CUSTOMS), simulator=simulator)
    # then the payload sits in failed/ with the reason, not in the outbox
    assert result.failed == 1
    notes = [path for path in (tmp_path / "x" / "failed").iterdir() if path.name.endswith(".error.txt")]
    assert "ceb-import-202205.xsd" in notes[0].read_text()


def test_a_payload_waits_while_the_database_is_away(tmp_path, monkeypatch):
    # given a simulator whose knowledge cannot reach ECERP's database
    from django.db import OperationalError

    signer = make_signer(tmp_path)
    simulator = make_simulator(tmp_path, signer)

    def away(payload, **options):
        raise OperationalError("connection refused")

    monkeypatch.setattr(simulator, "handle", away)
    FolderTransport(tmp_path / "x", role=ENTERPRISE).send("CEB621.xml", b"<x/>")
    customs = FolderTransport(tmp_path / "x", role=CUSTOMS)
    # when the loop runs a round
    with pytest.raises(OperationalError):
        run_round(transport=customs, simulator=simulator)
    # then the payload is neither rejected nor taken: it waits for the next round
    assert customs.pending() == 1 and list((tmp_path / "x" / "failed").iterdir()) == []


@needs_broker
def test_one_round_over_amqp_answers_everything(tmp_path):
    # given the enterprise declared over fresh RabbitMQ queues
    from ecerp.customs.exchange.amqp import AmqpTransport

    suffix = uuid.uuid4().hex[:8]
    names = {"url": AMQP_URL, "to_customs": f"test.sim.to.{suffix}", "from_customs": f"test.sim.from.{suffix}"}
    enterprise, customs = AmqpTransport(role=ENTERPRISE, **names), AmqpTransport(role=CUSTOMS, **names)
    signer = make_signer(tmp_path)
    try:
        _declare(enterprise, signer)
        # when the simulator runs one round on the broker
        result = run_round(transport=customs, simulator=make_simulator(tmp_path, signer))
        # then the receipts come back on the from-customs queue
        assert result.received == 4
        assert _list_statuses(enterprise) == ["2", "3", "120", "399", "800"]
    finally:
        channel = enterprise._open()
        for queue in (names["to_customs"], names["from_customs"], f"{names['to_customs']}.failed",
                      f"{names['from_customs']}.failed"):
            channel.queue_delete(queue=queue)
        enterprise.close()
        customs.close()

"""Helpers for simulator tests: signed declaration envelopes, a simulator on a tmp store, receipts read back."""

from __future__ import annotations

import datetime
from decimal import Decimal

from ecerp.customs import dxp
from ecerp.customs.messages.build import build_message
from ecerp.customs.receipts.parse import parse_receipts
from ecerp.customs.signing import software_signer
from ecerp.customs.simulator.engine import Simulator
from ecerp.customs.simulator.rules import SimulatorRules, StaticKnowledge
from ecerp.customs.simulator.store import SimulatorStore
from tests.customs import documents as docs

NOW = datetime.datetime(2026, 3, 15, 3, 0, tzinfo=datetime.UTC)
# Reference prices for the sample goods (so the risk rules see nothing unusual).
REFERENCE_PRICES = {product[0]: product[5] for product in docs.PRODUCTS}


class Clock:
    """A settable clock for the simulator."""

    def __init__(self, now: datetime.datetime = NOW):
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, seconds: float) -> datetime.datetime:
        self.now += datetime.timedelta(seconds=seconds)
        return self.now


def make_signer(tmp_path=None, algorithm: str = "sm2-sm3"):
    """The software signer in the default key folder (created once, as ECERP's own signing uses it)."""
    return software_signer(algorithm)


def envelope(message_type: str, documents, signer, *, tamper=None, cop_msg_id: str | None = None) -> bytes:
    """Build, sign and wrap one declaration; tamper(bytes) -> bytes changes the signed message."""
    message = build_message(message_type, list(documents), docs.base_transfer())
    if signer is not None:
        message = signer.sign(message)
    if tamper is not None:
        message = tamper(message)
    return dxp.wrap(message, message_type=message_type, sender_id=docs.DXP_ID, cop_msg_id=cop_msg_id)


def make_simulator(tmp_path, signer, *, knowledge=None, clock=None, **rules) -> Simulator:
    options = {"seed": 7, "inspection_rate": 0.0}
    options.update(rules)
    return Simulator(store=SimulatorStore(tmp_path / "sim.sqlite3"), rules=SimulatorRules(**options),
                     knowledge=knowledge or StaticKnowledge(reference_prices=dict(REFERENCE_PRICES)),
                     clock=clock or Clock(), trusted_keys={signer.key_name: signer.key.public_key})


def receipts_of(outgoing) -> list:
    """Parse every outgoing envelope back into receipts, in the order they were sent."""
    found = []
    for item in outgoing:
        unwrapped = dxp.unwrap(item.payload)
        assert unwrapped.sender_id == "DXPEDCCEB0000002" and unwrapped.receiver_ids == (docs.DXP_ID,)
        found.extend(parse_receipts(unwrapped.message))
    return found


def statuses(outgoing, message_type: str) -> list[str]:
    return [receipt.return_status for receipt in receipts_of(outgoing) if receipt.message_type == message_type]


def three_documents(order=None, payment=None, waybill=None) -> tuple:
    order = order or docs.order_document()
    return (order, payment or docs.payment_document(order), waybill or docs.waybill_document(order))


def declare_all(simulator, signer, *, order=None, payment=None, waybill=None, inventory=None) -> list:
    """Send order, payment, waybill and list; return everything the simulator answered."""
    order, payment, waybill = three_documents(order, payment, waybill)
    inventory = inventory or docs.inventory_document(order)
    sent = []
    for message_type, document in (("CEB311", order), ("CEB411", payment), ("CEB511", waybill),
                                   ("CEB621", inventory)):
        sent += simulator.handle(envelope(message_type, [document], signer))
    return sent


ZERO = Decimal("0")

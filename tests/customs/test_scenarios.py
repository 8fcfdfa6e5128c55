"""Import clearance scenarios end to end: ECERP declares, the exchange job sends over the folder exchange,
the customs simulator answers, the exchange job records the receipts, the declaration follows.

Everything runs in-process on a tmp folder exchange with a fixed seed; the simulator borrows ECERP's
filings as its knowledge (reference prices) and trusts ECERP's software signing key.
"""

import datetime
from decimal import Decimal

import pytest

from ecerp.customs import dxp
from ecerp.customs.exchange import CUSTOMS, ENTERPRISE
from ecerp.customs.exchange.folder import FolderTransport
from ecerp.customs.exchange.jobs import run_exchange_round
from ecerp.customs.models import CustomsMessage, ProductFiling
from ecerp.customs.services.declaration_signoff import report_sign_off
from ecerp.customs.services.declarations import (
    override_prechecks,
    record_incoming,
    request_cancel,
    request_return,
    submit_declaration,
)
from ecerp.customs.signing import trusted_software_keys
from ecerp.customs.simulator.engine import Simulator
from ecerp.customs.simulator.knowledge import EcerpKnowledge
from ecerp.customs.simulator.rules import SimulatorRules
from ecerp.customs.simulator.runner import run_round
from ecerp.customs.simulator.store import SimulatorStore
from ecerp.customs.states import DeclarationStatus as D
from ecerp.customs.states import MessageDirection, MessageStatus
from tests.customs.test_declaration_helpers import BUYER_ID, cross_border_store, declare, filed_product

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 30, 2, 0, tzinfo=datetime.UTC)


class World:
    """ECERP and the simulated single window on one folder exchange."""

    def __init__(self, tmp_path, **rules):
        self.enterprise = FolderTransport(tmp_path / "exchange", role=ENTERPRISE)
        self.customs = FolderTransport(tmp_path / "exchange", role=CUSTOMS)
        options = {"seed": 11, "inspection_rate": 0.0}
        options.update(rules)
        self.simulator = Simulator(store=SimulatorStore(tmp_path / "sim.sqlite3"), rules=SimulatorRules(**options),
                                   knowledge=EcerpKnowledge(), clock=lambda: NOW,
                                   trusted_keys=trusted_software_keys())

    def exchange(self, rounds: int = 2) -> None:
        for _ in range(rounds):
            run_exchange_round(transport=self.enterprise)
            run_round(transport=self.customs, simulator=self.simulator)
            run_exchange_round(transport=self.enterprise)

    def sign_off(self, declaration) -> None:
        """The carrier's sign-off reaches ECERP, which reports it to customs (CEB513) on the next round."""
        report_sign_off(user=None, declaration=declaration)


@pytest.fixture
def customs_user(make_user):
    return make_user("customs1", role="customs")


@pytest.fixture
def world(tmp_path):
    return World(tmp_path)


def filed(code="MILK-1", reference_price=Decimal("200.00"), **options):
    product = filed_product(code, **options)
    ProductFiling.objects.filter(product=product).update(reference_price=reference_price)
    return product


def submitted(user, lines=None, **identity):
    declaration = declare(user, cross_border_store(), lines or [(filed(), 2, "200.00")], **identity)
    if declaration.status == D.PRECHECK_FAILED:
        declaration = override_prechecks(user=user, declaration=declaration, reason="已与买家核实")
    submit_declaration(user=user, declaration=declaration)
    return declaration


def list_statuses(declaration) -> list[str]:
    rows = CustomsMessage.objects.filter(declaration=declaration, direction=MessageDirection.IN,
                                         message_type="CEB622").order_by("pk")
    return [receipt["return_status"] for row in rows for receipt in row.decoded.get("receipts", [])]


def test_happy_path_to_release_and_close(world, customs_user):
    # given a submitted declaration (infant formula, 2 x 200)
    declaration = submitted(customs_user)
    # when the exchange runs with customs answering
    world.exchange()
    declaration.refresh_from_db()
    # then every message went out, and the list is released with its tax bill recorded
    assert not CustomsMessage.objects.filter(direction=MessageDirection.OUT, status=MessageStatus.PENDING).exists()
    assert declaration.status == D.RELEASED
    assert list_statuses(declaration) == ["2", "3", "120", "399", "800"]
    assert declaration.invt_no.startswith("29912026I")
    assert CustomsMessage.objects.filter(declaration=declaration, message_type="CEB816").exists()
    # when the parcel is signed for
    world.sign_off(declaration)
    world.exchange()
    declaration.refresh_from_db()
    # then the declaration is closed (899)
    assert declaration.status == D.CLOSED


def test_rejection_by_customs_after_an_overridden_precheck(world, customs_user):
    # given a waybill address that differs from the order, sent anyway by an override
    declaration = submitted(customs_user, waybill_consignee_address="上海市浦东新区世纪大道 1 号")
    # when customs matches the documents
    world.exchange()
    declaration.refresh_from_db()
    # then the list is rejected for the consignee
    assert declaration.status == D.REJECTED
    assert list_statuses(declaration)[-1] == "-621007"


def test_amount_mismatch_is_rejected(world, customs_user):
    # given a payment amount that differs from the order's actural paid (override of the pre-check)
    declaration = submitted(customs_user, amount_paid="1.00")
    # when customs matches
    world.exchange()
    declaration.refresh_from_db()
    # then -621006
    assert declaration.status == D.REJECTED
    assert list_statuses(declaration)[-1] == "-621006"


def test_manual_review_for_goods_without_a_reference_price(world, customs_user):
    # given goods whose filing has no reference price
    declaration = submitted(customs_user, [(filed("SERUM-1", reference_price=None), 1, "300.00")])
    # when customs handles the list
    world.exchange()
    declaration.refresh_from_db()
    # then manual review (300), then release (800)
    assert list_statuses(declaration) == ["2", "3", "120", "300", "800"]
    assert declaration.status == D.RELEASED


def test_inspection_then_release(tmp_path, customs_user):
    # given a customs that inspects every list and returns none
    world = World(tmp_path, inspection_rate=1.0, inspection_return_rate=0.0)
    declaration = submitted(customs_user)
    # when customs handles the list
    world.exchange()
    declaration.refresh_from_db()
    # then inspection (500), then release
    assert list_statuses(declaration) == ["2", "3", "120", "500", "800"]
    assert declaration.status == D.RELEASED


def test_over_the_annual_quota(world, customs_user):
    # given customs counts 25,900 of the buyer's 26,000 already used this year (other platforms)
    world.simulator.store.set_quota_used(BUYER_ID, 2026, Decimal("25900"))
    declaration = submitted(customs_user)
    # when customs handles the list
    world.exchange()
    declaration.refresh_from_db()
    # then -621018
    assert declaration.status == D.REJECTED
    assert list_statuses(declaration)[-1] == "-621018"


def test_cancelled_list(tmp_path, customs_user):
    # given a list accepted by customs and held for inspection (its release still to come)
    clock = {"now": NOW}
    world = World(tmp_path, inspection_rate=1.0, inspection_return_rate=0.0, step_seconds=5)
    world.simulator.clock = lambda: clock["now"]
    declaration = submitted(customs_user)
    for _ in range(4):
        world.exchange(rounds=1)
        clock["now"] += datetime.timedelta(seconds=5)
    declaration.refresh_from_db()
    assert declaration.status == D.INSPECTION
    # when ECERP asks to cancel it
    request_cancel(user=customs_user, declaration=declaration, reason="消费者取消订单")
    for _ in range(4):
        world.exchange(rounds=1)
        clock["now"] += datetime.timedelta(seconds=5)
    declaration.refresh_from_db()
    # then it is cancelled, the release never comes and customs gave the quota back
    assert declaration.status == D.CANCELLED
    assert "800" not in list_statuses(declaration)
    assert world.simulator.store.quota_used(BUYER_ID, 2026) == 0


def test_return_after_release(world, customs_user):
    # given a released declaration of two tins
    declaration = submitted(customs_user)
    world.exchange()
    # when one tin is returned
    declaration.refresh_from_db()
    request_return(user=customs_user, declaration=declaration, lines=[(1, 1)], reason="破损退货")
    world.exchange()
    declaration.refresh_from_db()
    # then customs approves and gives back the value of one tin
    assert CustomsMessage.objects.filter(declaration=declaration, message_type="CEB626").exists()
    assert world.simulator.store.quota_used(BUYER_ID, 2026) == Decimal("200.00")


def test_broken_signature_is_refused(world, customs_user):
    # given the list changed after it was signed (its message in the outbox tampered with)
    declaration = submitted(customs_user)
    row = CustomsMessage.objects.get(declaration=declaration, message_type="CEB621")
    row.raw = bytes(row.raw).replace(b"<ceb:packNo>1</ceb:packNo>", b"<ceb:packNo>01</ceb:packNo>")
    row.save(update_fields=["raw"])
    # when customs receives it
    world.exchange()
    declaration.refresh_from_db()
    # then the list is refused with the signature code
    assert list_statuses(declaration) == ["-621029"]
    assert declaration.status == D.REJECTED


def test_the_same_receipt_delivered_twice_changes_nothing(world, customs_user):
    # given a released declaration
    declaration = submitted(customs_user)
    world.exchange()
    received = CustomsMessage.objects.filter(direction=MessageDirection.IN).count()
    processed = sorted((world.enterprise.root / "processed").iterdir())
    # when a receipt (the 120 of the list) is delivered again
    again = next(path for path in processed if b"CEB622" in path.read_bytes() and
                 b"<ceb:returnStatus>120<" in dxp.unwrap(path.read_bytes()).message)
    world.customs.send("again.xml", again.read_bytes())
    result = run_exchange_round(transport=world.enterprise)
    declaration.refresh_from_db()
    # then it is acknowledged, stored once, and the declaration stays released
    assert result.received == 1
    assert CustomsMessage.objects.filter(direction=MessageDirection.IN).count() == received
    assert declaration.status == D.RELEASED
    assert record_incoming(raw=again.read_bytes(), source="test").duplicate

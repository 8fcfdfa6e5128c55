"""The customs simulator's engine on raw messages: validation, signatures, matching, risk, tax, timing."""

import datetime
from decimal import Decimal

import pytest

from ecerp.customs.simulator.rules import StaticKnowledge
from tests.customs import documents as docs
from tests.customs.simulation import (
    NOW,
    REFERENCE_PRICES,
    Clock,
    declare_all,
    envelope,
    make_signer,
    make_simulator,
    receipts_of,
    statuses,
)


@pytest.fixture
def signer(tmp_path):
    return make_signer(tmp_path)


def test_order_payment_and_waybill_are_each_answered_2_3_120(tmp_path, signer):
    # given a simulator
    simulator = make_simulator(tmp_path, signer)
    order = docs.order_document()
    # when the three documents arrive
    out = simulator.handle(envelope("CEB311", [order], signer))
    out += simulator.handle(envelope("CEB411", [docs.payment_document(order)], signer))
    out += simulator.handle(envelope("CEB511", [docs.waybill_document(order)], signer))
    # then each gets 2, 3, 120 with its keys
    assert statuses(out, "CEB312") == ["2", "3", "120"]
    assert statuses(out, "CEB412") == ["2", "3", "120"]
    assert statuses(out, "CEB512") == ["2", "3", "120"]
    order_receipt = receipts_of(out)[2]
    assert order_receipt.keys["order_no"] == order.order_no and order_receipt.keys["ebp_code"] == docs.EBP_CODE


def test_happy_path_list_released_with_tax_bill_then_closed_after_sign_off(tmp_path, signer):
    # given the three documents and the list
    simulator = make_simulator(tmp_path, signer)
    out = declare_all(simulator, signer)
    # then the list goes 2, 3, 120, 399, 800 with the tax bill before the release
    assert statuses(out, "CEB622") == ["2", "3", "120", "399", "800"]
    receipts = receipts_of(out)
    types = [receipt.message_type for receipt in receipts]
    assert types.index("CEB816") == len(types) - 2
    bill = next(receipt for receipt in receipts if receipt.message_type == "CEB816")
    # goods 228 + 560 = 788 (no freight), VAT 13 % at 70 %: 788 * 0.091 = 71.708 -> 71.71
    assert bill.details["value_added_tax"] == Decimal("71.71") and bill.details["customs_tax"] == 0
    released = receipts[-1]
    assert len(released.keys["pre_no"]) == 18 and released.keys["invt_no"].startswith("22332026I")
    assert released.keys["cop_no"] == "ECERP2026031500001"
    assert simulator.store.quota_used(docs.BUYER_ID, 2026) == Decimal("788.00")
    # when the parcel is signed for
    out = simulator.handle(envelope("CEB513", [docs.waybill_status_document()], signer))
    # then the sign-off is answered and the list is closed (899)
    assert statuses(out, "CEB514") == ["2", "3", "399"]
    assert statuses(out, "CEB622") == ["899"]


def test_sign_off_before_release_closes_the_list_right_after_its_release(tmp_path, signer):
    # given a waybill signed for before the list arrives
    simulator = make_simulator(tmp_path, signer)
    order = docs.order_document()
    simulator.handle(envelope("CEB311", [order], signer))
    simulator.handle(envelope("CEB411", [docs.payment_document(order)], signer))
    simulator.handle(envelope("CEB511", [docs.waybill_document(order)], signer))
    simulator.handle(envelope("CEB513", [docs.waybill_status_document()], signer))
    # when the list comes
    out = simulator.handle(envelope("CEB621", [docs.inventory_document(order)], signer))
    # then 899 follows the 800
    assert statuses(out, "CEB622") == ["2", "3", "120", "399", "800", "899"]


def test_list_waits_for_its_documents_and_is_matched_when_they_arrive(tmp_path, signer):
    # given a list that arrives first
    simulator = make_simulator(tmp_path, signer)
    order = docs.order_document()
    out = simulator.handle(envelope("CEB621", [docs.inventory_document(order)], signer))
    assert statuses(out, "CEB622") == ["2", "3"]
    # when order and payment come, the list still waits for the waybill
    out = simulator.handle(envelope("CEB311", [order], signer))
    out += simulator.handle(envelope("CEB411", [docs.payment_document(order)], signer))
    assert statuses(out, "CEB622") == []
    # then the waybill completes the match
    out = simulator.handle(envelope("CEB511", [docs.waybill_document(order)], signer))
    assert statuses(out, "CEB622") == ["120", "399", "800"]


def test_list_whose_documents_never_come_is_rejected_after_the_wait(tmp_path, signer):
    # given a list alone, waiting at most 60 seconds
    clock = Clock()
    simulator = make_simulator(tmp_path, signer, clock=clock, wait_seconds=60)
    simulator.handle(envelope("CEB621", [docs.inventory_document()], signer))
    # when the wait is over
    clock.advance(61)
    out = simulator.tick()
    # then it is rejected for the missing order
    (rejection,) = receipts_of(out)
    assert rejection.return_status == "-621001" and "电子订单" in rejection.return_info


def test_payment_amount_mismatch_rejects_the_list(tmp_path, signer):
    # given a payment of another amount than the order's actural paid
    simulator = make_simulator(tmp_path, signer)
    order = docs.order_document()
    payment = docs.payment_document(order, amount_paid=order.actural_paid - Decimal("1"))
    # when everything is declared
    out = declare_all(simulator, signer, order=order, payment=payment)
    # then the list is rejected with the amount mismatch code, and no quota is used
    assert statuses(out, "CEB622") == ["2", "3", "-621006"]
    assert simulator.store.quota_used(docs.BUYER_ID, 2026) == 0


def test_consignee_mismatch_rejects_the_list(tmp_path, signer):
    # given a waybill to another address
    simulator = make_simulator(tmp_path, signer)
    order = docs.order_document()
    waybill = docs.waybill_document(order, consignee_address="上海市浦东新区世纪大道 1 号")
    # when everything is declared
    out = declare_all(simulator, signer, order=order, waybill=waybill)
    # then the list is rejected for the consignee
    assert statuses(out, "CEB622")[-1] == "-621007"


def test_annual_quota_exceeded_rejects_with_621018(tmp_path, signer):
    # given a buyer who used 25,500 of the 26,000 this year
    simulator = make_simulator(tmp_path, signer)
    simulator.store.set_quota_used(docs.BUYER_ID, 2026, Decimal("25500"))
    # when an order of 788 is declared
    out = declare_all(simulator, signer)
    # then -621018 and the quota is unchanged
    assert statuses(out, "CEB622") == ["2", "3", "-621018"]
    assert simulator.store.quota_used(docs.BUYER_ID, 2026) == Decimal("25500")


def test_several_items_over_the_single_limit_are_rejected_with_621005(tmp_path, signer):
    # given an order of two lines worth 6,000 together
    simulator = make_simulator(tmp_path, signer)
    order = docs.order_document(lines=[docs.order_line(1, price=Decimal("3000")),
                                       docs.order_line(2, price=Decimal("3000"))])
    # when declared
    out = declare_all(simulator, signer, order=order)
    # then -621005
    assert statuses(out, "CEB622")[-1] == "-621005"


def test_one_indivisible_item_over_the_single_limit_is_released_at_full_rates(tmp_path, signer):
    # given one item of 6,000 with an MFN tariff of 10 % and VAT 13 %
    from ecerp.customs.simulator.rules import Rates

    knowledge = StaticKnowledge(rates_by_code={"1901": Rates(vat_rate=Decimal("0.13"), tariff_rate=Decimal("0.10"))},
                                reference_prices=dict(REFERENCE_PRICES))
    simulator = make_simulator(tmp_path, signer, knowledge=knowledge)
    order = docs.order_document(lines=[docs.order_line(1, price=Decimal("6000"))])
    # when declared
    out = declare_all(simulator, signer, order=order)
    # then released with the full-rate tax of CUSTOMS.md example 4: duty 600, VAT 858
    assert statuses(out, "CEB622")[-1] == "800"
    bill = next(receipt for receipt in receipts_of(out) if receipt.message_type == "CEB816")
    assert (bill.details["customs_tax"], bill.details["value_added_tax"]) == (Decimal("600.00"), Decimal("858.00"))


def test_goods_without_reference_price_go_to_manual_review_then_release(tmp_path, signer):
    # given customs knows no reference price
    simulator = make_simulator(tmp_path, signer, knowledge=StaticKnowledge())
    # when declared
    out = declare_all(simulator, signer)
    # then manual review (300, with the reason) then release
    assert statuses(out, "CEB622") == ["2", "3", "120", "300", "800"]
    review = next(receipt for receipt in receipts_of(out) if receipt.return_status == "300")
    assert "参考价格" in review.return_info


def test_goods_outside_the_positive_list_go_to_manual_review(tmp_path, signer):
    # given a positive list without the serum's line
    knowledge = StaticKnowledge(positive_list=frozenset({"19011010", "21069090"}),
                                reference_prices=dict(REFERENCE_PRICES))
    simulator = make_simulator(tmp_path, signer, knowledge=knowledge)
    # when declared
    out = declare_all(simulator, signer)
    # then manual review naming the HS code
    assert "300" in statuses(out, "CEB622")
    assert "3304990099不在正面清单" in next(r for r in receipts_of(out) if r.return_status == "300").return_info


def test_inspection_then_release(tmp_path, signer):
    # given every list inspected and none returned
    simulator = make_simulator(tmp_path, signer, inspection_rate=1.0, inspection_return_rate=0.0)
    # when declared
    out = declare_all(simulator, signer)
    # then inspection (500) then release (800)
    assert statuses(out, "CEB622") == ["2", "3", "120", "500", "800"]


def test_inspection_then_returned_abroad_restores_the_quota(tmp_path, signer):
    # given every inspected list returned abroad
    simulator = make_simulator(tmp_path, signer, inspection_rate=1.0, inspection_return_rate=1.0)
    # when declared
    out = declare_all(simulator, signer)
    # then 500 then 700, no tax bill, the quota given back
    assert statuses(out, "CEB622") == ["2", "3", "120", "500", "700"]
    assert statuses(out, "CEB816") == []
    assert simulator.store.quota_used(docs.BUYER_ID, 2026) == 0


def test_cancellation_drops_the_pending_receipts_and_restores_the_quota(tmp_path, signer):
    # given a list accepted and waiting for its release (receipts two seconds apart)
    clock = Clock()
    simulator = make_simulator(tmp_path, signer, clock=clock, step_seconds=2)
    order = docs.order_document()
    inventory = docs.inventory_document(order)
    declare_all(simulator, signer, order=order, inventory=inventory)
    for _step in range(3):
        clock.advance(2)
        simulator.tick()
    assert simulator.store.quota_used(docs.BUYER_ID, 2026) == Decimal("788.00")
    # when the list is cancelled
    out = simulator.handle(envelope("CEB623", [docs.cancel_document(inventory)], signer))
    clock.advance(60)
    out += simulator.tick()
    # then the cancellation is approved and no release follows
    assert statuses(out, "CEB624") == ["2", "3", "120", "399"]
    assert "800" not in statuses(out, "CEB622")
    assert simulator.store.quota_used(docs.BUYER_ID, 2026) == 0


def test_return_of_one_line_restores_its_value(tmp_path, signer):
    # given a released list
    simulator = make_simulator(tmp_path, signer)
    order = docs.order_document()
    inventory = docs.inventory_document(order)
    declare_all(simulator, signer, order=order, inventory=inventory)
    # when the first line (228.00) is returned
    out = simulator.handle(envelope("CEB625", [docs.refund_document(inventory)], signer))
    # then the return is approved and 228 given back to the quota
    assert statuses(out, "CEB626") == ["2", "3", "120", "399"]
    assert simulator.store.quota_used(docs.BUYER_ID, 2026) == Decimal("560.00")


def test_return_of_a_list_not_released_is_refused(tmp_path, signer):
    # given a list still waiting for its documents
    simulator = make_simulator(tmp_path, signer)
    inventory = docs.inventory_document()
    simulator.handle(envelope("CEB621", [inventory], signer))
    # when a return is asked for
    out = simulator.handle(envelope("CEB625", [docs.refund_document(inventory)], signer))
    # then it is refused
    assert statuses(out, "CEB626")[-1] == "-625002"


def test_broken_signature_is_answered_with_the_signature_code(tmp_path, signer):
    # given a list changed after it was signed
    simulator = make_simulator(tmp_path, signer)
    def tamper(xml: bytes) -> bytes:
        return xml.replace(b"<ceb:freight>0</ceb:freight>", b"<ceb:freight>1</ceb:freight>")

    tampered = envelope("CEB621", [docs.inventory_document()], signer, tamper=tamper)
    # when it arrives
    out = simulator.handle(tampered)
    # then -621029 and nothing is stored
    (receipt,) = receipts_of(out)
    assert receipt.return_status == "-621029" and "验签失败" in receipt.return_info
    assert simulator.store.find("list") == []


def test_unsigned_order_is_refused_when_signatures_are_required(tmp_path, signer):
    # given an order sent without a signature
    simulator = make_simulator(tmp_path, signer)
    # when it arrives
    out = simulator.handle(envelope("CEB311", [docs.order_document()], None))
    # then the order's signature code
    assert statuses(out, "CEB312") == ["-301029"]


def test_message_failing_the_schema_gets_ceb900_with_the_original(tmp_path, signer):
    # given an order whose currency breaks the XSD (more than 3 characters)
    simulator = make_simulator(tmp_path, signer)
    bad = envelope("CEB311", [docs.order_document()], signer, cop_msg_id="COP-1",
                   tamper=lambda xml: xml.replace(b"<ceb:currency>142</ceb:currency>",
                                                  b"<ceb:currency>1422</ceb:currency>", 1))
    # when it arrives
    out = simulator.handle(bad)
    # then CEB900 naming the original message and its CopMsgId
    (receipt,) = receipts_of(out)
    assert receipt.message_type == "CEB900" and receipt.return_status.startswith("-")
    assert receipt.details["ori_cop_msg_id"] == "COP-1"
    assert receipt.details["ori_message_type"] == "CEB311Message"
    assert "1422" in receipt.details["ori_biz_message"]


def test_unreadable_payload_gets_ceb900(tmp_path, signer):
    # given garbage on the transport
    simulator = make_simulator(tmp_path, signer)
    # when it arrives
    out = simulator.handle(b"this is not a DxpMsg")
    # then CEB900 with the unknown type (addressed to nobody known)
    assert [item.message_type for item in out] == ["CEB900"]


def test_bad_order_is_rejected_with_100_and_the_reason(tmp_path, signer):
    # given an order whose actural paid breaks the identity
    simulator = make_simulator(tmp_path, signer)
    order = docs.order_document()
    order = docs.replace(order, actural_paid=order.actural_paid + Decimal("5"))
    # when it arrives
    out = simulator.handle(envelope("CEB311", [order], signer))
    # then 2, 3, 100 with the reason
    assert statuses(out, "CEB312") == ["2", "3", "100"]
    assert "实际支付金额" in receipts_of(out)[-1].return_info


def test_the_same_envelope_delivered_twice_is_answered_once(tmp_path, signer):
    # given an order envelope
    simulator = make_simulator(tmp_path, signer)
    payload = envelope("CEB311", [docs.order_document()], signer)
    # when it is delivered twice
    first = simulator.handle(payload)
    second = simulator.handle(payload)
    # then only the first gets receipts
    assert len(first) == 3 and second == []


def test_warehouse_entry_detail_is_answered_with_a_warehouse_entry_number(tmp_path, signer):
    # given a CEB711
    simulator = make_simulator(tmp_path, signer)
    # when it arrives
    out = simulator.handle(envelope("CEB711", [docs.delivery_document()], signer))
    # then 712 2, 3, 120 with rkdNo
    assert statuses(out, "CEB712") == ["2", "3", "120"]
    assert receipts_of(out)[-1].keys["rkd_no"]


def test_step_seconds_spread_the_receipts_over_time(tmp_path, signer):
    # given two seconds between receipts
    clock = Clock()
    simulator = make_simulator(tmp_path, signer, clock=clock, step_seconds=2)
    # when an order arrives, and time passes
    first = simulator.handle(envelope("CEB311", [docs.order_document()], signer))
    clock.advance(2)
    second = simulator.tick()
    clock.advance(2)
    third = simulator.tick()
    # then one receipt per step, each stamped with its due time
    assert [statuses(batch, "CEB312") for batch in (first, second, third)] == [["2"], ["3"], ["120"]]
    assert receipts_of(third)[0].return_time == NOW + datetime.timedelta(seconds=4)


def test_same_seed_and_same_input_give_identical_receipts(tmp_path, signer):
    # given six declarations (order, payment, waybill, list each)
    payloads = []
    for number in range(6):
        order = docs.order_document(order_no=f"TM2026031510300{number:04d}")
        waybill = docs.waybill_document(order, logistics_no=f"SF14028384{number:05d}")
        inventory = docs.inventory_document(order, logistics_no=waybill.logistics_no)
        payloads += [envelope("CEB311", [order], signer), envelope("CEB411", [docs.payment_document(order)], signer),
                     envelope("CEB511", [waybill], signer), envelope("CEB621", [inventory], signer)]
    # when two simulators with the same seed and a 50 % inspection rate take them
    results = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        simulator = make_simulator(folder, signer, inspection_rate=0.5)
        results.append([item for payload in payloads for item in simulator.handle(payload)])
    # then the receipts (inside their envelopes) are byte-identical, and the seed did inspect some
    from ecerp.customs import dxp

    assert [dxp.unwrap(item.payload).message for item in results[0]] == \
        [dxp.unwrap(item.payload).message for item in results[1]]
    assert "500" in statuses(results[0], "CEB622") and "399" in statuses(results[0], "CEB622")


def test_a_receipt_that_cannot_be_built_is_dropped_without_blocking_the_others(tmp_path, signer):
    # given a queued receipt missing a field its XSD requires, queued before a good one
    simulator = make_simulator(tmp_path, signer)
    simulator.store.schedule(due_at=NOW, message_type="CEB312", receipt={"guid": "X" * 36, "return_status": "2",
                             "return_time": NOW.isoformat()}, receiver=docs.DXP_ID)
    # when an order arrives
    out = simulator.handle(envelope("CEB311", [docs.order_document()], signer))
    # then the order's receipts still go out, and nothing stays queued
    assert statuses(out, "CEB312") == ["2", "3", "120"]
    assert simulator.store.waiting() == 0

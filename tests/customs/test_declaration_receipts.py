"""Receipts applied to declarations: stored verbatim and once, never moving a declaration backwards; tax
bills, format errors, cancellation and return; the annual quota across declarations."""

import datetime
import itertools
from decimal import Decimal

import pytest

from ecerp.customs.models import CustomsMessage
from ecerp.customs.receipts.build import build_receipt_message
from ecerp.customs.services.declarations import (
    record_incoming,
    request_cancel,
    request_return,
    submit_declaration,
)
from ecerp.customs.states import DeclarationStatus as D
from tests.customs.test_declaration_helpers import cross_border_store, declare, filed_product, list_receipt

pytestmark = pytest.mark.django_db
_products = itertools.count(1)
WHEN = datetime.datetime(2026, 11, 30, 11, 0, tzinfo=datetime.UTC)


@pytest.fixture
def customs_user(make_user):
    return make_user("customs1", role="customs")


def submitted(user, value="200", quantity=1, **identity):
    product = filed_product(f"P-{next(_products)}")
    declaration = declare(user, cross_border_store(), [(product, quantity, value)], **identity)
    submit_declaration(user=user, declaration=declaration)
    declaration.refresh_from_db()
    return declaration


def released(user, **kwargs):
    declaration = submitted(user, **kwargs)
    for status in ("120", "800"):
        record_incoming(raw=list_receipt(declaration, status), source="test")
    declaration.refresh_from_db()
    assert declaration.status == D.RELEASED
    return declaration


def test_list_receipts_move_the_declaration_forward_and_keep_the_list_number(customs_user):
    # given a submitted declaration
    declaration = submitted(customs_user)
    # when customs accepts the list (120) and then releases it (800)
    first = record_incoming(raw=list_receipt(declaration, "120"), source="inbox/1.xml")
    record_incoming(raw=list_receipt(declaration, "800"), source="inbox/2.xml")
    # then it is released, with the list and pre-entry numbers, and each receipt is logged against it
    declaration.refresh_from_db()
    assert (first.applied, first.unmatched, first.duplicate) == (1, 0, False)
    assert declaration.status == D.RELEASED and declaration.released_at is not None
    assert declaration.invt_no.startswith("29912026I") and declaration.pre_no
    assert (declaration.list_status, declaration.list_rank > 0) == ("800", True)
    assert CustomsMessage.objects.filter(direction="in", declaration=declaration).count() == 2


def test_a_late_120_after_800_is_logged_but_changes_nothing(customs_user):
    # given a released declaration
    declaration = released(customs_user)
    # when a late "120" arrives
    result = record_incoming(raw=list_receipt(declaration, "120", info="late"), source="late.xml")
    # then it is stored, marked not applied, and the declaration stays released
    declaration.refresh_from_db()
    assert (result.applied, result.duplicate) == (0, False)
    assert (declaration.status, declaration.list_status) == (D.RELEASED, "800")
    assert result.message.decoded["receipts"][0]["applied"] is False


def test_the_same_receipt_twice_is_one_row(customs_user):
    # given a receipt message
    declaration = submitted(customs_user)
    raw = list_receipt(declaration, "120")
    # when it is delivered twice
    first = record_incoming(raw=raw, source="a")
    second = record_incoming(raw=raw, source="b")
    # then one row is stored and the second call reports a duplicate of it
    assert second.duplicate and second.message.pk == first.message.pk
    assert CustomsMessage.objects.filter(direction="in").count() == 1
    assert bytes(CustomsMessage.objects.get(direction="in").raw) == raw


def test_review_inspection_and_rejection_codes(customs_user):
    # given three submitted declarations
    review, inspected, rejected = (submitted(customs_user, value=str(100 + n)) for n in range(3))
    # when customs answers 300, then 500, and 100 / a negative code
    record_incoming(raw=list_receipt(review, "300"), source="t")
    record_incoming(raw=list_receipt(inspected, "500"), source="t")
    record_incoming(raw=list_receipt(rejected, "-621018", info="超过年度限额"), source="t")
    for declaration in (review, inspected, rejected):
        declaration.refresh_from_db()
    # then manual review, inspection, and rejected with the reason
    assert (review.status, inspected.status, rejected.status) == (D.MANUAL_REVIEW, D.INSPECTION, D.REJECTED)
    assert rejected.return_info == "超过年度限额"
    # and inspection then release still moves on
    record_incoming(raw=list_receipt(inspected, "800"), source="t")
    inspected.refresh_from_db()
    assert inspected.status == D.RELEASED


def test_an_unreadable_message_is_kept_as_failed(customs_user):
    # when a broken message arrives
    result = record_incoming(raw=b"<not-a-receipt/>", source="bad.xml")
    # then it is stored failed with its error, not raised
    assert result.error and result.message.status == "failed"
    assert bytes(result.message.raw) == b"<not-a-receipt/>"


def test_a_format_error_receipt_marks_the_original_message_failed(customs_user):
    # given a submitted declaration
    declaration = submitted(customs_user)
    original = CustomsMessage.objects.get(declaration=declaration, message_type="CEB311")
    # when CEB900 reports its format error
    raw = build_receipt_message("CEB900", [{"return_status": "-1", "return_info": "格式错误",
                                            "return_time": WHEN, "ori_cop_msg_id": original.guid,
                                            "ori_message_type": "CEB311Message",
                                            "ori_biz_message": bytes(original.raw).decode()}])
    record_incoming(raw=raw, source="t")
    # then the original is failed with the error and the declaration rejected
    original.refresh_from_db()
    declaration.refresh_from_db()
    assert original.status == "failed" and "格式错误" in original.last_error
    assert declaration.status == D.REJECTED


def test_a_tax_bill_is_stored_on_the_declaration(customs_user):
    # given a declaration with a list number
    declaration = submitted(customs_user)
    record_incoming(raw=list_receipt(declaration, "120"), source="t")
    declaration.refresh_from_db()
    # when the electronic tax bill arrives
    raw = build_receipt_message("CEB816", [{
        "return_time": WHEN, "invt_no": declaration.invt_no, "tax_no": "TAX0001", "customs_tax": "0",
        "value_added_tax": "9.10", "consumption_tax": "0", "status": "1", "ent_duty_no": "",
        "assure_code": declaration.assure_code, "ebc_code": declaration.ebc_code,
        "logistics_code": declaration.logistics_code, "agent_code": declaration.agent_code,
        "customs_code": declaration.customs_code, "note": "",
        "lines": [{"gnum": 1, "gcode": "1901101000", "tax_price": "200", "customs_tax": "0",
                   "value_added_tax": "9.10", "consumption_tax": "0"}]}])
    result = record_incoming(raw=raw, source="t")
    # then its amounts and number are kept
    declaration.refresh_from_db()
    assert result.applied == 1
    assert (declaration.tax_no, declaration.tax_bill_vat, declaration.tax_bill_status) == (
        "TAX0001", Decimal("9.10"), "1")


def test_cancellation_waits_for_its_receipt(customs_user):
    # given an accepted declaration
    declaration = submitted(customs_user)
    record_incoming(raw=list_receipt(declaration, "120"), source="t")
    declaration.refresh_from_db()
    # when a cancellation is requested
    message = request_cancel(user=customs_user, declaration=declaration, reason="买家取消订单")
    declaration.refresh_from_db()
    assert (message.message_type, declaration.status) == ("CEB623", D.CANCELLING)
    # and customs grants it (CEB624 399)
    raw = build_receipt_message("CEB624", [{
        "customs_code": declaration.customs_code, "agent_code": declaration.agent_code,
        "ebp_code": declaration.ebp_code, "ebc_code": declaration.ebc_code, "cop_no": declaration.cop_no,
        "pre_no": declaration.pre_no, "invt_no": declaration.invt_no, "return_status": "399",
        "return_time": WHEN, "return_info": "撤销成功"}])
    record_incoming(raw=raw, source="t")
    # then it is cancelled
    declaration.refresh_from_db()
    assert declaration.status == D.CANCELLED


def test_annual_quota_counts_released_lists_minus_returns(customs_user):
    # given a released declaration of 22,000 for the buyer this year (one item over 5,000: full rate)
    first = released(customs_user, value="22000", quantity=1)
    assert (first.dutiable_value, first.tax_basis) == (Decimal("22000.00"), "full_rate")
    # when the same buyer orders goods for 2,500 + 2,000 (4,500 > 4,000 left)
    second = declare(customs_user, cross_border_store(), [(filed_product("Q-2"), 1, "2500"),
                                                          (filed_product("Q-3"), 1, "2000")])
    # then the annual quota is exceeded
    assert second.status == D.PRECHECK_FAILED
    assert [finding.code for finding in second.findings.all()] == ["ANNUAL_QUOTA_EXCEEDED"]
    # when the first order is returned (CEB625 granted by CEB626 399)
    request_return(user=customs_user, declaration=first, lines=[(1, 1)], reason="质量问题")
    first.refresh_from_db()
    raw = build_receipt_message("CEB626", [{
        "customs_code": first.customs_code, "agent_code": first.agent_code, "ebp_code": first.ebp_code,
        "ebc_code": first.ebc_code, "cop_no": first.cop_no, "pre_no": first.pre_no, "invt_no": first.invt_no,
        "return_status": "399", "return_time": WHEN, "return_info": "退货成功"}])
    record_incoming(raw=raw, source="t")
    first.refresh_from_db()
    assert (first.status, first.returned_value) == (D.RETURNED, Decimal("22000.00"))
    # then the quota is restored and the second declaration passes its re-check
    from ecerp.customs.services.declarations import recheck_declaration

    assert recheck_declaration(user=customs_user, declaration=second).passed


def test_order_payment_and_waybill_receipts_are_matched_by_their_keys(customs_user):
    # given a submitted declaration
    declaration = submitted(customs_user)
    order = build_receipt_message("CEB312", [{"ebp_code": declaration.ebp_code, "ebc_code": declaration.ebc_code,
                                              "order_no": declaration.order_no, "return_status": "120",
                                              "return_time": WHEN, "return_info": "入库成功"}])
    waybill = build_receipt_message("CEB512", [{"logistics_code": declaration.logistics_code,
                                                "logistics_no": declaration.logistics_no, "return_status": "120",
                                                "return_time": WHEN, "return_info": "入库成功"}])
    payment = build_receipt_message("CEB412", [{"pay_code": declaration.pay_code,
                                                "pay_transaction_id": declaration.pay_transaction_id,
                                                "return_status": "-401004", "return_time": WHEN,
                                                "return_info": "支付单金额与订单不符"}])
    # when the order and waybill are accepted and the payment refused
    results = [record_incoming(raw=raw, source="t") for raw in (order, waybill, payment)]
    # then each receipt found its declaration; the refusal rejects it with the reason
    assert [result.unmatched for result in results] == [0, 0, 0]
    declaration.refresh_from_db()
    assert (declaration.order_status, declaration.waybill_status, declaration.payment_status) == (
        "120", "120", "-401004")
    assert (declaration.status, declaration.return_info) == (D.REJECTED, "支付单金额与订单不符")
    # and the timeline lists the moves and the messages in time order
    from ecerp.customs.queries_declarations import timeline

    events = timeline(declaration)
    assert [event["kind"] for event in events].count("in") == 3
    assert any(event["kind"] == "state" and event["text"].endswith("-> rejected") for event in events)


def test_a_receipt_for_an_unknown_declaration_is_kept_unmatched(customs_user):
    raw = build_receipt_message("CEB312", [{"ebp_code": "X", "ebc_code": "Y", "order_no": "NOPE",
                                            "return_status": "120", "return_time": WHEN, "return_info": ""}])
    result = record_incoming(raw=raw, source="t")
    assert (result.receipts, result.unmatched, result.message.declaration_id) == (1, 1, None)


def test_a_rejected_declaration_can_be_fixed_and_submitted_again(customs_user):
    # given a declaration rejected by customs
    from ecerp.customs.services.declarations import recheck_declaration

    declaration = submitted(customs_user)
    record_incoming(raw=list_receipt(declaration, "100", info="退单"), source="t")
    declaration.refresh_from_db()
    assert declaration.status == D.REJECTED
    # when it is re-checked and submitted again
    recheck_declaration(user=customs_user, declaration=declaration)
    submit_declaration(user=customs_user, declaration=declaration)
    # then the new receipts apply from the start
    record_incoming(raw=list_receipt(declaration, "800"), source="t")
    declaration.refresh_from_db()
    assert (declaration.status, declaration.list_status) == (D.RELEASED, "800")
    assert CustomsMessage.objects.filter(declaration=declaration, direction="out").count() == 8

"""Each pre-check rule: a failing and a passing case, on plain facts (no database)."""

import dataclasses
import datetime
from decimal import Decimal

import pytest

from ecerp.customs.prechecks import DeclarationFacts, LineFacts, run_prechecks

BUYER_ID = "110101199003071233"
ON = datetime.date(2026, 11, 30)


def line(gnum=1, value="100.00", quantity=1, **extra) -> LineFacts:
    value = Decimal(value)
    data = dict(gnum=gnum, sku=f"SKU-{gnum}", quantity=quantity, price=value / quantity, total_price=value,
                hs_code="1901101000", vat_rate=Decimal("0.13"), postal_tax_rate=Decimal("0.13"))
    data.update(extra)
    return LineFacts(**data)


def facts(**changes) -> DeclarationFacts:
    """A declaration that passes every rule: goods 100 + freight 0, tax 9.10 withheld."""
    data = dict(
        regime="comprehensive", decl_date=ON, lines=(line(),), goods_value=Decimal("100.00"),
        tax_total=Decimal("9.10"), actural_paid=Decimal("109.10"), amount_paid=Decimal("109.10"),
        buyer_name="张三", buyer_id_number=BUYER_ID, buyer_phone="13800000001", payer_name="张三",
        payer_id_number=BUYER_ID, consignee_name="张三", consignee_phone="13800000001",
        consignee_address="浙江省杭州市西湖区文三路1号", waybill_consignee_name="张三",
        waybill_consignee_phone="13800000001", waybill_consignee_address="浙江省杭州市西湖区文三路1号",
        logistics_code="3301960004", logistics_no="YT0001", order_line_count=1,
    )
    data.update(changes)
    return DeclarationFacts(**data)


def codes(result) -> list[tuple[str, str]]:
    return [(finding.code, finding.field) for finding in result.findings]


def test_the_baseline_passes_every_rule():
    result = run_prechecks(facts())
    assert result.passed and result.tax.total == Decimal("9.10")


CASES = [
    ("PRODUCT_NOT_FILED", dict(lines=(line(filing_problem=("PRODUCT_NOT_FILED", "")),)), "lines.1.sku"),
    ("NOT_ON_POSITIVE_LIST", dict(lines=(line(filing_problem=("NOT_ON_POSITIVE_LIST", "")),)), "lines.1.hs_code"),
    ("BUYER_ID_INVALID", dict(buyer_id_number="110101199003071234", payer_id_number="110101199003071234"),
     "buyer_id_number"),
    ("BUYER_NAME_MISSING", dict(buyer_name=" ", payer_name=" "), "buyer_name"),
    ("PAYER_NOT_BUYER", dict(payer_name="李四"), "payer_name"),
    ("SINGLE_LIMIT_EXCEEDED", dict(lines=(line(1, "3000.00"), line(2, "2500.00")), goods_value=Decimal("5500.00"),
                                   actural_paid=Decimal("6000.50"), amount_paid=Decimal("6000.50"),
                                   tax_total=Decimal("500.50"), order_line_count=2), "goods_value"),
    ("ANNUAL_QUOTA_EXCEEDED", dict(annual_used=Decimal("25950")), "buyer_id_number"),
    ("ORDER_AMOUNT_MISMATCH", dict(actural_paid=Decimal("110.00"), amount_paid=Decimal("110.00")), "actural_paid"),
    ("PAYMENT_AMOUNT_MISMATCH", dict(amount_paid=Decimal("100.00")), "amount_paid"),
    ("CONSIGNEE_MISMATCH", dict(waybill_consignee_phone="13900000000"), "waybill_consignee_phone"),
    ("TAX_OUT_OF_TOLERANCE", dict(tax_total=Decimal("5.00"), actural_paid=Decimal("105.00"),
                                  amount_paid=Decimal("105.00")), "tax_total"),
    ("PACK_NO_INVALID", dict(pack_no=2), "pack_no"),
    ("CURRENCY_INVALID", dict(currency="502"), "currency"),
    ("WAYBILL_NUMBER_REUSED", dict(waybill_reused_by="CD0001"), "logistics_no"),
    ("LIST_LINES_MISMATCH", dict(order_line_count=2), "lines"),
    ("PARCEL_VALUE_LIMIT", dict(regime="postal", lines=(line(1, "600.00"), line(2, "600.00")),
                                goods_value=Decimal("1200.00"), tax_total=Decimal("156.00"),
                                actural_paid=Decimal("1356.00"), amount_paid=Decimal("1356.00"),
                                order_line_count=2, origin_region="502"), "goods_value"),
    ("FIELD_MISSING", dict(required=(("logistics_no", ""),)), "logistics_no"),
    ("FIELD_TOO_LONG", dict(lengths=(("buyer_name", "张" * 61, 60),)), "buyer_name"),
]


@pytest.mark.parametrize(("code", "changes", "field"), CASES, ids=[case[0] for case in CASES])
def test_each_rule_fails_with_its_code_and_field(code, changes, field):
    # given facts breaking one rule, when pre-checked, then that code is found naming the field
    result = run_prechecks(facts(**changes))
    assert (code, field) in codes(result), codes(result)
    assert all(finding.message for finding in result.findings)


def test_the_single_indivisible_item_over_the_limit_is_taxed_at_full_rate_instead():
    # given one item of 6,000 (CUSTOMS.md §2(b) example 4: tariff 10 %, VAT 13 %, used 10,000)
    item = line(1, "6000.00", tariff_rate=Decimal("0.10"))
    result = run_prechecks(facts(lines=(item,), goods_value=Decimal("6000.00"), annual_used=Decimal("10000"),
                                 tax_total=Decimal("1458.00"), actural_paid=Decimal("7458.00"),
                                 amount_paid=Decimal("7458.00")))
    # then no limit finding: full goods rates, 600 + 858
    assert result.passed, codes(result)
    assert (result.classification, result.tax.total) == ("full_rate", Decimal("1458.00"))


def test_a_single_item_parcel_over_the_postal_limit_is_allowed():
    # given one 1,200 item by post from the US
    result = run_prechecks(facts(regime="postal", lines=(line(1, "1200.00", postal_tax_rate=Decimal("0.20")),),
                                 goods_value=Decimal("1200.00"), tax_total=Decimal("240.00"),
                                 actural_paid=Decimal("1440.00"), amount_paid=Decimal("1440.00"),
                                 origin_region="502"))
    # then no PARCEL_VALUE_LIMIT
    assert "PARCEL_VALUE_LIMIT" not in [code for code, _field in codes(result)]


def test_the_hong_kong_parcel_limit_is_800():
    # given two items of 450 from Hong Kong (900 > 800)
    changes = dict(regime="postal", lines=(line(1, "450.00"), line(2, "450.00")), goods_value=Decimal("900.00"),
                   tax_total=Decimal("117.00"), actural_paid=Decimal("1017.00"), amount_paid=Decimal("1017.00"),
                   order_line_count=2)
    assert ("PARCEL_VALUE_LIMIT", "goods_value") in codes(run_prechecks(facts(origin_region="110", **changes)))
    assert ("PARCEL_VALUE_LIMIT", "goods_value") not in codes(run_prechecks(facts(origin_region="116", **changes)))


def test_tax_within_the_tolerance_passes():
    # given a withheld tax 0.04 off the computed 9.10 (default tolerance 0.05)
    result = run_prechecks(facts(tax_total=Decimal("9.14"), actural_paid=Decimal("109.14"),
                                 amount_paid=Decimal("109.14")))
    assert result.passed
    assert not run_prechecks(dataclasses.replace(facts(tax_total=Decimal("9.14"), actural_paid=Decimal("109.14"),
                                                       amount_paid=Decimal("109.14"))),
                             tax_tolerance=Decimal("0.01")).passed


def test_list_lines_must_match_the_order_quantities_and_run_from_one():
    assert ("LIST_LINES_MISMATCH", "lines.1.quantity") in codes(run_prechecks(facts(lines=(line(order_quantity=2),))))
    assert ("LIST_LINES_MISMATCH", "lines") in codes(run_prechecks(facts(lines=(line(gnum=2),))))
    assert run_prechecks(facts(lines=(line(order_quantity=1),))).passed


def test_messages_render_in_the_readers_language():
    from django.utils import translation

    finding = run_prechecks(facts(pack_no=3)).findings[0]
    assert finding.message == "件数必须为 1（实际 3）"
    with translation.override("en"):
        assert finding.message.startswith("The number of packages must be 1") and "3" in finding.message

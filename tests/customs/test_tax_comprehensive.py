"""The cross-border comprehensive tax: every worked example of CUSTOMS.md §2(b), limits, properties (no database)."""

import datetime
from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecerp.core.errors import DomainError
from ecerp.customs import calculations
from ecerp.customs.calculations import TaxableLine, classify_comprehensive, comprehensive_tax

D = Decimal
VAT = D("0.13")


def amounts(result):
    return (result.customs_duty, result.vat, result.consumption_tax, result.total)


def test_example_1_infant_formula():
    # given formula worth 400 with freight 20, no consumption tax, VAT 13 %
    line = TaxableLine("FORMULA", D("400"), 1, vat_rate=VAT)
    # when taxed within the limits
    result = comprehensive_tax([line], freight=D("20"))
    # then the dutiable value is 420 and only 70 % of the statutory VAT is due
    assert result.regime == "comprehensive" and result.basis == "within_limits"
    assert result.dutiable_value == D("420")
    assert amounts(result) == (D("0.00"), D("38.22"), D("0.00"), D("38.22"))


def test_example_2_high_end_cosmetics():
    # given high-end cosmetics worth 1,000, consumption tax 15 %, VAT 13 %
    line = TaxableLine("SERUM", D("1000"), 1, vat_rate=VAT, consumption_tax_rate=D("0.15"))
    # when taxed within the limits
    result = comprehensive_tax([line])
    # then CT 176.47 -> 123.53 and VAT (1000 + 176.47) x 13 % = 152.94 -> 107.06
    assert amounts(result) == (D("0.00"), D("107.06"), D("123.53"), D("230.59"))


def test_example_2_in_2018_with_vat_16():
    # given the same cosmetics under the 2018 VAT rate
    line = TaxableLine("SERUM", D("1000"), 1, vat_rate=D("0.16"), consumption_tax_rate=D("0.15"))
    # when taxed
    result = comprehensive_tax([line])
    # then the VAT is 70 % of the unrounded statutory VAT (131.76, not 131.77)
    assert amounts(result) == (D("0.00"), D("131.76"), D("123.53"), D("255.29"))


def test_example_2_before_october_2016():
    # given the same cosmetics with CT 30 % and VAT 17 %
    line = TaxableLine("SERUM", D("1000"), 1, vat_rate=D("0.17"), consumption_tax_rate=D("0.30"))
    # when taxed
    result = comprehensive_tax([line])
    # then the well-known 47 %
    assert amounts(result) == (D("0.00"), D("170.00"), D("300.00"), D("470.00"))


def test_example_3_ordinary_goods():
    # given apparel worth 300 with freight 15 at VAT 13 %
    result = comprehensive_tax([TaxableLine("SHIRT", D("300"), 1, vat_rate=VAT)], freight=D("15"))
    # then 315 x 13 % x 0.7 = 28.665, rounded half up
    assert result.dutiable_value == D("315")
    assert amounts(result) == (D("0.00"), D("28.67"), D("0.00"), D("28.67"))


def test_example_3_lower_vat_band():
    # given a 9 %-VAT good of 200
    result = comprehensive_tax([TaxableLine("BOOK", D("200"), 1, vat_rate=D("0.09"))])
    # then 12.60
    assert amounts(result) == (D("0.00"), D("12.60"), D("0.00"), D("12.60"))


def test_example_4_over_limit_single_item_at_full_rate():
    # given one item of 6,000 and a buyer who has used 10,000 of the 26,000 quota
    line = TaxableLine("BAG", D("6000"), 1, tariff_rate=D("0.10"), vat_rate=VAT)
    basis = classify_comprehensive(
        dutiable_value=D("6000"), single_item=calculations.is_single_item([line]), annual_used=D("10000"),
        single_limit=D("5000"), annual_limit=D("26000"),
    )
    # when it is classified and taxed
    result = comprehensive_tax([line], full_rate=basis == "full_rate")
    # then it pays the full goods rates
    assert basis == "full_rate"
    assert result.basis == "full_rate"
    assert amounts(result) == (D("600.00"), D("858.00"), D("0.00"), D("1458.00"))


def test_example_5_annual_quota_exceeded():
    # given a buyer who has used 24,000 and an order of 2,500
    basis = classify_comprehensive(
        dutiable_value=D("2500"), single_item=False, annual_used=D("24000"),
        single_limit=D("5000"), annual_limit=D("26000"),
    )
    # then the order is over the annual quota
    assert basis == "annual_quota_exceeded"


def test_several_items_over_the_single_limit_get_no_allowance():
    # given two items of 3,000 each
    lines = [TaxableLine("A", D("3000"), 1), TaxableLine("B", D("3000"), 1)]
    basis = classify_comprehensive(
        dutiable_value=D("6000"), single_item=calculations.is_single_item(lines), annual_used=D("0"),
        single_limit=D("5000"), annual_limit=D("26000"),
    )
    # then the single limit is exceeded
    assert basis == "single_limit_exceeded"


def test_classification_edges():
    limits = {"single_limit": D("5000"), "annual_limit": D("26000")}
    # exactly at the limits is still within them
    assert classify_comprehensive(dutiable_value=D("5000"), single_item=False, annual_used=D("21000"),
                                  **limits) == "within_limits"
    # a single item over the single limit that would break the annual quota
    assert classify_comprehensive(dutiable_value=D("6000"), single_item=True, annual_used=D("21000"),
                                  **limits) == "annual_quota_exceeded"
    # a single item at or above the annual limit gets no allowance
    assert classify_comprehensive(dutiable_value=D("26000"), single_item=True, annual_used=D("0"),
                                  **limits) == "single_limit_exceeded"
    # two units of the same SKU are not one indivisible item
    assert not calculations.is_single_item([TaxableLine("A", D("6000"), 2)])


def test_limits_by_date():
    assert calculations.comprehensive_limits_for(datetime.date(2017, 6, 1)) == (D("2000"), D("20000"))
    assert calculations.comprehensive_limits_for(datetime.date(2018, 12, 31)) == (D("2000"), D("20000"))
    assert calculations.comprehensive_limits_for(datetime.date(2019, 1, 1)) == (D("5000"), D("26000"))
    with pytest.raises(DomainError) as error:
        calculations.comprehensive_limits_for(datetime.date(2016, 4, 7))
    assert error.value.code == "INVALID_VALUE"


def test_freight_is_apportioned_and_the_last_line_takes_the_remainder():
    # given three lines of equal value and a freight that does not divide evenly
    lines = [TaxableLine(sku, D("10.00"), 1, vat_rate=VAT) for sku in ("A", "B", "C")]
    # when taxed
    result = comprehensive_tax(lines, freight=D("1.00"), insured_fee=D("0.01"))
    # then the leading lines get the truncated share and the last the rest
    assert [line.dutiable_value for line in result.lines] == [D("10.33"), D("10.33"), D("10.35")]
    assert result.dutiable_value == D("31.01")


def test_head_amounts_are_the_sums_of_the_lines():
    # given lines whose per-line rounding differs from rounding the head
    lines = [TaxableLine(sku, D("1.05"), 1, vat_rate=VAT) for sku in ("A", "B", "C")]
    # when taxed
    result = comprehensive_tax(lines)
    # then each line's VAT is 1.05 x 0.091 = 0.09555 -> 0.10 and the head is 0.30 (not 0.29)
    assert [line.vat for line in result.lines] == [D("0.10")] * 3
    assert result.vat == D("0.30") and result.total == D("0.30")


def test_rounding_and_quantum_are_configurable():
    line = TaxableLine("SHIRT", D("315"), 1, vat_rate=VAT)
    assert comprehensive_tax([line], rounding=ROUND_DOWN).vat == D("28.66")
    assert comprehensive_tax([line], quantum=D("0.1")).vat == D("28.7")


def test_discount_does_not_reduce_the_base_unless_asked():
    line = TaxableLine("SHIRT", D("300"), 1, vat_rate=VAT)
    assert comprehensive_tax([line], freight=D("15"), discount=D("15")).dutiable_value == D("315")
    reduced = comprehensive_tax([line], freight=D("15"), discount=D("15"), discount_reduces_base=True)
    assert reduced.dutiable_value == D("300")


def test_full_rate_composite_price_includes_the_duty():
    # given a watch of 20,000 with tariff 10 %, CT 20 %, VAT 13 %
    line = TaxableLine("WATCH", D("20000"), 1, tariff_rate=D("0.10"), vat_rate=VAT,
                       consumption_tax_rate=D("0.20"))
    # when taxed at full rate
    result = comprehensive_tax([line], full_rate=True)
    # then duty 2,000; CT 22,000 / 0.8 x 0.2 = 5,500; VAT (22,000 + 5,500) x 13 % = 3,575
    assert amounts(result) == (D("2000.00"), D("3575.00"), D("5500.00"), D("11075.00"))


def test_amounts_are_decimal():
    result = comprehensive_tax([TaxableLine("A", D("99.99"), 3, vat_rate=VAT, consumption_tax_rate=D("0.15"))],
                               freight=D("7"))
    values = [result.dutiable_value, *amounts(result)]
    for line in result.lines:
        values += [line.dutiable_value, line.customs_duty, line.vat, line.consumption_tax, line.total]
    assert all(type(value) is Decimal for value in values)


def test_as_dict_gives_decimal_strings():
    result = comprehensive_tax([TaxableLine("SHIRT", D("300"), 1, vat_rate=VAT)], freight=D("15"))
    assert result.as_dict() == {
        "regime": "comprehensive", "dutiable_value": "315", "customs_duty": "0.00", "vat": "28.67",
        "consumption_tax": "0.00", "total": "28.67",
        "lines": [{"sku": "SHIRT", "dutiable_value": "315", "customs_duty": "0.00", "vat": "28.67",
                   "consumption_tax": "0.00"}],
    }


def test_bad_input_is_refused_with_codes():
    with pytest.raises(DomainError) as error:
        comprehensive_tax([])
    assert error.value.code == "REQUIRED"
    with pytest.raises(DomainError) as error:
        comprehensive_tax([TaxableLine("A", D("-1"), 1)])
    assert error.value.code == "NEGATIVE_AMOUNT" and "A" in str(error.value)
    with pytest.raises(DomainError) as error:
        comprehensive_tax([TaxableLine("A", D("1"), 1)], freight=D("-1"))
    assert error.value.code == "NEGATIVE_AMOUNT" and error.value.field == "freight"
    with pytest.raises(DomainError) as error:
        comprehensive_tax([TaxableLine("A", D("1"), 1, consumption_tax_rate=D("1"))])
    assert error.value.code == "INVALID_VALUE" and error.value.field == "consumption_tax_rate"


@pytest.mark.parametrize(("rule", "price", "content", "unit", "expected"), [
    ("none", D("99999"), None, None, False),
    ("always", D("1"), None, None, True),
    ("cosmetics_high_end", D("500"), D("50"), "ml", True),        # exactly 10 per ml
    ("cosmetics_high_end", D("499.99"), D("50"), "ml", False),
    ("cosmetics_high_end", D("300"), D("30"), "克", True),
    ("cosmetics_high_end", D("150"), D("10"), "片", True),        # 15 per sheet
    ("cosmetics_high_end", D("149"), D("10"), "sheet", False),
    ("cosmetics_high_end", D("15"), None, "piece", True),
    ("cosmetics_high_end", D("9999"), D("1"), "L", False),         # 10 per ml would be 10,000 per litre
    ("watch_high_end", D("10000"), None, None, True),
    ("watch_high_end", D("9999.99"), None, None, False),
])
def test_consumption_tax_rules(rule, price, content, unit, expected):
    assert calculations.consumption_tax_applies(
        rule=rule, unit_price=price, net_content=content, content_unit=unit) is expected


def test_consumption_tax_rule_errors():
    with pytest.raises(DomainError) as error:
        calculations.consumption_tax_applies(rule="tobacco", unit_price=D("1"), net_content=None, content_unit=None)
    assert error.value.code == "INVALID_VALUE"
    with pytest.raises(DomainError) as error:
        calculations.consumption_tax_applies(rule="cosmetics_high_end", unit_price=D("1"), net_content=None,
                                             content_unit="ml")
    assert error.value.code == "REQUIRED"


money = st.decimals(min_value=D("0"), max_value=D("100000"), places=2, allow_nan=False, allow_infinity=False)
rate = st.sampled_from([D("0"), D("0.09"), D("0.13"), D("0.15"), D("0.20"), D("0.30")])
taxable_lines = st.lists(
    st.builds(TaxableLine, sku=st.text(min_size=1, max_size=5), value=money, quantity=st.integers(1, 9),
              tariff_rate=rate, vat_rate=rate, consumption_tax_rate=rate),
    min_size=1, max_size=8,
)


@given(lines=taxable_lines, freight=money, insured_fee=money, full_rate=st.booleans())
def test_line_amounts_sum_to_the_head(lines, freight, insured_fee, full_rate):
    result = comprehensive_tax(lines, freight=freight, insured_fee=insured_fee, full_rate=full_rate)
    assert result.dutiable_value == sum(line.value for line in lines) + freight + insured_fee
    assert sum(line.dutiable_value for line in result.lines) == result.dutiable_value
    assert sum(line.customs_duty for line in result.lines) == result.customs_duty
    assert sum(line.vat for line in result.lines) == result.vat
    assert sum(line.consumption_tax for line in result.lines) == result.consumption_tax
    assert result.total == result.customs_duty + result.vat + result.consumption_tax
    assert all(line.dutiable_value >= 0 for line in result.lines)


@given(value=money, more=money, freight=money, vat_rate=rate, ct_rate=rate, tariff=rate, full_rate=st.booleans())
def test_tax_is_monotonic_in_value(value, more, freight, vat_rate, ct_rate, tariff, full_rate):
    def total(amount):
        line = TaxableLine("A", amount, 1, tariff_rate=tariff, vat_rate=vat_rate, consumption_tax_rate=ct_rate)
        return comprehensive_tax([line], freight=freight, full_rate=full_rate).total

    assert total(value) <= total(value + more)


@given(lines=taxable_lines, freight=money)
def test_within_limits_never_exceeds_full_rate(lines, freight):
    within = comprehensive_tax(lines, freight=freight)
    full = comprehensive_tax(lines, freight=freight, full_rate=True)
    assert within.total <= full.total

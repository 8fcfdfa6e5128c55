"""The postal-article tax (行邮税): the worked examples of CUSTOMS.md §2(a), tiers by date, parcel limits."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecerp.core.errors import DomainError
from ecerp.customs import calculations
from ecerp.customs.calculations import TaxableLine, postal_article_tax

D = Decimal
TODAY = datetime.date(2026, 1, 15)


def tier_line(sku, value, tier, on=TODAY, quantity=1):
    return TaxableLine(sku, D(value), quantity, postal_tax_rate=calculations.postal_tax_rate_for(tier, on))


def test_example_1_clothing_240_is_exempt():
    # given clothing (tier 2) of 240: 240 x 20 % = 48.00
    result = postal_article_tax([tier_line("COAT", "240", 2)])
    # then the tax of 50 or less is waived
    assert result.regime == "postal" and result.basis == "postal_exempt"
    assert (result.customs_duty, result.total, result.lines[0].customs_duty) == (D("0.00"), D("0.00"), D("0.00"))
    assert result.dutiable_value == D("240")


def test_example_2_exactly_50_is_exempt():
    # given clothing of 250: 250 x 20 % = 50.00, the 50 included in the waiver
    result = postal_article_tax([tier_line("COAT", "250", 2)])
    assert result.basis == "postal_exempt" and result.total == D("0.00")


def test_example_3_clothing_800_pays():
    # given clothing of 800 in a parcel within the 1,000 limit
    result = postal_article_tax([tier_line("COAT", "800", 2)])
    # then 800 x 20 % = 160.00, reported as customs duty
    assert result.basis == "postal"
    assert (result.customs_duty, result.vat, result.consumption_tax, result.total) == (
        D("160.00"), D("0.00"), D("0.00"), D("160.00"))
    assert calculations.classify_parcel(
        parcel_value=D("800"), single_item=True, limit=calculations.parcel_value_limit(origin_region="US")
    ) == "within_limit"


def test_example_4_tier_3_item_400():
    assert postal_article_tax([tier_line("WHISKY", "400", 3)]).total == D("200.00")


def test_example_5_tier_1_food_380_is_exempt():
    # 380 x 13 % = 49.40
    result = postal_article_tax([tier_line("TEA", "380", 1)])
    assert result.basis == "postal_exempt" and result.total == D("0.00")


def test_example_6_two_items_from_the_us_over_the_limit():
    # given two items of 600 from the United States (customs code 502)
    limit = calculations.parcel_value_limit(origin_region="502")
    # then 1,200 exceeds the 1,000 limit and the parcel is divisible
    assert limit == D("1000")
    assert calculations.classify_parcel(parcel_value=D("1200"), single_item=False, limit=limit) == "over_limit"


def test_example_7_same_items_from_hong_kong():
    # given the same parcel from Hong Kong
    limit = calculations.parcel_value_limit(origin_region="HK")
    # then the limit is 800 and the parcel is over it
    assert limit == D("800")
    assert calculations.classify_parcel(parcel_value=D("1200"), single_item=False, limit=limit) == "over_limit"


def test_historical_clothing_800_in_2017():
    # given clothing of 800 declared in 2017, when tier 2 was 30 %
    result = postal_article_tax([tier_line("COAT", "800", 2, on=datetime.date(2017, 6, 1))])
    assert result.total == D("240.00")


def test_single_indivisible_item_exception():
    assert calculations.classify_parcel(parcel_value=D("1500"), single_item=True, limit=D("1000")) == (
        "single_item_exception")


@pytest.mark.parametrize(("region", "limit"), [
    ("HK", "800"), ("MO", "800"), ("TW", "800"), ("hk", "800"), ("110", "800"), ("121", "800"), ("143", "800"),
    ("US", "1000"), ("JP", "1000"), ("116", "1000"), ("", "1000"),
])
def test_parcel_value_limit_by_origin(region, limit):
    assert calculations.parcel_value_limit(origin_region=region) == D(limit)


@pytest.mark.parametrize(("on", "rates"), [
    (datetime.date(2015, 1, 1), ("0.10", "0.20", "0.30", "0.50")),
    (datetime.date(2016, 4, 7), ("0.10", "0.20", "0.30", "0.50")),
    (datetime.date(2016, 4, 8), ("0.15", "0.30", "0.60")),
    (datetime.date(2018, 10, 31), ("0.15", "0.30", "0.60")),
    (datetime.date(2018, 11, 1), ("0.15", "0.25", "0.50")),
    (datetime.date(2019, 4, 8), ("0.15", "0.25", "0.50")),
    (datetime.date(2019, 4, 9), ("0.13", "0.20", "0.50")),
])
def test_tier_rates_by_date(on, rates):
    assert tuple(calculations.postal_tax_rate_for(tier, on) for tier in range(1, len(rates) + 1)) == tuple(
        D(rate) for rate in rates)


def test_tier_rate_from_a_custom_table_and_unknown_tiers():
    table = [(datetime.date(2024, 12, 1), None, {1: D("0.10"), 2: D("0.20")})]
    assert calculations.postal_tax_rate_for(2, datetime.date(2025, 1, 1), table) == D("0.20")
    for tier, on in ((3, datetime.date(2025, 1, 1)), (1, datetime.date(2024, 11, 30))):
        with pytest.raises(DomainError) as error:
            calculations.postal_tax_rate_for(tier, on, table)
        assert error.value.code == "INVALID_VALUE"
    with pytest.raises(DomainError):
        calculations.postal_tax_rate_for(4, TODAY)


def test_missing_postal_rate_names_the_sku():
    with pytest.raises(DomainError) as error:
        postal_article_tax([tier_line("COAT", "800", 2), TaxableLine("MYSTERY-1", D("10"), 1)])
    assert error.value.code == "REQUIRED" and error.value.field == "postal_tax_rate"
    assert "MYSTERY-1" in str(error.value)


def test_several_lines_with_freight_and_a_custom_exemption():
    # given a tier 1 and a tier 3 line with freight 30
    lines = [tier_line("TEA", "100", 1), tier_line("WHISKY", "200", 3)]
    # when taxed
    result = postal_article_tax(lines, freight=D("30"))
    # then freight goes 10 / 20, the line taxes are 110 x 13 % and 220 x 50 %
    assert [line.dutiable_value for line in result.lines] == [D("110.00"), D("220")]
    assert [line.customs_duty for line in result.lines] == [D("14.30"), D("110.00")]
    assert result.total == D("124.30")
    # and a higher exemption waives it all
    assert postal_article_tax(lines, freight=D("30"), exemption=D("200")).total == D("0.00")


def test_postal_amounts_are_decimal():
    result = postal_article_tax([tier_line("COAT", "800", 2)])
    assert all(type(value) is Decimal for value in (
        result.dutiable_value, result.customs_duty, result.vat, result.consumption_tax, result.total,
        result.lines[0].total))


money = st.decimals(min_value=D("0"), max_value=D("10000"), places=2, allow_nan=False, allow_infinity=False)
postal_rate = st.sampled_from([D("0.13"), D("0.20"), D("0.50"), D("0.15"), D("0.30"), D("0.60")])
postal_lines = st.lists(
    st.builds(TaxableLine, sku=st.text(min_size=1, max_size=5), value=money, quantity=st.integers(1, 5),
              postal_tax_rate=postal_rate),
    min_size=1, max_size=6,
)


@given(lines=postal_lines, freight=money)
def test_postal_lines_sum_to_the_head_and_waived_tax_is_zero(lines, freight):
    result = postal_article_tax(lines, freight=freight)
    assert result.dutiable_value == sum(line.value for line in lines) + freight
    assert sum(line.dutiable_value for line in result.lines) == result.dutiable_value
    assert sum(line.customs_duty for line in result.lines) == result.customs_duty == result.total
    if result.basis == "postal_exempt":
        assert result.total == 0 and all(line.total == 0 for line in result.lines)
    else:
        assert result.total > D("50")


@given(value=money, more=money, rate=postal_rate)
def test_postal_tax_is_monotonic_in_value(value, more, rate):
    def total(amount):
        return postal_article_tax([TaxableLine("A", amount, 1, postal_tax_rate=rate)]).total

    assert total(value) <= total(value + more)

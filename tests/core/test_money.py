"""Money and quantity helpers: rounding, the Money type, parsing user and file input."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecerp.core.errors import DomainError
from ecerp.core.money import Money, parse_decimal, parse_quantity, round_money


def test_round_money_is_half_up_to_the_currency_exponent():
    assert round_money(Decimal("2.345")) == Decimal("2.35")
    assert round_money(Decimal("2.344")) == Decimal("2.34")
    assert round_money(Decimal("-2.345")) == Decimal("-2.35")
    assert round_money(Decimal("0.125"), "USD") == Decimal("0.13")
    assert round_money(Decimal("1234.5"), "JPY") == Decimal("1235")
    assert str(round_money(Decimal("7"))) == "7.00"


def test_money_refuses_float():
    with pytest.raises(TypeError):
        Money(0.1)
    with pytest.raises(TypeError):
        Money(Decimal("1")) * 1.5


def test_money_refuses_cross_currency_arithmetic():
    cny, usd = Money(Decimal("10"), "CNY"), Money(Decimal("10"), "USD")
    with pytest.raises(ValueError):
        cny + usd
    with pytest.raises(ValueError):
        cny - usd


def test_money_arithmetic_and_display():
    total = Money(Decimal("10.005")) + Money(Decimal("0.001")) - Money(Decimal("1"))
    assert total == Money(Decimal("9.006"))
    assert (Money(Decimal("3.335")) * 3).amount == Decimal("10.005")
    assert total.rounded() == Money(Decimal("9.01"))
    assert str(Money(Decimal("1234.5"))) == "1234.50 CNY"
    assert Money(5).amount == Decimal(5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1,234.50", Decimal("1234.50")), ("￥12.3", Decimal("12.3")), ("¥ 8", Decimal("8")), (" 12 ", Decimal("12")),
     ("1，000", Decimal("1000")), (0.1, Decimal("0.1")), (7, Decimal("7")), (Decimal("2.50"), Decimal("2.50"))],
)
def test_parse_decimal_accepts_what_people_type(text, expected):
    assert parse_decimal(text) == expected


def test_parse_decimal_blank_is_none():
    assert parse_decimal(None) is None
    assert parse_decimal("  ") is None
    assert parse_decimal("￥") is None


@pytest.mark.parametrize("garbage", ["abc", "12.3.4", "1e", "NaN", "Infinity", "12元", float("nan")])
def test_parse_decimal_refuses_garbage_naming_the_field(garbage):
    with pytest.raises(DomainError) as error:
        parse_decimal(garbage, field="cost_price")
    assert error.value.code == "INVALID_DECIMAL" and error.value.field == "cost_price"


def test_parse_decimal_refuses_booleans():
    # a TRUE cell in a spreadsheet is not the number 1
    with pytest.raises(DomainError) as error:
        parse_decimal(True, field="sale_price")
    assert error.value.code == "INVALID_DECIMAL"


def test_parse_decimal_refuses_negative_unless_allowed():
    with pytest.raises(DomainError) as error:
        parse_decimal("-1.5", field="sale_price")
    assert error.value.code == "NEGATIVE_AMOUNT" and error.value.field == "sale_price"
    assert "-1.5" in str(error.value)
    assert parse_decimal("-1.5", allow_negative=True) == Decimal("-1.5")


def test_parse_decimal_rounds_to_places():
    assert parse_decimal("2.345", places=2) == Decimal("2.35")


def test_parse_decimal_huge_number_with_places_is_a_domain_error():
    # given a number too large to be kept with two places
    with pytest.raises(DomainError) as error:
        parse_decimal("1e40", field="cost_price", places=2)
    # then it is INVALID_DECIMAL naming the field (never a bare decimal.InvalidOperation)
    assert error.value.code == "INVALID_DECIMAL" and error.value.field == "cost_price"


@pytest.mark.parametrize(("text", "expected"), [("3", 3), ("3.0", 3), (3.0, 3), (" 12 ", 12), ("1,000", 1000)])
def test_parse_quantity_accepts_whole_numbers(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text", ["2.5", "-1", "0", "abc", True])
def test_parse_quantity_refuses_fractions_negatives_and_zero(text):
    with pytest.raises(DomainError) as error:
        parse_quantity(text, field="quantity")
    assert error.value.code in ("INVALID_QUANTITY", "INVALID_DECIMAL") and error.value.field == "quantity"


def test_parse_quantity_zero_when_allowed_and_blank():
    assert parse_quantity("0", allow_zero=True) == 0
    assert parse_quantity("") is None


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False))
def test_round_money_is_within_half_a_fen(amount):
    rounded = round_money(amount)
    assert abs(rounded - amount) <= Decimal("0.005")
    assert rounded.as_tuple().exponent == -2
    assert round_money(rounded) == rounded


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("1e9"), places=2))
def test_parse_decimal_round_trips_formatted_amounts(amount):
    assert parse_decimal(f"{amount:,}") == amount
    assert parse_decimal(f"￥{amount}") == amount


@given(st.text(max_size=20))
def test_parse_decimal_never_leaks_another_exception(text):
    try:
        result = parse_decimal(text, places=4)
    except DomainError as error:
        assert error.code in ("INVALID_DECIMAL", "NEGATIVE_AMOUNT")
    else:
        assert result is None or (isinstance(result, Decimal) and result.is_finite() and result >= 0)


@given(st.integers(min_value=1, max_value=10**9))
def test_parse_quantity_accepts_every_positive_integer(number):
    assert parse_quantity(str(number)) == number
    assert parse_quantity(f"{number}.0") == number

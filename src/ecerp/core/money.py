"""Money and quantity helpers: Decimal amounts with a currency, integer SKU quantities.

Amounts are rounded to the currency's exponent at defined points (line, tax,
document); unit prices and costs may keep more places. Floats never enter.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from ecerp.core.errors import DomainError, ErrorCode

CURRENCY_EXPONENTS = {"CNY": 2, "USD": 2, "EUR": 2, "HKD": 2, "JPY": 0, "KRW": 0, "AUD": 2, "GBP": 2}
UNIT_PRICE_PLACES = 4
COST_PLACES = 6


def quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def round_money(amount: Decimal, currency: str = "CNY") -> Decimal:
    """Round an amount to the currency's minor unit (fen for CNY), half up."""
    return amount.quantize(quantum(CURRENCY_EXPONENTS.get(currency, 2)), rounding=ROUND_HALF_UP)


def round_places(amount: Decimal, places: int) -> Decimal:
    return amount.quantize(quantum(places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Money:
    """An amount in one currency. Arithmetic across currencies is refused."""

    amount: Decimal
    currency: str = "CNY"

    def __post_init__(self):
        if isinstance(self.amount, float):
            raise TypeError("Money never takes a float")
        object.__setattr__(self, "amount", Decimal(self.amount))

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("Money never takes a float")
        return Money(self.amount * factor, self.currency)

    def rounded(self) -> Money:
        return Money(round_money(self.amount, self.currency), self.currency)

    def __str__(self) -> str:
        return f"{round_money(self.amount, self.currency)} {self.currency}"


def parse_decimal(
    value, *, field: str | None = None, places: int | None = None, allow_negative: bool = False
) -> Decimal | None:
    """Parse user or file input into a Decimal; None for blank.

    Accepts '1,234.50', '￥12.3', ' 12 '. Raises DomainError INVALID_DECIMAL or
    NEGATIVE_AMOUNT naming the field.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        # a TRUE/FALSE spreadsheet cell is not the number 1/0
        raise DomainError(ErrorCode.INVALID_DECIMAL, _("「%(value)s」不是有效的数字"), field=field, value=value)
    if isinstance(value, float):
        # openpyxl hands numeric cells over as float; repr() is the shortest exact form.
        value = repr(value)
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "").lstrip("￥¥").strip()
        if text == "":
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise DomainError(
                ErrorCode.INVALID_DECIMAL, _("「%(value)s」不是有效的数字"), field=field, value=value
            ) from None
    if not number.is_finite():
        raise DomainError(ErrorCode.INVALID_DECIMAL, _("「%(value)s」不是有效的数字"), field=field, value=value)
    if number < 0 and not allow_negative:
        raise DomainError(ErrorCode.NEGATIVE_AMOUNT, _("不能为负数：%(value)s"), field=field, value=value)
    if places is not None:
        try:
            number = round_places(number, places)
        except InvalidOperation:
            # too many digits to keep with that many places (e.g. 1e40 with 2 places)
            raise DomainError(
                ErrorCode.INVALID_DECIMAL, _("「%(value)s」不是有效的数字"), field=field, value=value
            ) from None
    return number


def parse_quantity(value, *, field: str | None = None, allow_zero: bool = False) -> int | None:
    """Parse a SKU quantity: a whole number, positive (or zero when allowed); None for blank."""
    number = parse_decimal(value, field=field, allow_negative=True)
    if number is None:
        return None
    if number != number.to_integral_value() or number < 0 or (number == 0 and not allow_zero):
        raise DomainError(
            ErrorCode.INVALID_QUANTITY, _("数量必须是正整数：%(value)s"), field=field, value=value
        )
    return int(number)

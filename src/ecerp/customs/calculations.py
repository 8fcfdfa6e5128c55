"""Import taxes of cross-border retail: the comprehensive tax and the postal-article tax (no database).

Two regimes (docs/customs.md, "Tax engine"; rules in CUSTOMS.md §2):

- comprehensive (跨境电商综合税, 9610 direct purchase and 1210 bonded): within the limits the tariff is
  0 and VAT and consumption tax are levied at 70 % of the statutory amounts; an over-limit single
  indivisible item pays the full goods rates.
- postal (行邮税, personal parcels): one tier rate covers all taxes; a total of 50 CNY or less is waived.

Computation rules, chosen so that every worked example of CUSTOMS.md comes out exactly:

- The dutiable value of the order is goods value + freight + insurance. Freight and insurance are
  apportioned over the lines pro rata to their values; every line but the last gets its share
  truncated to the quantum and the last line takes the remainder, so the line dutiable values sum
  exactly to the head's and no share changes sign.
- Statutory amounts are computed from unrounded intermediates (the composite price uses the exact
  consumption tax; the full-rate bases use the exact duty). Each payable tax is quantized once, per
  line, per tax type. Rounding the statutory VAT before applying the 70 % factor would give 131.77
  instead of the 131.76 of the 2018 cosmetics example; rounding or not the statutory consumption tax
  makes no difference in any example.
- The head amounts are the sums of the line amounts, and total = duty + VAT + consumption tax.

Rates are fractions (Decimal("0.13")); amounts are Decimal, never float.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from ecerp.core.errors import DomainError, ErrorCode

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
DEFAULT_FACTOR = Decimal("0.7")
DEFAULT_EXEMPTION = Decimal("50")

COMPREHENSIVE = "comprehensive"
POSTAL = "postal"
REGIMES = (COMPREHENSIVE, POSTAL)

# TaxResult.basis
WITHIN_LIMITS = "within_limits"
FULL_RATE = "full_rate"
POSTAL_TAXED = "postal"
POSTAL_EXEMPT = "postal_exempt"

# classify_comprehensive() results besides WITHIN_LIMITS and FULL_RATE
SINGLE_LIMIT_EXCEEDED = "single_limit_exceeded"
ANNUAL_QUOTA_EXCEEDED = "annual_quota_exceeded"

# classify_parcel() results
PARCEL_WITHIN_LIMIT = "within_limit"
PARCEL_SINGLE_ITEM = "single_item_exception"
PARCEL_OVER_LIMIT = "over_limit"

# Postal-article tax tiers (CUSTOMS.md §2(a)): (valid_from, valid_to, rates of tier 1, 2, ...), both
# dates inclusive, None for an open end. DEFAULT seed data: the database keeps the same rows as
# editable data and is what declarations use.
POSTAL_TIER_HISTORY: tuple[tuple[datetime.date | None, datetime.date | None, tuple[Decimal, ...]], ...] = (
    (None, datetime.date(2016, 4, 7), (Decimal("0.10"), Decimal("0.20"), Decimal("0.30"), Decimal("0.50"))),
    (datetime.date(2016, 4, 8), datetime.date(2018, 10, 31), (Decimal("0.15"), Decimal("0.30"), Decimal("0.60"))),
    # The step from 2018-11-01 is unconfirmed (CUSTOMS.md open point 1); keep it editable.
    (datetime.date(2018, 11, 1), datetime.date(2019, 4, 8), (Decimal("0.15"), Decimal("0.25"), Decimal("0.50"))),
    (datetime.date(2019, 4, 9), None, (Decimal("0.13"), Decimal("0.20"), Decimal("0.50"))),
)

# Comprehensive-tax limits (CUSTOMS.md §2(b)): (valid_from, valid_to, single transaction, annual).
COMPREHENSIVE_LIMIT_HISTORY: tuple[tuple[datetime.date, datetime.date | None, Decimal, Decimal], ...] = (
    (datetime.date(2016, 4, 8), datetime.date(2018, 12, 31), Decimal("2000"), Decimal("20000")),
    (datetime.date(2019, 1, 1), None, Decimal("5000"), Decimal("26000")),
)

# Origins with the 800 CNY parcel limit: Hong Kong, Macau, Taiwan as ISO alpha-2, alpha-3 and the
# customs 3-digit country codes.
HMT_REGIONS = frozenset({"HK", "MO", "TW", "HKG", "MAC", "TWN", "110", "121", "143"})

# consumption_tax_applies() rules and the content units it understands (unit -> size in ml or g).
CONSUMPTION_TAX_RULES = ("none", "always", "cosmetics_high_end", "watch_high_end")
MEASURED_UNITS = {
    "ml": ONE, "毫升": ONE, "g": ONE, "克": ONE,
    "l": Decimal(1000), "升": Decimal(1000), "kg": Decimal(1000), "千克": Decimal(1000), "公斤": Decimal(1000),
}
COUNTED_UNITS = frozenset({"piece", "pc", "pcs", "sheet", "片", "张", "个", "件", "支", "粒"})
HIGH_END_COSMETICS_PER_ML_OR_G = Decimal("10")
HIGH_END_COSMETICS_PER_PIECE = Decimal("15")
HIGH_END_WATCH_PER_PIECE = Decimal("10000")


@dataclass(frozen=True, slots=True)
class TaxableLine:
    """One order line as the tax sees it.

    value is the line's goods value (price x quantity after cash discounts); rates are fractions.
    postal_tax_rate is the tier rate of the postal-article tax (required by that regime only).
    """

    sku: str
    value: Decimal
    quantity: int
    tariff_rate: Decimal = ZERO
    vat_rate: Decimal = ZERO
    consumption_tax_rate: Decimal = ZERO
    postal_tax_rate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LineTax:
    """The taxes of one line. Postal-article tax is reported in customs_duty."""

    sku: str
    dutiable_value: Decimal
    customs_duty: Decimal
    vat: Decimal
    consumption_tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.customs_duty + self.vat + self.consumption_tax

    def as_dict(self) -> dict:
        """The line as JSON-ready data, amounts as decimal strings (the quote's line shape)."""
        return {
            "sku": self.sku,
            "dutiable_value": str(self.dutiable_value),
            "customs_duty": str(self.customs_duty),
            "vat": str(self.vat),
            "consumption_tax": str(self.consumption_tax),
        }


@dataclass(frozen=True, slots=True)
class TaxResult:
    """The taxes of one order: head amounts (sums of the lines) and the lines.

    regime is "comprehensive" or "postal"; basis is "within_limits", "full_rate", "postal" or
    "postal_exempt".
    """

    regime: str
    basis: str
    dutiable_value: Decimal
    customs_duty: Decimal
    vat: Decimal
    consumption_tax: Decimal
    total: Decimal
    lines: tuple[LineTax, ...]

    def as_dict(self) -> dict:
        """The result as JSON-ready data, amounts as decimal strings (the quote's "tax" shape)."""
        return {
            "regime": self.regime,
            "dutiable_value": str(self.dutiable_value),
            "customs_duty": str(self.customs_duty),
            "vat": str(self.vat),
            "consumption_tax": str(self.consumption_tax),
            "total": str(self.total),
            "lines": [line.as_dict() for line in self.lines],
        }


def apportion(values: Sequence[Decimal], amount: Decimal, *, quantum: Decimal = CENT) -> list[Decimal]:
    """Split amount over values pro rata; the parts sum exactly to amount.

    Every part but the last is truncated to the quantum and the last takes the remainder, so no part
    has the opposite sign of amount. With a zero total the whole amount goes to the last part.
    """
    count = len(values)
    if count == 0:
        return []
    if not amount:
        return [ZERO] * count
    total = sum(values, ZERO)
    if not total:
        return [ZERO] * (count - 1) + [amount]
    parts = [(amount * value / total).quantize(quantum, rounding=ROUND_DOWN) for value in values[:-1]]
    parts.append(amount - sum(parts, ZERO))
    return parts


def dutiable_values(
    lines: Sequence[TaxableLine],
    *,
    freight: Decimal = ZERO,
    insured_fee: Decimal = ZERO,
    discount: Decimal = ZERO,
    discount_reduces_base: bool = False,
    quantum: Decimal = CENT,
) -> list[Decimal]:
    """Return each line's dutiable value: its goods value plus its share of freight and insurance.

    The non-cash discount does not reduce the base unless discount_reduces_base (CUSTOMS.md §2(b),
    unconfirmed reading). Raises DomainError REQUIRED without lines, NEGATIVE_AMOUNT for a negative
    value, freight, insurance or discount.
    """
    if not lines:
        raise DomainError(ErrorCode.REQUIRED, _("计税至少需要一行商品"), field="lines")
    for name, amount in (("freight", freight), ("insured_fee", insured_fee), ("discount", discount)):
        if amount < 0:
            raise DomainError(ErrorCode.NEGATIVE_AMOUNT, _("金额 %(name)s 不能为负数"), field=name, name=name)
    values = []
    for line in lines:
        if line.value < 0:
            raise DomainError(
                ErrorCode.NEGATIVE_AMOUNT, _("商品 %(sku)s 的货值不能为负数"), field="value", sku=line.sku
            )
        values.append(line.value)
    extra = freight + insured_fee
    if discount_reduces_base:
        extra -= discount
    shares = apportion(values, extra, quantum=quantum)
    return [value + share for value, share in zip(values, shares, strict=True)]


def _check_rate(line: TaxableLine, name: str, rate: Decimal, *, below_one: bool = False) -> None:
    if rate < 0 or (below_one and rate >= 1):
        raise DomainError(
            ErrorCode.INVALID_VALUE,
            _("商品 %(sku)s 的税率 %(name)s 无效：%(rate)s"),
            field=name, sku=line.sku, name=name, rate=rate,
        )


def comprehensive_tax(
    lines: Sequence[TaxableLine],
    *,
    freight: Decimal = ZERO,
    insured_fee: Decimal = ZERO,
    full_rate: bool = False,
    factor: Decimal = DEFAULT_FACTOR,
    quantum: Decimal = CENT,
    rounding: str = ROUND_HALF_UP,
    discount: Decimal = ZERO,
    discount_reduces_base: bool = False,
) -> TaxResult:
    """Compute the cross-border comprehensive tax of an order.

    Within the limits (full_rate False): duty 0; CT_statutory = V/(1-c)*c; VAT_statutory =
    (V + CT_statutory)*v; each payable = factor x statutory. Full rate (the over-limit single
    indivisible item): duty = V*t; CT = (V+duty)/(1-c)*c; VAT = (V+duty+CT)*v; no factor.
    Intermediates stay unrounded; each tax is rounded once per line to the quantum; the head amounts
    are the sums of the lines. Raises DomainError for missing lines, negative amounts or a rate
    outside [0, 1).
    """
    values = dutiable_values(
        lines, freight=freight, insured_fee=insured_fee, discount=discount,
        discount_reduces_base=discount_reduces_base, quantum=quantum,
    )
    nothing = ZERO.quantize(quantum)
    results = []
    duty_sum = vat_sum = ct_sum = nothing
    for line, value in zip(lines, values, strict=True):
        tariff, vat_rate, ct_rate = line.tariff_rate, line.vat_rate, line.consumption_tax_rate
        _check_rate(line, "vat_rate", vat_rate)
        _check_rate(line, "consumption_tax_rate", ct_rate, below_one=True)
        if full_rate:
            _check_rate(line, "tariff_rate", tariff)
            duty_exact = value * tariff
            base = value + duty_exact
            ct_exact = base * ct_rate / (ONE - ct_rate) if ct_rate else ZERO
            vat_exact = (base + ct_exact) * vat_rate
            duty = duty_exact.quantize(quantum, rounding=rounding) if duty_exact else nothing
        else:
            ct_exact = value * ct_rate / (ONE - ct_rate) if ct_rate else ZERO
            vat_exact = (value + ct_exact) * vat_rate * factor
            ct_exact *= factor
            duty = nothing
        ct = ct_exact.quantize(quantum, rounding=rounding) if ct_exact else nothing
        vat = vat_exact.quantize(quantum, rounding=rounding) if vat_exact else nothing
        duty_sum += duty
        vat_sum += vat
        ct_sum += ct
        results.append(LineTax(line.sku, value, duty, vat, ct))
    return TaxResult(
        regime=COMPREHENSIVE,
        basis=FULL_RATE if full_rate else WITHIN_LIMITS,
        dutiable_value=sum(values, ZERO),
        customs_duty=duty_sum,
        vat=vat_sum,
        consumption_tax=ct_sum,
        total=duty_sum + vat_sum + ct_sum,
        lines=tuple(results),
    )


def postal_article_tax(
    lines: Sequence[TaxableLine],
    *,
    freight: Decimal = ZERO,
    insured_fee: Decimal = ZERO,
    exemption: Decimal = DEFAULT_EXEMPTION,
    quantum: Decimal = CENT,
    rounding: str = ROUND_HALF_UP,
) -> TaxResult:
    """Compute the postal-article tax (行邮税) of a parcel.

    Each line pays its dutiable value x its postal_tax_rate, rounded to the quantum; the tax is
    reported in customs_duty (VAT and consumption tax 0). When the total is at most the exemption
    (50 CNY, equal included) every amount is 0 and the basis is "postal_exempt". Raises DomainError
    REQUIRED naming the SKU when a line has no postal_tax_rate, INVALID_VALUE for a negative rate.
    """
    for line in lines:
        if line.postal_tax_rate is None:
            raise DomainError(
                ErrorCode.REQUIRED, _("商品 %(sku)s 未设置行邮税税率"), field="postal_tax_rate", sku=line.sku
            )
        _check_rate(line, "postal_tax_rate", line.postal_tax_rate)
    values = dutiable_values(lines, freight=freight, insured_fee=insured_fee, quantum=quantum)
    nothing = ZERO.quantize(quantum)
    amounts = [(value * line.postal_tax_rate).quantize(quantum, rounding=rounding) for line, value in zip(
        lines, values, strict=True)]
    total = sum(amounts, nothing)
    exempt = total <= exemption
    if exempt:
        amounts = [nothing] * len(amounts)
        total = nothing
    return TaxResult(
        regime=POSTAL,
        basis=POSTAL_EXEMPT if exempt else POSTAL_TAXED,
        dutiable_value=sum(values, ZERO),
        customs_duty=total,
        vat=nothing,
        consumption_tax=nothing,
        total=total,
        lines=tuple(
            LineTax(line.sku, value, amount, nothing, nothing)
            for line, value, amount in zip(lines, values, amounts, strict=True)
        ),
    )


def is_single_item(lines: Sequence[TaxableLine]) -> bool:
    """True when the order is one indivisible item: a single line of quantity 1."""
    return len(lines) == 1 and lines[0].quantity == 1


def classify_comprehensive(
    *,
    dutiable_value: Decimal,
    single_item: bool,
    annual_used: Decimal,
    single_limit: Decimal,
    annual_limit: Decimal,
) -> str:
    """Place an order against the comprehensive-tax limits (CUSTOMS.md §2(b), 2019 rules).

    Returns "within_limits"; "full_rate" for one indivisible item over the single limit (and below
    the annual limit) that still fits the annual quota; "annual_quota_exceeded" when used + this
    order exceeds the annual limit (customs -621018); "single_limit_exceeded" for several items over
    the single limit (-621005), which get no allowance. "Exceeds" means strictly greater.
    """
    over_annual = annual_used + dutiable_value > annual_limit
    if dutiable_value > single_limit:
        if not single_item or dutiable_value >= annual_limit:
            return SINGLE_LIMIT_EXCEEDED
        return ANNUAL_QUOTA_EXCEEDED if over_annual else FULL_RATE
    return ANNUAL_QUOTA_EXCEEDED if over_annual else WITHIN_LIMITS


def comprehensive_limits_for(
    on: datetime.date, table: Sequence[Sequence] = COMPREHENSIVE_LIMIT_HISTORY
) -> tuple[Decimal, Decimal]:
    """Return (single transaction limit, annual limit) valid on a date from dated rows.

    Rows are (valid_from, valid_to, single, annual), dates inclusive, None for an open end. Raises
    DomainError INVALID_VALUE when no row covers the date.
    """
    for valid_from, valid_to, single, annual in table:
        if (valid_from is None or valid_from <= on) and (valid_to is None or on <= valid_to):
            return single, annual
    raise DomainError(
        ErrorCode.INVALID_VALUE, _("%(date)s 没有有效的跨境电商交易限值"), field="date", date=on.isoformat()
    )


def postal_tax_rate_for(tier: int, on: datetime.date, table: Sequence[Sequence] = POSTAL_TIER_HISTORY) -> Decimal:
    """Return the postal-article tax rate of a tier (1, 2, ...) valid on a date.

    Rows are (valid_from, valid_to, rates), dates inclusive, None for an open end; rates is a
    sequence indexed by tier - 1 or a mapping keyed by tier. Raises DomainError INVALID_VALUE when no
    row covers the date or the row has no such tier.
    """
    for valid_from, valid_to, rates in table:
        if (valid_from is None or valid_from <= on) and (valid_to is None or on <= valid_to):
            if isinstance(rates, Mapping):
                rate = rates.get(tier)
            else:
                rate = rates[tier - 1] if 1 <= tier <= len(rates) else None
            if rate is not None:
                return rate
            break
    raise DomainError(
        ErrorCode.INVALID_VALUE,
        _("%(date)s 没有第 %(tier)s 档行邮税税率"),
        field="postal_tax_tier", tier=tier, date=on.isoformat(),
    )


def parcel_value_limit(
    *, origin_region: str, hmt_limit: Decimal = Decimal("800"), default_limit: Decimal = Decimal("1000")
) -> Decimal:
    """Return the parcel value limit: 800 from Hong Kong, Macau or Taiwan, else 1,000.

    origin_region is an ISO alpha-2 or alpha-3 code or a customs 3-digit code (110, 121, 143).
    """
    return hmt_limit if (origin_region or "").strip().upper() in HMT_REGIONS else default_limit


def classify_parcel(*, parcel_value: Decimal, single_item: bool, limit: Decimal) -> str:
    """Place a parcel against its value limit: "within_limit", "single_item_exception" or "over_limit".

    An over-limit parcel of one indivisible item may still clear as a personal article
    ("single_item_exception", customs confirms the personal use); otherwise it must be returned or
    declared as goods.
    """
    if parcel_value <= limit:
        return PARCEL_WITHIN_LIMIT
    return PARCEL_SINGLE_ITEM if single_item else PARCEL_OVER_LIMIT


def consumption_tax_applies(
    *, rule: str, unit_price: Decimal, net_content: Decimal | None, content_unit: str | None
) -> bool:
    """Tell whether the consumption tax applies to one unit of a product under its rule.

    Rules: "none"; "always"; "cosmetics_high_end" (>= 10 CNY per ml or g, or >= 15 CNY per piece or
    sheet; unit_price excludes VAT; net_content is the ml/g or the number of pieces in one unit, none
    for a single piece); "watch_high_end" (>= 10,000 CNY per piece). Units: ml, g, l, kg and their
    Chinese names; piece, sheet, 片, 张, 个, 件, 支, 粒. Raises DomainError INVALID_VALUE for an unknown
    rule or unit, REQUIRED when a measured unit lacks its content.
    """
    if rule == "none":
        return False
    if rule == "always":
        return True
    if rule == "watch_high_end":
        return unit_price >= HIGH_END_WATCH_PER_PIECE
    if rule != "cosmetics_high_end":
        raise DomainError(ErrorCode.INVALID_VALUE, _("未知的消费税规则：%(rule)s"), field="rule", rule=rule)
    unit = (content_unit or "").strip().lower()
    if not unit or unit in COUNTED_UNITS:
        pieces = net_content if net_content and net_content > 0 else ONE
        return unit_price / pieces >= HIGH_END_COSMETICS_PER_PIECE
    size = MEASURED_UNITS.get(unit)
    if size is None:
        raise DomainError(
            ErrorCode.INVALID_VALUE, _("未知的净含量单位：%(unit)s"), field="content_unit", unit=content_unit
        )
    if not net_content or net_content <= 0:
        raise DomainError(ErrorCode.REQUIRED, _("按毫升或克计的商品需要净含量"), field="net_content")
    return unit_price / (net_content * size) >= HIGH_END_COSMETICS_PER_ML_OR_G

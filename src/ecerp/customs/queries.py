"""Read-side helpers of the customs filings, reference data, channel profiles and settings.

Dated lookups (rate_on, limits_on, positive_list_line, reference codes) read small tables that the
declaration pre-checks consult for every order, so they are served from a per-process cache:

- the cache holds each table for REFERENCE_CACHE_SECONDS, so another process's edit is seen within that time;
- a save or delete of a reference row in this process (post_save/post_delete of the four models) empties the
  cache and bypasses it for REFERENCE_CACHE_SECONDS or until the writing transaction commits, whichever is
  first, so a rolled-back write (a test, a failed service) never leaves its rows behind in the cache;
- code that writes rows without model signals (bulk_create, update(), raw SQL) calls clear_reference_cache().
"""

from __future__ import annotations

import datetime
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Substr
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from ecerp.core.services import get_setting
from ecerp.customs.errors import CustomsError, CustomsInvalid
from ecerp.customs.models import (
    ConsumptionTaxRule,
    ContentUnit,
    CrossBorderLimit,
    CustomsChannel,
    PositiveListLine,
    ProductFiling,
    ReferenceCode,
    TaxRate,
    TaxRateKind,
    VatKind,
)
from ecerp.customs.states import FilingState

REFERENCE_CACHE_SECONDS = 60.0
SETTING_COP_CODE = "customs.cop_code"
SETTING_COP_NAME = "customs.cop_name"
SETTING_DXP_ID = "customs.dxp_id"

# High-end thresholds of the consumption tax (price per content unit, CNY): CUSTOMS.md §3.
HIGH_END_COSMETICS_PER_ML_OR_G = Decimal("10")
HIGH_END_COSMETICS_PER_PIECE = Decimal("15")
HIGH_END_WATCH_PER_PIECE = Decimal("10000")


# --- the reference cache -------------------------------------------------------------------------------

_cache: dict[str, tuple[float, object]] = {}
_lock = threading.Lock()
_bypass_until = 0.0


def clear_reference_cache() -> None:
    """Empty the per-process cache of reference tables and use it again (the next lookup reads the database).

    Call it once the database holds what lookups should see (after bulk writes, after a rolled-back test).
    """
    global _bypass_until
    with _lock:
        _bypass_until = 0.0
        _cache.clear()


def _reference_changed(**_kwargs) -> None:
    global _bypass_until
    with _lock:
        _cache.clear()
        _bypass_until = time.monotonic() + REFERENCE_CACHE_SECONDS
    transaction.on_commit(clear_reference_cache)


for _model in (ReferenceCode, PositiveListLine, TaxRate, CrossBorderLimit):
    post_save.connect(_reference_changed, sender=_model, dispatch_uid=f"customs-cache-{_model.__name__}-save")
    post_delete.connect(_reference_changed, sender=_model, dispatch_uid=f"customs-cache-{_model.__name__}-delete")


def _cached(name: str, load):
    now = time.monotonic()
    if now < _bypass_until:
        return load()
    hit = _cache.get(name)
    if hit is not None and now - hit[0] < REFERENCE_CACHE_SECONDS:
        return hit[1]
    value = load()
    with _lock:
        if time.monotonic() >= _bypass_until:
            _cache[name] = (now, value)
    return value


def _valid(start, end, on_date) -> bool:
    return (start is None or start <= on_date) and (end is None or on_date <= end)


def _rates() -> dict[str, list[tuple]]:
    table: dict[str, list[tuple]] = {}
    for kind, start, end, rate in TaxRate.objects.order_by("kind", "valid_from").values_list(
            "kind", "valid_from", "valid_to", "rate"):
        table.setdefault(kind, []).append((start, end, rate))
    return table


@dataclass(frozen=True)
class Limits:
    """The cross-border limits valid on a date."""

    single_limit: Decimal
    annual_limit: Decimal
    valid_from: datetime.date
    valid_to: datetime.date | None


@dataclass(frozen=True)
class PositiveLine:
    """A positive-list line valid on the date asked for."""

    hs_code8: str
    description: str
    note: str
    batch: str
    valid_from: datetime.date
    valid_to: datetime.date | None


def _limits() -> list[Limits]:
    return [Limits(*row) for row in CrossBorderLimit.objects.order_by("valid_from").values_list(
        "single_limit", "annual_limit", "valid_from", "valid_to")]


def _positive_list() -> dict[str, list[PositiveLine]]:
    table: dict[str, list[PositiveLine]] = {}
    for row in PositiveListLine.objects.order_by("hs_code8", "valid_from").values_list(
            "hs_code8", "description", "note", "batch", "valid_from", "valid_to"):
        table.setdefault(row[0], []).append(PositiveLine(*row))
    return table


def _codes() -> dict[str, dict[str, tuple]]:
    table: dict[str, dict[str, tuple]] = {}
    for kind, code, name, alias, start, end, active in ReferenceCode.objects.values_list(
            "kind", "code", "name_zh", "alias", "valid_from", "valid_to", "active"):
        table.setdefault(kind, {})[code] = (name, alias, start, end, active)
    return table


# --- dated lookups -------------------------------------------------------------------------------------

def rate_on(kind: str, on_date: datetime.date) -> Decimal:
    """Return the rate (a fraction) of kind valid on on_date.

    Raises CustomsInvalid RATE_NOT_FOUND naming the kind and the date when no row covers it.
    """
    for start, end, rate in _cached("rates", _rates).get(str(kind), ()):
        if _valid(start, end, on_date):
            return rate
    raise CustomsInvalid(CustomsError.RATE_NOT_FOUND, _("没有 %(date)s 有效的税率「%(kind)s」"), field="kind",
                         kind=str(TaxRateKind(kind).label) if kind in TaxRateKind.values else kind,
                         date=on_date.isoformat())


def limits_on(on_date: datetime.date) -> Limits:
    """Return the single-transaction and annual limits valid on on_date (LIMIT_NOT_FOUND when none)."""
    for limits in _cached("limits", _limits):
        if _valid(limits.valid_from, limits.valid_to, on_date):
            return limits
    raise CustomsInvalid(CustomsError.LIMIT_NOT_FOUND, _("没有 %(date)s 有效的跨境电商限值"), field="date",
                         date=on_date.isoformat())


def positive_list_line(hs_code: str, on_date: datetime.date) -> PositiveLine | None:
    """Return the positive-list line of the first 8 digits of hs_code valid on on_date, or None."""
    for line in _cached("positive_list", _positive_list).get((hs_code or "")[:8], ()):
        if _valid(line.valid_from, line.valid_to, on_date):
            return line
    return None


def positive_codes_on(on_date: datetime.date) -> set[str]:
    """Return the 8-digit lines on the positive list on on_date."""
    return {code for code, lines in _cached("positive_list", _positive_list).items()
            if any(_valid(line.valid_from, line.valid_to, on_date) for line in lines)}


def reference_name(kind: str, code: str) -> str:
    """Return the Chinese name of a reference code, or "" when the code is unknown."""
    entry = _cached("codes", _codes).get(str(kind), {}).get(code)
    return entry[0] if entry else ""


def is_reference_code(kind: str, code: str, on_date: datetime.date | None = None) -> bool:
    """True when code is an active code of kind (valid on on_date when given)."""
    entry = _cached("codes", _codes).get(str(kind), {}).get(code)
    if entry is None or not entry[4]:
        return False
    return on_date is None or _valid(entry[2], entry[3], on_date)


def reference_choices(kind: str) -> list[tuple[str, str]]:
    """Return [(code, "code name")] of the active codes of kind, for select boxes."""
    codes = _cached("codes", _codes).get(str(kind), {})
    return [(code, f"{code} {entry[0]}") for code, entry in sorted(codes.items()) if entry[4]]


def customs_country(iso_code: str) -> str:
    """Return the customs 3-digit country code of an ISO 3166 alpha-2 code (JP -> 116), or ""."""
    iso = (iso_code or "").strip().upper()
    for code, entry in _cached("codes", _codes).get("country", {}).items():
        if entry[1] == iso:
            return code
    return ""


# --- tax attributes of a filing on a date --------------------------------------------------------------

def vat_rate_of(filing: ProductFiling, on_date: datetime.date) -> Decimal:
    """Return the import VAT rate of the filing's goods on on_date (standard or reduced band)."""
    kind = TaxRateKind.VAT_REDUCED if filing.vat_kind == VatKind.REDUCED else TaxRateKind.VAT_STANDARD
    return rate_on(kind, on_date)


def postal_rate_of(filing: ProductFiling, on_date: datetime.date) -> Decimal:
    """Return the postal-article tax rate of the filing's tier on on_date."""
    return rate_on(f"postal_tier_{filing.postal_tier}", on_date)


def consumption_rate_of(filing: ProductFiling, on_date: datetime.date, unit_price: Decimal) -> Decimal:
    """Return the consumption tax rate that applies to one unit sold at unit_price on on_date.

    "always" uses the filing's own rate; the high-end rules apply the dated rate only at or above the
    threshold (cosmetics: 10 CNY per ml or g, 15 CNY per piece; watches: 10,000 CNY per piece), else 0.
    A high-end rule without a net content compares the unit price itself.
    """
    rule = filing.consumption_tax_rule
    if rule == ConsumptionTaxRule.NONE:
        return Decimal(0)
    if rule == ConsumptionTaxRule.ALWAYS:
        return filing.consumption_tax_rate
    per_unit = unit_price / filing.net_content if filing.net_content else unit_price
    if rule == ConsumptionTaxRule.COSMETICS_HIGH_END:
        threshold = (HIGH_END_COSMETICS_PER_PIECE if filing.content_unit in ("", ContentUnit.PIECE)
                     else HIGH_END_COSMETICS_PER_ML_OR_G)
        kind = TaxRateKind.CONSUMPTION_COSMETICS
    else:
        threshold, kind = HIGH_END_WATCH_PER_PIECE, TaxRateKind.CONSUMPTION_WATCH
    return rate_on(kind, on_date) if per_unit >= threshold else Decimal(0)


# --- filings --------------------------------------------------------------------------------------------

def filings_by_product(product_ids) -> dict[int, ProductFiling]:
    """Return {product id: filing} of the given products (one query)."""
    return {filing.product_id: filing for filing in ProductFiling.objects.filter(product_id__in=list(product_ids))}


def _problem(filing: ProductFiling | None, product_code: str, on_date: datetime.date) -> tuple[str, str] | None:
    if filing is None:
        return CustomsError.PRODUCT_NOT_FILED.value, _("商品「%(sku)s」没有商品备案") % {"sku": product_code}
    if filing.state != FilingState.APPROVED:
        return CustomsError.PRODUCT_NOT_FILED.value, _("商品「%(sku)s」的备案未通过（当前：%(state)s）") % {
            "sku": product_code, "state": filing.get_state_display()}
    if positive_list_line(filing.hs_code, on_date) is None:
        return CustomsError.NOT_ON_POSITIVE_LIST.value, _(
            "商品「%(sku)s」的税号 %(hs)s 不在 %(date)s 有效的跨境电商零售进口正面清单内") % {
            "sku": product_code, "hs": filing.hs_code[:8], "date": on_date.isoformat()}
    return None


def problem_of_filing(filing: ProductFiling | None, product_code: str,
                      on_date: datetime.date) -> tuple[str, str] | None:
    """filing_problem() of a product whose filing (or None) is loaded already: no query (the positive list is
    read from the per-process cache)."""
    return _problem(filing, product_code, on_date)


def filing_problem(product, on_date: datetime.date) -> tuple[str, str] | None:
    """Return (code, message) when product may not be declared on on_date, else None.

    PRODUCT_NOT_FILED: no filing, or the filing is not approved; NOT_ON_POSITIVE_LIST: the filing's 8-digit
    line is not on the positive list valid on on_date. product is a Product (its filing is read once).
    """
    filing = ProductFiling.objects.filter(product_id=product.pk).first()
    return _problem(filing, product.code, on_date)


def filing_problems(products, on_date: datetime.date) -> dict[int, tuple[str, str]]:
    """filing_problem() for many products with one query: {product id: (code, message)} of those with one."""
    products = list(products)
    filings = filings_by_product(product.pk for product in products)
    problems = {}
    for product in products:
        problem = _problem(filings.get(product.pk), product.code, on_date)
        if problem is not None:
            problems[product.pk] = problem
    return problems


def list_filings(*, state: str = "", hs_code: str = "", positive: str = "", search: str = "",
                 on_date: datetime.date | None = None):
    """Return the filings for the list page and API, filtered.

    positive is "yes" (8-digit line on the positive list on on_date, default today), "no", or "" (all).
    """
    rows = ProductFiling.objects.select_related("product").order_by("product__code")
    if state:
        rows = rows.filter(state=state)
    if hs_code:
        rows = rows.filter(hs_code__startswith=hs_code.strip())
    if search:
        rows = rows.filter(Q(product__code__icontains=search) | Q(gname__icontains=search)
                           | Q(product__name__icontains=search))
    if positive in ("yes", "no"):
        codes = positive_codes_on(on_date or datetime.date.today())
        rows = rows.annotate(hs8=Substr("hs_code", 1, 8))
        rows = rows.filter(hs8__in=codes) if positive == "yes" else rows.exclude(hs8__in=codes)
    return rows


# --- channels and settings -----------------------------------------------------------------------------

def get_channel(store) -> CustomsChannel | None:
    """Return the customs channel profile of a store, with its partners, or None."""
    return (CustomsChannel.objects.select_related(
        "store", "platform", "ecommerce_company", "logistics", "payment", "agent", "guarantor", "area")
        .filter(store_id=store.pk).first())


def customs_code_of(partner, *, field: str = "", required: bool = True) -> str:
    """Return the partner's customs code: the 10-character registration code, else its USCC.

    Raises CustomsInvalid PARTNER_CODE_MISSING naming the partner when it has neither (unless not required,
    then returns "").
    """
    code = (partner.customs_code or "").strip() or (partner.social_credit_code or "").strip()
    if not code and required:
        raise CustomsInvalid(CustomsError.PARTNER_CODE_MISSING,
                             _("「%(partner)s」没有海关注册编码或统一社会信用代码") % {"partner": partner.name},
                             field=field or None)
    return code


@dataclass(frozen=True)
class CustomsSettings:
    """The transmitting enterprise (copCode, copName) and its DXP id (BaseTransfer)."""

    cop_code: str
    cop_name: str
    dxp_id: str


def get_customs_settings() -> CustomsSettings:
    """Return the transmitting enterprise and DXP id from the core settings ("" where never set)."""
    return CustomsSettings(get_setting(SETTING_COP_CODE), get_setting(SETTING_COP_NAME), get_setting(SETTING_DXP_ID))

"""What the pre-checks need from the database: rates on the declaration date, filing problems, the buyer's
used annual quota, earlier use of a waybill number, and the facts of a stored declaration.

Read-only helpers shared by the declaration services and the quote; nothing here writes.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db.models import DecimalField, ExpressionWrapper, F

from ecerp.core.services import get_setting
from ecerp.customs import calculations, prechecks
from ecerp.customs.prechecks import DeclarationFacts, LineFacts
from ecerp.customs.states import DECLARATION_COUNTED

ZERO = Decimal(0)
WAYBILL_REUSE_DAYS = 183  # "within 6 months" (CUSTOMS.md §1.5): half a year, counted generously
TAX_TOLERANCE_KEY = "customs.tax_tolerance"


def tax_tolerance() -> Decimal:
    """How far the order's withheld tax may differ from the computed tax (setting customs.tax_tolerance, CNY)."""
    try:
        return Decimal(get_setting(TAX_TOLERANCE_KEY, str(prechecks.DEFAULT_TAX_TOLERANCE)))
    except InvalidOperation:
        return prechecks.DEFAULT_TAX_TOLERANCE


def _rate(kind: str, on: datetime.date) -> Decimal | None:
    from ecerp.customs.queries import rate_on

    try:
        value = rate_on(kind, on)
    except Exception:  # noqa: BLE001 - a missing dated row: the rate is unknown, the line stays untaxed
        return None
    if value is None:
        return None
    return getattr(value, "rate", value)


def limits(on: datetime.date) -> tuple[Decimal, Decimal]:
    """(single, annual) cross-border limits valid on a date (the database rows, else the shipped history)."""
    from ecerp.customs.queries import limits_on

    try:
        row = limits_on(on)
    except Exception:  # noqa: BLE001 - no row: fall back to the shipped history
        row = None
    if row is None:
        return calculations.comprehensive_limits_for(on)
    if isinstance(row, tuple):
        return row[0], row[1]
    return row.single_limit, row.annual_limit


def vat_rate(vat_kind: str, on: datetime.date) -> Decimal:
    return _rate(f"vat_{vat_kind or 'standard'}", on) or ZERO


def postal_rate(tier: int, on: datetime.date) -> Decimal | None:
    rate = _rate(f"postal_tier_{tier}", on)
    if rate is None:
        try:
            rate = calculations.postal_tax_rate_for(tier, on)
        except Exception:  # noqa: BLE001 - no tier on that date: left to the pre-checks (tax unknown)
            return None
    return rate


def filing_rates(filing, *, unit_price: Decimal, on: datetime.date) -> dict:
    """Tariff, VAT, consumption and postal rates of a filed product on a date (the dated rate rows)."""
    from ecerp.customs.queries import consumption_rate_of, vat_rate_of

    return {
        "tariff_rate": filing.tariff_rate,
        "vat_rate": vat_rate_of(filing, on),
        "consumption_tax_rate": consumption_rate_of(filing, on, unit_price),
        "postal_tax_rate": postal_rate(filing.postal_tier, on),
    }


def filing_of(product):
    """The product's filing or None."""
    if product is None:
        return None
    try:
        return product.customs_filing
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist: no filing
        return None


def filing_problem(product, on: datetime.date, filing) -> tuple[str, str] | None:
    """(PRODUCT_NOT_FILED | NOT_ON_POSITIVE_LIST, detail) or None (part 5's rule) for a product whose filing
    (or None) is loaded already: no query."""
    if product is None:
        return (prechecks.FindingCode.PRODUCT_NOT_FILED, "")
    from ecerp.customs.queries import problem_of_filing

    problem = problem_of_filing(filing, product.code, on)
    if problem is None:
        return None
    return (str(problem[0]), str(problem[1]))


class FactsLookups:
    """The pre-checks' database look-ups for a set of declarations, made once for the set: the buyer's used
    annual quota (released lists' dutiable value minus returns in the calendar year, keyed by the keyed hash
    of the ID number: no ID is decrypted) and the earlier use of a waybill number by the same logistics
    company within 6 months (cancelled declarations do not count).

    Two queries in all (instead of two per declaration): the released lists of the set's buyers in the set's
    declaration years (the used annual quota, keyed by the buyer ID's keyed hash), and the declarations
    that use the set's waybill numbers (reuse within 6 months); plus the tax tolerance setting, read once.
    Taken after the set's declarations are written, so that two new declarations with one waybill number
    see each other, as declaring them one by one would.
    """

    def __init__(self, declarations):
        from ecerp.customs.models import Declaration

        declarations = list(declarations)
        self.tolerance = tax_tolerance()
        hashes = {declaration.buyer_id_hash for declaration in declarations if declaration.buyer_id_hash}
        years = {declaration.decl_date.year for declaration in declarations}
        money = DecimalField(max_digits=16, decimal_places=2)
        self._used: dict[tuple[str, int], list[tuple[int, Decimal]]] = {}
        if hashes:
            rows = (Declaration.objects.filter(buyer_id_hash__in=hashes, decl_date__year__in=years,
                                               status__in=DECLARATION_COUNTED)
                    .annotate(used=ExpressionWrapper(F("dutiable_value") - F("returned_value"), output_field=money))
                    .values_list("pk", "buyer_id_hash", "decl_date", "used"))
            for pk, buyer, day, used in rows:
                self._used.setdefault((buyer, day.year), []).append((pk, Decimal(used or 0)))
        numbers = {declaration.logistics_no for declaration in declarations if declaration.logistics_no}
        self._waybills: dict[tuple[str, str], list[tuple[int, datetime.date, str]]] = {}
        if numbers:
            rows = (Declaration.objects.filter(logistics_no__in=numbers).exclude(status="cancelled")
                    .order_by(*Declaration._meta.ordering)
                    .values_list("pk", "logistics_code", "logistics_no", "decl_date", "cop_no"))
            for pk, code, number, day, cop_no in rows:
                self._waybills.setdefault((code, number), []).append((pk, day, cop_no))

    @classmethod
    def none(cls) -> FactsLookups:
        """Look-ups that know no history (no query): for the tax alone, which needs none."""
        lookups = cls.__new__(cls)
        lookups.tolerance, lookups._used, lookups._waybills = prechecks.DEFAULT_TAX_TOLERANCE, {}, {}
        return lookups

    def annual_used(self, declaration) -> Decimal:
        """The buyer's used annual quota in the declaration's year (its own amount left out)."""
        rows = self._used.get((declaration.buyer_id_hash, declaration.decl_date.year), ())
        total = sum((used for pk, used in rows if pk != declaration.pk), ZERO)
        return Decimal(total).quantize(Decimal("0.01"))

    def waybill_reused_by(self, declaration) -> str:
        """The number of another declaration using the same waybill within 6 months, or ""."""
        window = datetime.timedelta(days=WAYBILL_REUSE_DAYS)
        on = declaration.decl_date
        for pk, day, cop_no in self._waybills.get((declaration.logistics_code, declaration.logistics_no), ()):
            if pk != declaration.pk and on - window <= day <= on + window:
                return cop_no
        return ""


# (field, max length) of the declaration's message fields (CUSTOMS.md §1.3-§1.6)
LENGTHS = (
    ("order_no", 60), ("buyer_reg_no", 60), ("buyer_name", 60), ("buyer_phone", 30), ("buyer_id_number", 60),
    ("payer_name", 60), ("payer_id_number", 60), ("pay_transaction_id", 60), ("consignee_name", 100),
    ("consignee_phone", 50), ("consignee_address", 200), ("waybill_consignee_name", 100),
    ("waybill_consignee_phone", 50), ("waybill_consignee_address", 200), ("logistics_no", 60),
)
REQUIRED = ("order_no", "ebp_code", "ebc_code", "buyer_phone", "pay_code", "pay_transaction_id", "logistics_code",
            "logistics_no", "consignee_name", "consignee_phone", "consignee_address", "customs_code", "port_code",
            "agent_code", "assure_code")


def declaration_facts(declaration, lines=None, *, lookups: FactsLookups | None = None,
                      order_lines: dict[int, int] | None = None) -> DeclarationFacts:
    """The facts of a declaration: its lines (loaded with their products and filings: no query per line),
    the look-ups (FactsLookups of a batch, else made for this declaration alone) and the order's lines
    ({line no: quantity}; default: read from the sales order)."""
    on = declaration.decl_date
    lines = list(declaration.lines.select_related("product__customs_filing")) if lines is None else lines
    if order_lines is None:
        order_lines = {line.line_no: line.quantity for line in declaration.order.lines.all()}
    lookups = lookups or FactsLookups([declaration])
    line_facts = []
    for index, line in enumerate(lines):
        filing = filing_of(line.product)
        rates = filing_rates(filing, unit_price=line.price, on=on) if filing is not None else {}
        line_facts.append(LineFacts(
            gnum=line.gnum, sku=line.item_no, quantity=line.qty, price=line.price, total_price=line.total_price,
            hs_code=line.gcode, gname=line.gname, origin_country=line.country,
            filing_problem=filing_problem(line.product, on, filing),
            order_quantity=order_lines.get(index + 1), **rates))
    single, annual = limits(on)
    values = {name: getattr(declaration, name) for name in REQUIRED + tuple(name for name, _ in LENGTHS)}
    return DeclarationFacts(
        regime=declaration.regime, decl_date=on, lines=tuple(line_facts),
        goods_value=declaration.goods_value, freight=declaration.freight, insured_fee=declaration.insured_fee,
        discount=declaration.discount, tax_total=declaration.tax_total, actural_paid=declaration.actural_paid,
        amount_paid=declaration.amount_paid, currency=declaration.currency,
        buyer_name=declaration.buyer_name, buyer_id_number=declaration.buyer_id_number,
        buyer_phone=declaration.buyer_phone, payer_name=declaration.payer_name,
        payer_id_number=declaration.payer_id_number, consignee_name=declaration.consignee_name,
        consignee_phone=declaration.consignee_phone, consignee_address=declaration.consignee_address,
        waybill_consignee_name=declaration.waybill_consignee_name,
        waybill_consignee_phone=declaration.waybill_consignee_phone,
        waybill_consignee_address=declaration.waybill_consignee_address, pack_no=declaration.pack_no,
        logistics_code=declaration.logistics_code, logistics_no=declaration.logistics_no,
        waybill_reused_by=lookups.waybill_reused_by(declaration), annual_used=lookups.annual_used(declaration),
        single_limit=single, annual_limit=annual, origin_region=declaration.country,
        order_line_count=len(order_lines),
        lengths=tuple((name, str(values[name] or ""), limit) for name, limit in LENGTHS),
        required=tuple((name, str(values[name] or "")) for name in REQUIRED),
    )

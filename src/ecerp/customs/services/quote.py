"""The customs quote of one order, saving nothing: the pre-check findings and the tax a declaration would get.

Input (JSON object; docs/customs.md "Quote" documents it with an example): the normalised order schema
(store, platform_order_no, consignee_name/phone, province, city, district, address, freight, discount,
lines [{sku_code, title, quantity, unit_price, discount}]) plus the customs keys: buyer_name,
buyer_id_number, buyer_phone, payer_name, payer_id_number (default: the buyer), insured_fee, tax_total,
actural_paid, amount_paid, regime (default: the store's channel), decl_date (default: today), annual_used
(default: from the database), waybill_consignee_name/phone/address, pack_no, currency, origin_region,
logistics_code, logistics_no. A line names a filed SKU (sku_code, alias sku) or carries filing attributes
inline for a what-if: hs_code, tariff_rate, vat_rate, consumption_tax_rate, postal_tax_rate, origin_country.

Output: {"findings": [{"code", "field", "message"}], "tax": {"regime", "dutiable_value", "customs_duty",
"vat", "consumption_tax", "total", "lines": [{"sku", "dutiable_value", "customs_duty", "vat",
"consumption_tax"}]}} with amounts as decimal strings ("tax" is null when no tax could be computed).
Bad input raises one DomainError (QUOTE_INVALID) listing every bad field.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import gettext as _

from ecerp.core.crypto import lookup_hash
from ecerp.core.errors import ErrorDetail
from ecerp.customs import prechecks
from ecerp.customs.errors import CustomsError, CustomsInvalid
from ecerp.customs.identity import check_resident_id
from ecerp.customs.prechecks import DeclarationFacts, FindingCode, LineFacts
from ecerp.customs.services import declaration_facts as lookups

ZERO = Decimal(0)
REGIMES = ("comprehensive", "postal")
INLINE_KEYS = ("hs_code", "tariff_rate", "vat_rate", "consumption_tax_rate", "postal_tax_rate", "origin_country")
TOP_KEYS = frozenset({
    "store", "platform_order_no", "buyer_nick", "consignee_name", "consignee_phone", "province", "city", "district",
    "address", "freight", "discount", "paid_amount", "order_time", "payment_time", "lines", "buyer_name",
    "buyer_id_number", "buyer_phone", "payer_name", "payer_id_number", "insured_fee", "tax_total", "actural_paid",
    "amount_paid", "regime", "decl_date", "annual_used", "waybill_consignee_name", "waybill_consignee_phone",
    "waybill_consignee_address", "pack_no", "currency", "origin_region", "logistics_code", "logistics_no",
    "buyer_remark", "seller_memo", "platform_status", "refund_status", "platform_updated_at",
})
LINE_KEYS = frozenset({"sku_code", "sku", "title", "quantity", "unit_price", "price", "discount", *INLINE_KEYS})


MAX_AMOUNT = Decimal("1e12")  # far above any parcel; keeps the tax arithmetic inside the decimal context
MAX_QUANTITY = 10**9


class _Problems:
    def __init__(self):
        self.details: list[ErrorDetail] = []

    def add(self, field: str, message: str) -> None:
        self.details.append(ErrorDetail(code=CustomsError.QUOTE_INVALID, message=message, field=field))

    def amount(self, data: Mapping, key: str, field: str, default: Decimal | None = ZERO, *,
               fraction: bool = False) -> Decimal | None:
        value = data.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool) or isinstance(value, float):
            self.add(field, _("%(field)s 必须是十进制字符串或整数（不要用浮点数）") % {"field": field})
            return default
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            amount = None
        if amount is not None and amount.is_finite() and amount > MAX_AMOUNT:
            # 1e309 is a finite Decimal whose tax overflows the arithmetic context (it was a server error)
            self.add(field, _("%(field)s 超出允许范围") % {"field": field})
            return default
        if amount is None or not amount.is_finite() or amount < 0 or (fraction and amount >= 1):
            self.add(field, (_("%(field)s 必须是 0 到 1 之间的小数") if fraction else _("%(field)s 不是有效的金额"))
                     % {"field": field})
            return default
        return amount

    def text(self, data: Mapping, key: str, prefix: str = "") -> str:
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str | int):
            field = f"{prefix}.{key}" if prefix else key
            self.add(field, _("%(field)s 必须是文本") % {"field": field})
            return ""
        return str(value).strip()


def _find_product(sku: str, store):
    from ecerp.masterdata.models import Product

    product = Product.objects.filter(code=sku).select_related("customs_filing").first()
    if product is None and store is not None:
        from ecerp.sales.models import StoreSkuMapping

        mapping = (StoreSkuMapping.objects.filter(sku_code=sku, store=store).select_related("product").first()
                   or StoreSkuMapping.objects.filter(sku_code=sku, store__isnull=True).select_related("product")
                   .first())
        product = mapping.product if mapping else None
    return product


def _store(code: str, problems: _Problems):
    from ecerp.masterdata.models import Store

    if not code:
        return None
    store = Store.objects.filter(code=code).first()
    if store is None:
        problems.add("store", _("店铺「%(code)s」不存在") % {"code": code})
    return store


def _line(raw, index: int, *, on: datetime.date, store, problems: _Problems) -> LineFacts | None:
    field = f"lines.{index}"
    if not isinstance(raw, Mapping):
        problems.add(field, _("%(field)s 必须是对象") % {"field": field})
        return None
    for key in sorted(set(raw) - LINE_KEYS):
        problems.add(f"{field}.{key}", _("未知字段 %(field)s") % {"field": f"{field}.{key}"})
    sku = problems.text(raw, "sku_code", field) or problems.text(raw, "sku", field)
    if not sku:
        problems.add(f"{field}.sku_code", _("%(field)s 不能为空") % {"field": f"{field}.sku_code"})
    quantity = raw.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int | str) or not str(quantity).strip().isdigit() \
            or not 0 < int(str(quantity).strip()) <= MAX_QUANTITY:
        problems.add(f"{field}.quantity", _("%(field)s 必须是正整数") % {"field": f"{field}.quantity"})
        quantity = 0
    quantity = int(str(quantity).strip()) if quantity else 0
    price_key = "unit_price" if "unit_price" in raw else "price"
    price = problems.amount(raw, price_key, f"{field}.{price_key}", None)
    if price is None and not any(item.field == f"{field}.{price_key}" for item in problems.details):
        problems.add(f"{field}.unit_price", _("%(field)s 不能为空") % {"field": f"{field}.unit_price"})
    discount = problems.amount(raw, "discount", f"{field}.discount")
    rates = {key: problems.amount(raw, key, f"{field}.{key}", None, fraction=True)
             for key in ("tariff_rate", "vat_rate", "consumption_tax_rate", "postal_tax_rate")}
    # written as on a filing: 3304.99.0099, with spaces or full-width digits
    hs_code = unicodedata.normalize("NFKC", problems.text(raw, "hs_code", field)).replace(".", "").replace(" ", "")
    if hs_code and (len(hs_code) != 10 or not hs_code.isdigit()):
        problems.add(f"{field}.hs_code", _("%(field)s 必须是 10 位数字") % {"field": f"{field}.hs_code"})
    origin = problems.text(raw, "origin_country", field)
    if price is None or not quantity or not sku:
        return None
    total = (price * quantity - (discount or ZERO)).quantize(Decimal("0.01"))
    what_if = any(raw.get(key) not in (None, "") for key in INLINE_KEYS)
    product = _find_product(sku, store)
    filing = lookups.filing_of(product)
    values = {"tariff_rate": ZERO, "vat_rate": lookups.vat_rate("standard", on), "consumption_tax_rate": ZERO,
              "postal_tax_rate": lookups.postal_rate(2, on) if not what_if else None}
    problem = None
    if filing is not None:
        values.update(lookups.filing_rates(filing, unit_price=price, on=on))
        hs_code = hs_code or filing.hs_code
        origin = origin or filing.origin_country
    if what_if:
        values.update({key: rate for key, rate in rates.items() if rate is not None})
        if hs_code:
            from ecerp.customs.queries import positive_list_line

            if positive_list_line(hs_code[:8], on) is None:
                problem = (FindingCode.NOT_ON_POSITIVE_LIST, "")
    else:
        problem = lookups.filing_problem(product, on, filing)
    return LineFacts(gnum=index, sku=sku, quantity=quantity, price=price, total_price=total, hs_code=hs_code,
                     gname=problems.text(raw, "title", field), origin_country=origin, filing_problem=problem, **values)


def build_facts(data: Mapping) -> DeclarationFacts:
    """Check the quote input and turn it into the pre-checks' facts (database lookups, no writes)."""
    problems = _Problems()
    if not isinstance(data, Mapping):
        raise CustomsInvalid(CustomsError.QUOTE_INVALID, _("输入必须是 JSON 对象"), field="")
    for key in sorted(set(data) - TOP_KEYS):
        problems.add(key, _("未知字段 %(field)s") % {"field": key})
    store = _store(problems.text(data, "store"), problems)
    channel = getattr(store, "customs_channel", None) if store is not None else None
    regime = problems.text(data, "regime") or (channel.regime if channel is not None else "")
    if regime not in REGIMES:
        problems.add("regime", _("regime 必须是 comprehensive 或 postal（或给出有关务通道的店铺）"))
    on = timezone.localdate()
    if data.get("decl_date"):
        try:
            on = datetime.date.fromisoformat(str(data["decl_date"]))
        except ValueError:
            problems.add("decl_date", _("decl_date 不是有效的日期（YYYY-MM-DD）"))
    raw_lines = data.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        problems.add("lines", _("lines 必须是非空数组"))
        raw_lines = []
    lines = [_line(raw, index, on=on, store=store, problems=problems) for index, raw in enumerate(raw_lines, 1)]
    freight = problems.amount(data, "freight", "freight")
    insured_fee = problems.amount(data, "insured_fee", "insured_fee")
    discount = problems.amount(data, "discount", "discount")
    annual_used = problems.amount(data, "annual_used", "annual_used", None)
    pack_no = data.get("pack_no", 1)
    if isinstance(pack_no, bool) or not isinstance(pack_no, int):
        problems.add("pack_no", _("pack_no 必须是整数"))
        pack_no = 1
    tax_total = problems.amount(data, "tax_total", "tax_total", None)
    actural_paid = problems.amount(data, "actural_paid", "actural_paid", None)
    amount_paid = problems.amount(data, "amount_paid", "amount_paid", None)
    if problems.details:
        raise CustomsInvalid.many(problems.details)
    lines = tuple(line for line in lines if line is not None)
    if regime == "postal":
        for line in lines:
            if line.postal_tax_rate is None:
                problems.add(f"lines.{line.gnum}.postal_tax_rate",
                             _("行邮税税制下 %(field)s 不能为空") % {"field": f"lines.{line.gnum}.postal_tax_rate"})
        if problems.details:
            raise CustomsInvalid.many(problems.details)
    goods_value = sum((line.total_price for line in lines), ZERO)
    # normalised as the declarations store it, so the keyed hash finds the buyer's annual quota
    buyer_id = check_resident_id(problems.text(data, "buyer_id_number")).number
    single, annual = lookups.limits(on)
    address = "".join(problems.text(data, key) for key in ("province", "city", "district", "address"))
    consignee = (problems.text(data, "consignee_name"), problems.text(data, "consignee_phone"), address)
    buyer_name = problems.text(data, "buyer_name")
    origin_region = problems.text(data, "origin_region") or (lines[0].origin_country if lines else "")
    logistics_code = problems.text(data, "logistics_code") or (
        (channel.logistics.customs_code or channel.logistics.social_credit_code or "") if channel else "")
    logistics_no = problems.text(data, "logistics_no")
    # the order being quoted, as the declaration look-ups see a declaration (no row: nothing to leave out)
    quoted = SimpleNamespace(pk=None, decl_date=on, buyer_id_hash=lookup_hash(buyer_id) if buyer_id else "",
                             logistics_code=logistics_code, logistics_no=logistics_no)
    history = lookups.FactsLookups([quoted])
    if annual_used is None:
        annual_used = history.annual_used(quoted)
    facts = DeclarationFacts(
        regime=regime, decl_date=on, lines=lines, goods_value=goods_value, freight=freight, insured_fee=insured_fee,
        discount=discount, tax_total=tax_total if tax_total is not None else ZERO, currency=str(
            data.get("currency") or prechecks.CNY), buyer_name=buyer_name, buyer_id_number=buyer_id,
        buyer_phone=problems.text(data, "buyer_phone"),
        payer_name=problems.text(data, "payer_name") or buyer_name,
        payer_id_number=check_resident_id(problems.text(data, "payer_id_number") or buyer_id).number,
        consignee_name=consignee[0], consignee_phone=consignee[1], consignee_address=consignee[2],
        waybill_consignee_name=problems.text(data, "waybill_consignee_name") or consignee[0],
        waybill_consignee_phone=problems.text(data, "waybill_consignee_phone") or consignee[1],
        waybill_consignee_address=problems.text(data, "waybill_consignee_address") or consignee[2],
        pack_no=pack_no, logistics_code=logistics_code, logistics_no=logistics_no,
        waybill_reused_by=history.waybill_reused_by(quoted),
        annual_used=annual_used, single_limit=single, annual_limit=annual, origin_region=origin_region)
    # The withheld tax and the amounts paid default to what they should be, so only given values are checked.
    if tax_total is None:
        computed = prechecks.compute_tax(facts)[0]
        tax_total = computed.total if computed is not None else ZERO
    expected_paid = goods_value + freight + tax_total - discount
    actural_paid = expected_paid if actural_paid is None else actural_paid
    return DeclarationFacts(**{**facts.__dict__, "tax_total": tax_total, "actural_paid": actural_paid,
                               "amount_paid": actural_paid if amount_paid is None else amount_paid})


def quote(data: Mapping) -> dict:
    """Pre-check and tax one order given as data, saving nothing (see the module docstring for the shape)."""
    facts = build_facts(data)
    result = prechecks.run_prechecks(facts, tax_tolerance=lookups.tax_tolerance())
    return {"findings": [finding.as_dict() for finding in result.findings],
            "tax": result.tax.as_dict() if result.tax is not None else None}

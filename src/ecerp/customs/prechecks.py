"""Pre-checks of a declaration: what customs would reject, caught before anything is sent.

Pure: every rule reads a DeclarationFacts (the four documents' fields plus what the database knew:
filing problems per line, the buyer's used annual quota, whether the waybill number was used before,
the limits and tax rates valid on the declaration date) and returns Findings with a stable code and the
field it concerns. run_prechecks() runs every rule and computes the tax; the declaration services and the
quote share it, so a quote answers exactly what a declaration would find.

Money is compared exactly (Decimal), except the withheld tax, which may differ from the computed tax by
the tolerance (settings key customs.tax_tolerance, default 0.05 CNY: per-line rounding may move a few fen).
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext, gettext_noop

from ecerp.customs import calculations
from ecerp.customs.calculations import TaxableLine, TaxResult
from ecerp.customs.identity import check_resident_id

ZERO = Decimal(0)
DEFAULT_TAX_TOLERANCE = Decimal("0.05")
CNY = "142"
MAX_LINES = 99


class FindingCode(enum.StrEnum):
    PRODUCT_NOT_FILED = "PRODUCT_NOT_FILED"
    NOT_ON_POSITIVE_LIST = "NOT_ON_POSITIVE_LIST"
    BUYER_ID_INVALID = "BUYER_ID_INVALID"
    BUYER_NAME_MISSING = "BUYER_NAME_MISSING"
    PAYER_NOT_BUYER = "PAYER_NOT_BUYER"
    SINGLE_LIMIT_EXCEEDED = "SINGLE_LIMIT_EXCEEDED"
    ANNUAL_QUOTA_EXCEEDED = "ANNUAL_QUOTA_EXCEEDED"
    ORDER_AMOUNT_MISMATCH = "ORDER_AMOUNT_MISMATCH"
    PAYMENT_AMOUNT_MISMATCH = "PAYMENT_AMOUNT_MISMATCH"
    CONSIGNEE_MISMATCH = "CONSIGNEE_MISMATCH"
    TAX_OUT_OF_TOLERANCE = "TAX_OUT_OF_TOLERANCE"
    PACK_NO_INVALID = "PACK_NO_INVALID"
    CURRENCY_INVALID = "CURRENCY_INVALID"
    WAYBILL_NUMBER_REUSED = "WAYBILL_NUMBER_REUSED"
    LIST_LINES_MISMATCH = "LIST_LINES_MISMATCH"
    PARCEL_VALUE_LIMIT = "PARCEL_VALUE_LIMIT"
    # added: required fields of the messages, and the XSD's lengths
    FIELD_MISSING = "FIELD_MISSING"
    FIELD_TOO_LONG = "FIELD_TOO_LONG"


@dataclass(frozen=True)
class Finding:
    """One failed rule: code, field, and the message as a Chinese msgid with its parameters."""

    code: str
    field: str
    message_id: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The message in the active language."""
        text = gettext(self.message_id)
        return text % self.params if self.params else text

    def as_dict(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class LineFacts:
    """One goods line as the pre-checks see it (order line and list line share gnum)."""

    gnum: int
    sku: str
    quantity: int
    price: Decimal
    total_price: Decimal
    hs_code: str = ""
    gname: str = ""
    origin_country: str = ""
    tariff_rate: Decimal = ZERO
    vat_rate: Decimal = ZERO
    consumption_tax_rate: Decimal = ZERO
    postal_tax_rate: Decimal | None = None
    # (code, detail) from the filing lookup: PRODUCT_NOT_FILED / NOT_ON_POSITIVE_LIST, or None
    filing_problem: tuple[str, str] | None = None
    # the order line this list line stands for (None: the list line has no order line)
    order_quantity: int | None = None


@dataclass(frozen=True)
class DeclarationFacts:
    """Everything the pre-checks read. Amounts are Decimal, quantities int."""

    regime: str
    decl_date: datetime.date
    lines: tuple[LineFacts, ...]
    goods_value: Decimal = ZERO
    freight: Decimal = ZERO
    insured_fee: Decimal = ZERO
    discount: Decimal = ZERO
    tax_total: Decimal = ZERO
    actural_paid: Decimal = ZERO
    amount_paid: Decimal | None = None
    currency: str = CNY
    buyer_name: str = ""
    buyer_id_number: str = ""
    buyer_phone: str = ""
    payer_name: str = ""
    payer_id_number: str = ""
    consignee_name: str = ""
    consignee_phone: str = ""
    consignee_address: str = ""
    waybill_consignee_name: str = ""
    waybill_consignee_phone: str = ""
    waybill_consignee_address: str = ""
    pack_no: int = 1
    logistics_code: str = ""
    logistics_no: str = ""
    waybill_reused_by: str = ""  # another declaration's number when the waybill number was used within 6 months
    annual_used: Decimal = ZERO
    single_limit: Decimal = Decimal("5000")
    annual_limit: Decimal = Decimal("26000")
    origin_region: str = ""  # postal regime: where the parcel comes from (HK/MO/TW: 800)
    order_line_count: int | None = None  # lines of the sales order (None: same as lines)
    # (field, value, max length) of the message fields whose XSD length is limited
    lengths: tuple[tuple[str, str, int], ...] = ()
    # (field, value) of the message fields that are required
    required: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PrecheckResult:
    findings: tuple[Finding, ...]
    tax: TaxResult | None
    classification: str

    @property
    def passed(self) -> bool:
        return not self.findings


def _normalise(text: str) -> str:
    return " ".join((text or "").split()).upper()


def check_filings(facts: DeclarationFacts) -> list[Finding]:
    """PRODUCT_NOT_FILED / NOT_ON_POSITIVE_LIST for each line whose filing lookup found a problem."""
    findings = []
    for line in facts.lines:
        if line.filing_problem is None:
            continue
        code = line.filing_problem[0]
        if code == FindingCode.NOT_ON_POSITIVE_LIST:
            findings.append(Finding(code, f"lines.{line.gnum}.hs_code", gettext_noop(
                "第 %(gnum)s 行商品「%(sku)s」的税号 %(hs_code)s 不在申报日期有效的跨境电商零售进口商品清单内"),
                {"gnum": line.gnum, "sku": line.sku, "hs_code": line.hs_code}))
        else:
            findings.append(Finding(FindingCode.PRODUCT_NOT_FILED, f"lines.{line.gnum}.sku", gettext_noop(
                "第 %(gnum)s 行商品「%(sku)s」没有已审核的商品备案"), {"gnum": line.gnum, "sku": line.sku}))
    return findings


def check_buyer_id(facts: DeclarationFacts) -> list[Finding]:
    """BUYER_ID_INVALID unless the buyer's resident ID number has a valid checksum and birth date."""
    if not facts.buyer_id_number.strip():
        return [Finding(FindingCode.BUYER_ID_INVALID, "buyer_id_number", gettext_noop("订购人证件号码未填写"))]
    result = check_resident_id(facts.buyer_id_number, today=facts.decl_date)
    if result.valid:
        return []
    return [Finding(FindingCode.BUYER_ID_INVALID, "buyer_id_number",
                    gettext_noop("订购人证件号码无效：%(reason)s"), {"reason": str(result.reason)})]


def check_buyer_name(facts: DeclarationFacts) -> list[Finding]:
    """BUYER_NAME_MISSING when the buyer's real name is empty."""
    if facts.buyer_name.strip():
        return []
    return [Finding(FindingCode.BUYER_NAME_MISSING, "buyer_name", gettext_noop("订购人真实姓名未填写"))]


def check_payer_is_buyer(facts: DeclarationFacts) -> list[Finding]:
    """PAYER_NOT_BUYER when the payer's ID number or name differs from the buyer's."""
    findings = []
    if _normalise(facts.payer_id_number) != _normalise(facts.buyer_id_number):
        findings.append(Finding(FindingCode.PAYER_NOT_BUYER, "payer_id_number",
                                gettext_noop("支付人证件号码与订购人不一致")))
    if _normalise(facts.payer_name) != _normalise(facts.buyer_name):
        findings.append(Finding(FindingCode.PAYER_NOT_BUYER, "payer_name", gettext_noop("支付人姓名与订购人不一致")))
    return findings


def check_order_amount(facts: DeclarationFacts) -> list[Finding]:
    """ORDER_AMOUNT_MISMATCH unless acturalPaid = goodsValue + freight + taxTotal - discount and the lines sum
    to goodsValue."""
    findings = []
    lines_total = sum((line.total_price for line in facts.lines), ZERO)
    if lines_total != facts.goods_value:
        findings.append(Finding(FindingCode.ORDER_AMOUNT_MISMATCH, "goods_value", gettext_noop(
            "商品价格 %(goods_value)s 不等于各行总价之和 %(lines_total)s"),
            {"goods_value": str(facts.goods_value), "lines_total": str(lines_total)}))
    expected = facts.goods_value + facts.freight + facts.tax_total - facts.discount
    if facts.actural_paid != expected:
        findings.append(Finding(FindingCode.ORDER_AMOUNT_MISMATCH, "actural_paid", gettext_noop(
            "实际支付金额 %(paid)s 不等于 商品价格+运杂费+代扣税款-非现金抵扣 = %(expected)s"),
            {"paid": str(facts.actural_paid), "expected": str(expected)}))
    return findings


def check_payment_amount(facts: DeclarationFacts) -> list[Finding]:
    """PAYMENT_AMOUNT_MISMATCH unless the payment voucher's amount equals the order's acturalPaid."""
    if facts.amount_paid is None or facts.amount_paid == facts.actural_paid:
        return []
    return [Finding(FindingCode.PAYMENT_AMOUNT_MISMATCH, "amount_paid", gettext_noop(
        "支付单金额 %(amount)s 不等于订单实际支付金额 %(paid)s"),
        {"amount": str(facts.amount_paid), "paid": str(facts.actural_paid)})]


def check_consignee(facts: DeclarationFacts) -> list[Finding]:
    """CONSIGNEE_MISMATCH for each of name, phone and address that differs between order and waybill."""
    findings = []
    pairs = (
        ("waybill_consignee_name", facts.consignee_name, facts.waybill_consignee_name,
         gettext_noop("运单收货人与订单收货人不一致")),
        ("waybill_consignee_phone", facts.consignee_phone, facts.waybill_consignee_phone,
         gettext_noop("运单收货人电话与订单不一致")),
        ("waybill_consignee_address", facts.consignee_address, facts.waybill_consignee_address,
         gettext_noop("运单收货地址与订单不一致")),
    )
    for name, order_value, waybill_value, message in pairs:
        if " ".join((order_value or "").split()) != " ".join((waybill_value or "").split()):
            findings.append(Finding(FindingCode.CONSIGNEE_MISMATCH, name, message))
    return findings


def check_pack_no(facts: DeclarationFacts) -> list[Finding]:
    """PACK_NO_INVALID unless the waybill and list declare one parcel (packNo 1)."""
    if facts.pack_no == 1:
        return []
    return [Finding(FindingCode.PACK_NO_INVALID, "pack_no", gettext_noop("件数必须为 1（实际 %(pack_no)s）"),
                    {"pack_no": facts.pack_no})]


def check_currency(facts: DeclarationFacts) -> list[Finding]:
    """CURRENCY_INVALID unless the currency is 142 (CNY)."""
    if facts.currency == CNY:
        return []
    return [Finding(FindingCode.CURRENCY_INVALID, "currency",
                    gettext_noop("币制必须为 142（人民币），实际为 %(currency)s"), {"currency": facts.currency})]


def check_waybill_number(facts: DeclarationFacts) -> list[Finding]:
    """WAYBILL_NUMBER_REUSED when the logistics company's waybill number was declared within 6 months."""
    if not facts.waybill_reused_by:
        return []
    return [Finding(FindingCode.WAYBILL_NUMBER_REUSED, "logistics_no", gettext_noop(
        "运单号 %(logistics_no)s 在 6 个月内已被申报单 %(other)s 使用"),
        {"logistics_no": facts.logistics_no, "other": facts.waybill_reused_by})]


def check_list_lines(facts: DeclarationFacts) -> list[Finding]:
    """LIST_LINES_MISMATCH unless the list lines are 1..n (n <= 99) and one-to-one with the order lines."""
    findings = []
    gnums = [line.gnum for line in facts.lines]
    if not facts.lines:
        findings.append(Finding(FindingCode.LIST_LINES_MISMATCH, "lines", gettext_noop("清单没有商品行")))
    elif gnums != list(range(1, len(gnums) + 1)):
        findings.append(Finding(FindingCode.LIST_LINES_MISMATCH, "lines", gettext_noop("清单商品序号必须从 1 起连续")))
    if len(facts.lines) > MAX_LINES:
        findings.append(Finding(FindingCode.LIST_LINES_MISMATCH, "lines", gettext_noop(
            "清单最多 %(max)s 行，实际 %(count)s 行"), {"max": MAX_LINES, "count": len(facts.lines)}))
    if facts.order_line_count is not None and facts.order_line_count != len(facts.lines):
        findings.append(Finding(FindingCode.LIST_LINES_MISMATCH, "lines", gettext_noop(
            "清单 %(list)s 行与订单 %(order)s 行不能一一对应"),
            {"list": len(facts.lines), "order": facts.order_line_count}))
    for line in facts.lines:
        if line.order_quantity is not None and line.order_quantity != line.quantity:
            findings.append(Finding(FindingCode.LIST_LINES_MISMATCH, f"lines.{line.gnum}.quantity", gettext_noop(
                "第 %(gnum)s 行清单数量 %(qty)s 与订单数量 %(order_qty)s 不一致"),
                {"gnum": line.gnum, "qty": line.quantity, "order_qty": line.order_quantity}))
    return findings


def check_required(facts: DeclarationFacts) -> list[Finding]:
    """FIELD_MISSING for each required message field left empty."""
    return [Finding(FindingCode.FIELD_MISSING, name, gettext_noop("必填字段 %(field)s 未填写"), {"field": name})
            for name, value in facts.required if not str(value or "").strip()]


def check_lengths(facts: DeclarationFacts) -> list[Finding]:
    """FIELD_TOO_LONG for each message field longer than the XSD allows."""
    return [Finding(FindingCode.FIELD_TOO_LONG, name, gettext_noop("字段 %(field)s 超过 %(max)s 个字符"),
                    {"field": name, "max": limit})
            for name, value, limit in facts.lengths if len(value or "") > limit]


def taxable_lines(facts: DeclarationFacts) -> list[TaxableLine]:
    return [TaxableLine(sku=line.sku, value=line.total_price, quantity=line.quantity, tariff_rate=line.tariff_rate,
                        vat_rate=line.vat_rate, consumption_tax_rate=line.consumption_tax_rate,
                        postal_tax_rate=line.postal_tax_rate) for line in facts.lines]


def compute_tax(facts: DeclarationFacts) -> tuple[TaxResult | None, str, list[Finding]]:
    """The tax of the declaration, its classification, and the limit findings.

    Comprehensive regime: the within-limits tax first; its dutiable value is classified against the
    single and annual limits (SINGLE_LIMIT_EXCEEDED, ANNUAL_QUOTA_EXCEEDED; one indivisible item over
    the single limit within the annual quota is taxed at full goods rates instead). Postal regime: the
    articles tax, and PARCEL_VALUE_LIMIT for a divisible parcel over 1,000 (800 from HK/MO/TW).
    """
    lines = taxable_lines(facts)
    if not lines:
        return None, "", []
    findings: list[Finding] = []
    if facts.regime == calculations.POSTAL:
        if any(line.postal_tax_rate is None for line in lines):
            return None, "", findings
        tax = calculations.postal_article_tax(lines, freight=facts.freight, insured_fee=facts.insured_fee)
        limit = calculations.parcel_value_limit(origin_region=facts.origin_region)
        parcel = calculations.classify_parcel(parcel_value=tax.dutiable_value,
                                              single_item=calculations.is_single_item(lines), limit=limit)
        if parcel == calculations.PARCEL_OVER_LIMIT:
            findings.append(Finding(FindingCode.PARCEL_VALUE_LIMIT, "goods_value", gettext_noop(
                "包裹价值 %(value)s 超过个人物品限值 %(limit)s，且不是单件不可分割物品"),
                {"value": str(tax.dutiable_value), "limit": str(limit)}))
        return tax, parcel, findings
    tax = calculations.comprehensive_tax(lines, freight=facts.freight, insured_fee=facts.insured_fee)
    classification = calculations.classify_comprehensive(
        dutiable_value=tax.dutiable_value, single_item=calculations.is_single_item(lines),
        annual_used=facts.annual_used, single_limit=facts.single_limit, annual_limit=facts.annual_limit)
    if classification == calculations.FULL_RATE:
        tax = calculations.comprehensive_tax(lines, freight=facts.freight, insured_fee=facts.insured_fee,
                                             full_rate=True)
    elif classification == calculations.SINGLE_LIMIT_EXCEEDED:
        findings.append(Finding(FindingCode.SINGLE_LIMIT_EXCEEDED, "goods_value", gettext_noop(
            "完税价格 %(value)s 超过单次交易限值 %(limit)s（仅单件不可分割商品可按货物税率全额征税）"),
            {"value": str(tax.dutiable_value), "limit": str(facts.single_limit)}))
    elif classification == calculations.ANNUAL_QUOTA_EXCEEDED:
        findings.append(Finding(FindingCode.ANNUAL_QUOTA_EXCEEDED, "buyer_id_number", gettext_noop(
            "订购人年度已用额度 %(used)s 加本单 %(value)s 超过年度限值 %(limit)s"),
            {"used": str(facts.annual_used), "value": str(tax.dutiable_value), "limit": str(facts.annual_limit)}))
    return tax, classification, findings


def check_tax_total(facts: DeclarationFacts, tax: TaxResult | None, tolerance: Decimal) -> list[Finding]:
    """TAX_OUT_OF_TOLERANCE when the order's withheld tax differs from the computed tax by more than tolerance."""
    if tax is None or abs(facts.tax_total - tax.total) <= tolerance:
        return []
    return [Finding(FindingCode.TAX_OUT_OF_TOLERANCE, "tax_total", gettext_noop(
        "订单代扣税款 %(tax_total)s 与计算税款 %(computed)s 相差超过 %(tolerance)s"),
        {"tax_total": str(facts.tax_total), "computed": str(tax.total), "tolerance": str(tolerance)})]


RULES = (check_required, check_lengths, check_filings, check_buyer_name, check_buyer_id, check_payer_is_buyer,
         check_order_amount, check_payment_amount, check_consignee, check_pack_no, check_currency,
         check_waybill_number, check_list_lines)


def run_prechecks(facts: DeclarationFacts, *, tax_tolerance: Decimal = DEFAULT_TAX_TOLERANCE) -> PrecheckResult:
    """Run every rule and compute the tax; the findings in rule order."""
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(facts))
    tax, classification, limit_findings = compute_tax(facts)
    findings.extend(limit_findings)
    findings.extend(check_tax_total(facts, tax, tax_tolerance))
    return PrecheckResult(findings=tuple(findings), tax=tax, classification=classification)

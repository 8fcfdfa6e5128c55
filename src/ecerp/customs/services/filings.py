"""Product filings (商品备案), store customs channel profiles and the customs settings: the only writers.

A filing is edited while draft or rejected; submit -> approve | reject (with a reason); an approved filing
is changed by reopening it (approved -> draft, version + 1, audited with the reason) and approving again.
Every change is audited (core.audit) and every state move writes a StateHistory row (core.states.move).
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecerp.core.audit import record_change, snapshot
from ecerp.core.errors import DomainError, ErrorCode, ErrorDetail
from ecerp.core.models import AuditAction
from ecerp.core.services import set_setting
from ecerp.core.states import check_transition, move
from ecerp.customs import queries
from ecerp.customs.errors import CustomsConflict, CustomsError, CustomsInvalid
from ecerp.customs.models import (
    ConsumptionTaxRule,
    CustomsChannel,
    CustomsRegime,
    ProductFiling,
    ReferenceKind,
    TradeMode,
)
from ecerp.customs.models.filings import BONDED_TRADE_MODES
from ecerp.customs.services.common import assign, label_of, raise_details, required, run_checks
from ecerp.customs.states import FILING_EDITABLE_STATES, FILING_LABELS, FILING_TRANSITIONS, FilingState
from ecerp.masterdata import validation
from ecerp.masterdata.models import Product, Store, StoreType

FILING_FIELDS = (
    "hs_code", "gname", "gmodel", "barcode", "item_record_no", "unit", "unit1", "qty1_per_unit", "unit2",
    "qty2_per_unit", "origin_country", "vat_kind", "tariff_rate", "consumption_tax_rule", "consumption_tax_rate",
    "net_content", "content_unit", "postal_tier", "inspection_required", "reference_price", "filing_no",
)
CUSTOMS_UNIT_KG = "035"
# Codes and numbers typed by people (or pasted from a Chinese input method) arrive with full-width digits
# and letters ("３３０４９９００９９", "０.２"): they are made ASCII before the checks. Names and descriptions
# (gname, gmodel) keep their full-width punctuation, which customs expects in Chinese text.
HALFWIDTH_FIELDS = frozenset({
    "hs_code", "barcode", "item_record_no", "unit", "unit1", "qty1_per_unit", "unit2", "qty2_per_unit",
    "origin_country", "tariff_rate", "consumption_tax_rate", "net_content", "postal_tier", "reference_price",
    "filing_no",
})


def halfwidth(value):
    """value with full-width characters made ASCII (NFKC) and outer spaces removed; non-strings unchanged."""
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


def rate_text(value):
    """A rate as people write it ("13%", "13 %") as the fraction the filing keeps ("0.13"); else unchanged."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return str(Decimal(value.strip()[:-1].strip()) / 100)
        except ArithmeticError:
            return value
    return value


def _code_check(instance, field: str, kind: str, details: list[ErrorDetail], *, blank_ok: bool = False) -> None:
    value = getattr(instance, field)
    if value in ("", None):
        if not blank_ok:
            details.extend(required(instance, field))
        return
    if not queries.is_reference_code(kind, value):
        details.append(ErrorDetail(CustomsError.UNKNOWN_REFERENCE_CODE, _(
            "「%(label)s」%(value)s 不在海关参数代码表（%(kind)s）中") % {
            "label": label_of(instance, field), "value": value, "kind": ReferenceKind(kind).label}, field))


def _filing_checks(filing: ProductFiling, details: list[ErrorDetail]) -> None:
    if not filing.product.is_cross_border:
        details.append(ErrorDetail(CustomsError.NOT_CROSS_BORDER_PRODUCT, _(
            "商品「%(sku)s」不是跨境商品，不需要商品备案") % {"sku": filing.product.code}, "product"))
    try:
        filing.hs_code = validation.hs_code(filing.hs_code)
    except DomainError:
        details.append(ErrorDetail(CustomsError.INVALID_HS_CODE, _("「%(label)s」应为 10 位数字：%(value)s") % {
            "label": label_of(filing, "hs_code"), "value": filing.hs_code}, "hs_code"))
    if len(filing.origin_country) == 2:  # an ISO code typed by a person (JP) becomes the customs code (116)
        filing.origin_country = queries.customs_country(filing.origin_country) or filing.origin_country
    details.extend(required(filing, "hs_code", "gname", "gmodel", "qty1_per_unit"))
    _code_check(filing, "unit", ReferenceKind.CUSTOMS_UNIT, details)
    _code_check(filing, "unit1", ReferenceKind.CUSTOMS_UNIT, details)
    _code_check(filing, "unit2", ReferenceKind.CUSTOMS_UNIT, details, blank_ok=True)
    _code_check(filing, "origin_country", ReferenceKind.COUNTRY, details)
    if filing.qty1_per_unit is not None and filing.qty1_per_unit <= 0:
        details.append(ErrorDetail(CustomsError.INVALID_NUMBER, _("「%(label)s」应大于 0") % {
            "label": label_of(filing, "qty1_per_unit")}, "qty1_per_unit"))
    if bool(filing.unit2) != (filing.qty2_per_unit is not None) or (
            filing.qty2_per_unit is not None and filing.qty2_per_unit <= 0):
        details.append(ErrorDetail(CustomsError.SECOND_UNIT_INCOMPLETE, _(
            "法定第二计量单位与第二数量须同时填写（数量大于 0）或同时留空"), "qty2_per_unit"))
    if bool(filing.content_unit) != (filing.net_content is not None) or (
            filing.net_content is not None and filing.net_content <= 0):
        details.append(ErrorDetail(CustomsError.CONTENT_INCOMPLETE,
                                   _("净含量与含量单位须同时填写（含量大于 0）或同时留空"), "net_content"))
    for field, upper in (("tariff_rate", Decimal(1)), ("consumption_tax_rate", Decimal("0.9999"))):
        value = getattr(filing, field)
        if value is not None and not Decimal(0) <= value <= upper:
            message = _("「%(label)s」应为 0 到 1 之间的小数（13%% 填 0.13）") % {"label": label_of(filing, field)}
            details.append(ErrorDetail(CustomsError.INVALID_RATE, message, field))
    if filing.consumption_tax_rule == ConsumptionTaxRule.ALWAYS and not filing.consumption_tax_rate:
        details.append(ErrorDetail(CustomsError.INVALID_RATE, _("从价征收消费税时须填写消费税税率"),
                                   "consumption_tax_rate"))
    if filing.reference_price is not None and filing.reference_price < 0:
        details.append(ErrorDetail(CustomsError.INVALID_NUMBER, _("「%(label)s」不能为负数") % {
            "label": label_of(filing, "reference_price")}, "reference_price"))


def filing_defaults(product: Product) -> dict:
    """The starting values of a new filing taken from the product's master data."""
    gmodel = "；".join(part for part in (product.brand and f"品牌：{product.brand}",
                                         product.specification and f"规格：{product.specification}") if part)
    return {
        "hs_code": product.hs_code, "gname": product.name, "gmodel": gmodel or product.name,
        "barcode": product.barcode, "unit": product.customs_unit, "unit1": CUSTOMS_UNIT_KG,
        "qty1_per_unit": product.net_weight, "origin_country": queries.customs_country(product.origin_country),
        "reference_price": product.sale_price or None,
    }


def _saved(filing: ProductFiling, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            filing.save(update_fields=fields)
    except IntegrityError as error:
        raise CustomsConflict(ErrorCode.CONFLICT, _("保存失败，数据与已有记录冲突：%(reason)s"),
                              reason=str(error).splitlines()[0][:200]) from error


def save_filing(*, user, product: Product, data: dict) -> ProductFiling:
    """Create the filing of product or update it (only while draft or rejected); audited.

    A new filing starts from the product's master data (filing_defaults) overlaid with data. Raises
    CustomsInvalid with every problem (field named), FILING_NOT_EDITABLE (409) when submitted or approved.
    Saving a rejected filing brings it back to draft.
    """
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        filing = ProductFiling.objects.select_for_update().filter(product=product).first()
        creating = filing is None
        before = None if creating else snapshot(filing)
        if creating:
            filing = ProductFiling(product=product)
            data = {**{key: value for key, value in filing_defaults(product).items() if key not in data}, **data}
        elif filing.state not in FILING_EDITABLE_STATES:
            raise CustomsConflict(CustomsError.FILING_NOT_EDITABLE, _(
                "备案「%(state)s」时不能修改，请先撤回为草稿"), field="state", state=FILING_LABELS[filing.state])
        details: list[ErrorDetail] = []
        data = {key: halfwidth(value) if key in HALFWIDTH_FIELDS else value for key, value in data.items()}
        data = {key: rate_text(value) if key in ("tariff_rate", "consumption_tax_rate") else value
                for key, value in data.items()}
        assign(filing, data, FILING_FIELDS, details)
        _filing_checks(filing, details)
        raise_details(details)
        _saved(filing)
        record_change(user=user, action=AuditAction.CREATE if creating else AuditAction.UPDATE, instance=filing,
                      before=before, after=snapshot(filing))
        if filing.state == FilingState.REJECTED:
            move(user=user, obj=filing, to_state=FilingState.DRAFT, transitions=FILING_TRANSITIONS,
                 field="state", reason=_("修改后重新编辑"), labels=FILING_LABELS)
    return filing


def _locked(filing: ProductFiling) -> ProductFiling:
    return ProductFiling.objects.select_for_update().select_related("product").get(pk=filing.pk)


def _move(*, user, filing: ProductFiling, to_state: str, reason: str = "", changes: dict | None = None
          ) -> ProductFiling:
    """Lock, move along the filing state machine, set changes, audit; same state is a no-op."""
    with transaction.atomic():
        filing = _locked(filing)
        if filing.state == to_state:
            return filing
        check_transition(FILING_TRANSITIONS, filing.state, to_state, field="state", labels=FILING_LABELS)
        before = snapshot(filing)
        for name, value in (changes or {}).items():
            setattr(filing, name, value)
        if changes:  # written before the state: the rejected state needs its reason (a CHECK)
            _saved(filing, list(changes))
        move(user=user, obj=filing, to_state=to_state, transitions=FILING_TRANSITIONS, field="state", reason=reason,
             labels=FILING_LABELS)
        record_change(user=user, action=AuditAction.UPDATE, instance=filing, before=before, after=snapshot(filing),
                      note=reason)
    return filing


def submit_filing(*, user, filing: ProductFiling) -> ProductFiling:
    """Submit a draft filing for approval (draft -> submitted); the filing is checked again first."""
    with transaction.atomic():
        locked = _locked(filing)
        details: list[ErrorDetail] = []
        _filing_checks(locked, details)
        raise_details(details)
        return _move(user=user, filing=locked, to_state=FilingState.SUBMITTED,
                     changes={"submitted_at": timezone.now(), "rejection_reason": ""})


def approve_filing(*, user, filing: ProductFiling, filing_no: str = "") -> ProductFiling:
    """Approve a submitted filing (submitted -> approved), recording who, when and the filing number."""
    changes = {"approved_at": timezone.now(), "approved_by": user if getattr(user, "pk", None) else None}
    if filing_no.strip():
        changes["filing_no"] = filing_no.strip()[:40]
    return _move(user=user, filing=filing, to_state=FilingState.APPROVED, changes=changes)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CustomsInvalid(CustomsError.REASON_REQUIRED, _("请填写原因"), field="reason")
    return reason[:500]


def reject_filing(*, user, filing: ProductFiling, reason: str) -> ProductFiling:
    """Reject a submitted filing with a reason (REASON_REQUIRED when empty); it may then be edited again."""
    reason = _reason(reason)
    return _move(user=user, filing=filing, to_state=FilingState.REJECTED, reason=reason,
                 changes={"rejection_reason": reason})


def reopen_filing(*, user, filing: ProductFiling, reason: str) -> ProductFiling:
    """Bring an approved filing back to draft to change it: a new version (version + 1), audited with the reason.

    Until it is approved again its goods cannot be declared (queries.filing_problem: PRODUCT_NOT_FILED).
    """
    reason = _reason(reason)
    with transaction.atomic():
        locked = _locked(filing)
        if locked.state != FilingState.APPROVED:
            return _move(user=user, filing=locked, to_state=FilingState.DRAFT, reason=reason)
        return _move(user=user, filing=locked, to_state=FilingState.DRAFT, reason=reason,
                     changes={"version": locked.version + 1, "approved_at": None, "approved_by": None})


# --- spreadsheet import --------------------------------------------------------------------------------

IMPORT_COLUMNS = {
    "商品编码": "product", "sku": "product", "product": "product",
    "hs编码": "hs_code", "hs_code": "hs_code", "申报品名": "gname", "gname": "gname",
    "规格型号": "gmodel", "gmodel": "gmodel", "条码": "barcode", "barcode": "barcode",
    "申报计量单位": "unit", "unit": "unit", "法定第一计量单位": "unit1", "unit1": "unit1",
    "法定第一数量": "qty1_per_unit", "qty1_per_unit": "qty1_per_unit",
    "法定第二计量单位": "unit2", "unit2": "unit2", "法定第二数量": "qty2_per_unit", "qty2_per_unit": "qty2_per_unit",
    "原产国": "origin_country", "origin_country": "origin_country", "增值税税率": "vat_kind", "vat_kind": "vat_kind",
    "关税税率": "tariff_rate", "tariff_rate": "tariff_rate", "消费税规则": "consumption_tax_rule",
    "consumption_tax_rule": "consumption_tax_rule", "消费税税率": "consumption_tax_rate",
    "consumption_tax_rate": "consumption_tax_rate", "净含量": "net_content", "net_content": "net_content",
    "含量单位": "content_unit", "content_unit": "content_unit", "行邮税档次": "postal_tier",
    "postal_tier": "postal_tier", "需检验检疫": "inspection_required", "inspection_required": "inspection_required",
    "参考价格": "reference_price", "reference_price": "reference_price", "账册备案料号": "item_record_no",
    "item_record_no": "item_record_no",
}
TRUE_WORDS = {"1", "true", "yes", "y", "是", "需要"}
IMPORT_REQUIRED = frozenset({"hs_code", "gname", "gmodel", "unit", "unit1", "qty1_per_unit", "origin_country"})


def _without_echoes(details: list[ErrorDetail]) -> list[ErrorDetail]:
    """details without a field's "required" when the same field already has an "invalid value" detail
    (an unreadable number is left empty, so the later required check would repeat the problem)."""
    invalid = {detail.field for detail in details if detail.code != ErrorCode.REQUIRED}
    return [detail for detail in details if detail.code != ErrorCode.REQUIRED or detail.field not in invalid]


def import_filings(*, user, content: bytes, filename: str = "", dry_run: bool = False):
    """Create or update filings from an xlsx/csv sheet (one row per SKU, headers in Chinese or field names).

    All or nothing: every problem is reported with its row and column (ImportFailed) and nothing is written.
    Rows of a filing that is submitted or approved are refused (FILING_NOT_EDITABLE). Reading (encodings,
    xlsx) is the master-data import's reader. Returns the ImportResult (dry_run rolls everything back).
    """
    from ecerp.masterdata.errors import MasterdataError
    from ecerp.masterdata.importing.problems import ImportFailed, ImportResult, Problem
    from ecerp.masterdata.importing.readers import read_table

    table = read_table(content, filename)
    columns = [IMPORT_COLUMNS.get(str(header).strip().lower(), IMPORT_COLUMNS.get(str(header).strip()))
               for header in table.headers]
    if "product" not in columns:
        raise ImportFailed.single(ErrorCode.REQUIRED, _("缺少「商品编码」列"), row=1, column="商品编码")
    header_of = {field: str(header).strip() for header, field in zip(table.headers, columns, strict=False) if field}
    sku_header = header_of["product"]
    result = ImportResult(kind="customs_filing")
    problems: list[Problem] = []
    codes = [halfwidth(str(values[columns.index("product")] or "")) for _row, values in table.rows]
    products = Product.objects.in_bulk(codes, field_name="code")
    first_row: dict[str, int] = {}
    with transaction.atomic():
        for (row, values), code in zip(table.rows, codes, strict=True):
            result.rows += 1
            if not code:
                problems.append(Problem(row, sku_header, ErrorCode.REQUIRED, _("商品编码不能为空")))
                continue
            if code in first_row:  # a second row would silently overwrite the first
                message = _("商品「%(sku)s」在第 %(first)s 行已出现，每个商品只能有一行") % {
                    "sku": code, "first": first_row[code]}
                problems.append(Problem(row, sku_header, MasterdataError.DUPLICATE_IN_FILE, message))
                continue
            first_row[code] = row
            data, blank = {}, []
            for column, value in zip(columns, values, strict=False):
                if not column or column == "product":
                    continue
                text = "" if value is None else str(value).strip()
                if not text:
                    blank.append(column)
                    continue
                data[column] = text.lower() in TRUE_WORDS if column == "inspection_required" else text
            # a required column left blank is an error, not "keep the old value": the person meant something
            problems.extend(Problem(row, header_of[column], ErrorCode.REQUIRED, _("「%(label)s」不能为空") % {
                "label": label_of(ProductFiling, column)}) for column in blank if column in IMPORT_REQUIRED)
            product = products.get(code)
            if product is None:
                message = _("商品「%(sku)s」不存在") % {"sku": code}
                problems.append(Problem(row, sku_header, ErrorCode.NOT_FOUND, message))
                continue
            if any(column in IMPORT_REQUIRED for column in blank):
                continue
            existed = ProductFiling.objects.filter(product=product).exists()
            try:
                with transaction.atomic():
                    save_filing(user=user, product=product, data=data)
            except DomainError as error:
                # a detail without a column of its own (the filing's state) belongs to the row's SKU
                problems.extend(Problem(row, header_of.get(detail.field, sku_header), detail.code, detail.message)
                                for detail in _without_echoes(error.details))
                continue
            if existed:
                result.updated += 1
            else:
                result.created += 1
        result.problems = problems
        if problems:
            transaction.set_rollback(True)
            raise ImportFailed(problems, result)
        if dry_run:
            transaction.set_rollback(True)
        else:
            result.committed = True
    return result


# --- channel profiles ----------------------------------------------------------------------------------

CHANNEL_FIELDS = (
    "regime", "trade_mode", "customs_code", "port_code", "platform", "ecommerce_company", "logistics", "payment",
    "agent", "guarantor", "area", "ems_no", "loct_no", "departure_country", "transport_mode", "wrap_type", "active",
)
PARTNER_ROLES = {  # field -> (role flag on Partner, required)
    "platform": ("is_platform", True), "ecommerce_company": ("is_ecommerce", True),
    "logistics": ("is_logistics", True), "payment": ("is_payment", False), "agent": ("is_customs_broker", True),
    "guarantor": (None, True), "area": (None, False),
}


def _channel_checks(channel: CustomsChannel, details: list[ErrorDetail]) -> None:
    if channel.store.type == StoreType.DOMESTIC:
        details.append(ErrorDetail(CustomsError.STORE_NOT_CROSS_BORDER, _(
            "店铺「%(store)s」不是跨境店铺，不需要关务通道") % {"store": channel.store.name}, "store"))
    for field, (flag, needed) in PARTNER_ROLES.items():
        # a required relation left blank raises on access (RelatedObjectDoesNotExist): look at the id first
        partner = getattr(channel, field) if getattr(channel, f"{field}_id") is not None else None
        if partner is None:
            if needed:
                details.append(ErrorDetail(ErrorCode.REQUIRED, _("「%(label)s」不能为空") % {
                    "label": label_of(channel, field)}, field))
            continue
        if flag and not getattr(partner, flag):
            details.append(ErrorDetail(CustomsError.PARTNER_ROLE_MISMATCH, _("「%(partner)s」不是%(role)s") % {
                "partner": partner.name, "role": label_of(channel, field)}, field))
        run_checks([lambda partner=partner, field=field: queries.customs_code_of(partner, field=field)], details)
    if channel.guarantor_id and channel.guarantor_id not in (
            channel.platform_id, channel.ecommerce_company_id, channel.logistics_id):
        details.append(ErrorDetail(CustomsError.GUARANTOR_NOT_A_PARTY, _(
            "担保企业「%(partner)s」须是本通道的电商平台、电商企业或物流企业之一") % {
            "partner": channel.guarantor.name}, "guarantor"))
    for field in ("customs_code", "port_code"):
        value = getattr(channel, field)
        if not (len(value) == 4 and value.isdigit() and queries.is_reference_code(ReferenceKind.CUSTOMS_DISTRICT,
                                                                                  value)):
            details.append(ErrorDetail(CustomsError.INVALID_DISTRICT, _(
                "「%(label)s」应为关区代码表中的 4 位代码：%(value)s") % {
                "label": label_of(channel, field), "value": value}, field))
    _code_check(channel, "departure_country", ReferenceKind.COUNTRY, details)
    _code_check(channel, "transport_mode", ReferenceKind.TRANSPORT_MODE, details)
    _code_check(channel, "wrap_type", ReferenceKind.WRAP_TYPE, details, blank_ok=True)
    if channel.trade_mode in BONDED_TRADE_MODES:
        for field in ("ems_no", "area"):
            if getattr(channel, field) in (None, ""):
                details.append(ErrorDetail(CustomsError.BONDED_FIELDS_MISSING, _(
                    "保税模式须填写「%(label)s」") % {"label": label_of(channel, field)}, field))
        if channel.regime != CustomsRegime.COMPREHENSIVE:
            details.append(ErrorDetail(ErrorCode.INVALID_VALUE, _("保税模式只能按跨境电商综合税计税"), "regime"))


def channel_defaults(store: Store) -> dict:
    """The starting values of a new channel profile from the store (trade mode, platform, e-commerce company)."""
    return {
        "trade_mode": TradeMode.BONDED if store.type == StoreType.BONDED else TradeMode.DIRECT_PURCHASE,
        "regime": CustomsRegime.COMPREHENSIVE, "platform": store.platform_partner,
        "ecommerce_company": store.ecommerce_company,
        "departure_country": "142" if store.type == StoreType.BONDED else "",
    }


def save_channel(*, user, store: Store, data: dict) -> CustomsChannel:
    """Create or update the customs channel profile of a cross-border store; audited.

    Checks: the store is cross-border; each partner has its role and a customs code (PARTNER_CODE_MISSING
    naming it); the guarantor is the platform, the e-commerce company or the logistics company
    (GUARANTOR_NOT_A_PARTY); customs districts are known 4-digit codes; bonded (1210/1239) needs the
    account book number and the zone enterprise and the comprehensive regime. Raises one CustomsInvalid
    with every problem.
    """
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk)
        channel = CustomsChannel.objects.select_for_update().filter(store=store).first()
        creating = channel is None
        before = None if creating else snapshot(channel)
        if creating:
            channel = CustomsChannel(store=store)
            data = {**{key: value for key, value in channel_defaults(store).items() if key not in data}, **data}
        details: list[ErrorDetail] = []
        data = {key: halfwidth(value).upper() if key in ("ems_no", "loct_no") and isinstance(value, str) else value
                for key, value in data.items()}  # account book and site codes: ASCII capitals, as customs has them
        assign(channel, data, CHANNEL_FIELDS, details)
        raise_details(details)
        _channel_checks(channel, details)
        raise_details(details)
        try:
            with transaction.atomic():
                channel.save()
        except IntegrityError as error:
            raise CustomsConflict(ErrorCode.CONFLICT, _("保存失败，数据与已有记录冲突：%(reason)s"),
                                  reason=str(error).splitlines()[0][:200]) from error
        record_change(user=user, action=AuditAction.CREATE if creating else AuditAction.UPDATE, instance=channel,
                      before=before, after=snapshot(channel))
    return channel


# --- settings ------------------------------------------------------------------------------------------

def save_customs_settings(*, user, cop_code: str, cop_name: str, dxp_id: str) -> queries.CustomsSettings:
    """Store the transmitting enterprise (copCode: 10-character customs code or 18-character USCC, copName)
    and the DXP id in the core settings; audited by core.set_setting. INVALID_SETTING names each bad field.
    """
    cop_code, cop_name, dxp_id = (cop_code or "").strip().upper(), (cop_name or "").strip(), (dxp_id or "").strip()
    details: list[ErrorDetail] = []
    valid_code = False
    for check in (validation.customs_code, validation.social_credit_code):
        try:
            valid_code = valid_code or (len(cop_code) in (10, 18) and bool(check(cop_code, "cop_code")))
        except DomainError:
            pass
    if not valid_code:
        details.append(ErrorDetail(CustomsError.INVALID_SETTING, _(
            "传输企业代码应为 10 位海关注册编码或 18 位统一社会信用代码：%(value)s") % {"value": cop_code}, "cop_code"))
    if not cop_name or len(cop_name) > 100:
        details.append(ErrorDetail(CustomsError.INVALID_SETTING, _("传输企业名称须填写，最多 100 字"), "cop_name"))
    if not dxp_id or len(dxp_id) > 30:
        details.append(ErrorDetail(CustomsError.INVALID_SETTING, _("DXP 编号须填写，最多 30 个字符"), "dxp_id"))
    raise_details(details)
    with transaction.atomic():
        set_setting(user=user, key=queries.SETTING_COP_CODE, value=cop_code)
        set_setting(user=user, key=queries.SETTING_COP_NAME, value=cop_name)
        set_setting(user=user, key=queries.SETTING_DXP_ID, value=dxp_id)
    return queries.get_customs_settings()

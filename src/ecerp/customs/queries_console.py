"""Read side of the customs console pages: the declaration list in exception order, counts by state, the
message log, the four documents as labelled tables (model field, Chinese label, XSD element), the tax
comparison, a declaration's timeline and the raw XML of a message made readable.

Every list here is one query per page (plus one prefetch of the page's findings); personal data is masked
by the callers through queries_declarations.personal, and raw XML is only prepared for users allowed to see
personal data (the messages carry names, ID numbers and phones).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from ecerp.core.models import StateHistory
from ecerp.customs.models import CustomsMessage, Declaration, DeclarationFinding
from ecerp.customs.receipts.codes import is_failure, status_label
from ecerp.customs.states import DECLARATION_LABELS, DeclarationStatus
from ecerp.masterdata.scopes import visible_stores

D = DeclarationStatus
# The console lists these first, in this order (pre-check failures, customs rejections, manual review,
# inspection, detention); everything else follows, newest first.
EXCEPTION_ORDER = (D.PRECHECK_FAILED, D.REJECTED, D.MANUAL_REVIEW, D.INSPECTION, D.DETAINED)

# The documents of a declaration as customs names their fields: (model field, XSD element). The Chinese label
# is the model field's verbose name; personal fields are taken from the masked/revealed mapping.
ORDER_FIELDS = (
    ("order_no", "orderNo"), ("ebp_code", "ebpCode"), ("ebp_name", "ebpName"), ("ebc_code", "ebcCode"),
    ("ebc_name", "ebcName"), ("goods_value", "goodsValue"), ("freight", "freight"), ("discount", "discount"),
    ("tax_total", "taxTotal"), ("actural_paid", "acturalPaid"), ("currency", "currency"),
    ("buyer_reg_no", "buyerRegNo"), ("buyer_name", "buyerName"), ("buyer_phone", "buyerTelephone"),
    ("buyer_id_number", "buyerIdNumber"), ("pay_code", "payCode"), ("pay_name", "payName"),
    ("pay_transaction_id", "payTransactionId"), ("consignee_name", "consignee"),
    ("consignee_phone", "consigneeTelephone"), ("consignee_address", "consigneeAddress"),
    ("consignee_district", "consigneeDistrict"),
)
PAYMENT_FIELDS = (
    ("pay_code", "payCode"), ("pay_name", "payName"), ("pay_transaction_id", "payTransactionId"),
    ("order_no", "orderNo"), ("ebp_code", "ebpCode"), ("ebp_name", "ebpName"),
    ("payer_id_number", "payerIdNumber"), ("payer_name", "payerName"), ("payer_phone", "telephone"),
    ("amount_paid", "amountPaid"), ("currency", "currency"), ("pay_time", "payTime"),
)
WAYBILL_FIELDS = (
    ("logistics_code", "logisticsCode"), ("logistics_name", "logisticsName"), ("logistics_no", "logisticsNo"),
    ("bill_no", "billNo"), ("order_no", "orderNo"), ("freight", "freight"), ("insured_fee", "insuredFee"),
    ("currency", "currency"), ("weight", "weight"), ("pack_no", "packNo"),
    ("waybill_consignee_name", "consignee"), ("waybill_consignee_address", "consigneeAddress"),
    ("waybill_consignee_phone", "consigneeTelephone"),
)
LIST_FIELDS = (
    ("cop_no", "copNo"), ("pre_no", "preNo"), ("invt_no", "invtNo"), ("customs_code", "customsCode"),
    ("port_code", "portCode"), ("trade_mode", "tradeMode"), ("agent_code", "agentCode"),
    ("agent_name", "agentName"), ("assure_code", "assureCode"), ("ems_no", "emsNo"), ("area_code", "areaCode"),
    ("area_name", "areaName"), ("country", "country"), ("traf_mode", "trafMode"), ("traf_no", "trafNo"),
    ("voyage_no", "voyageNo"), ("wrap_type", "wrapType"), ("loct_no", "loctNo"), ("net_weight", "netWeight"),
)
LINE_FIELDS = (
    ("gnum", "gnum"), ("item_no", "itemNo"), ("item_record_no", "itemRecordNo"), ("item_name", "itemName"),
    ("gcode", "gcode"), ("gname", "gname"), ("gmodel", "gmodel"), ("bar_code", "barCode"),
    ("country", "country"), ("qty", "qty"), ("unit", "unit"), ("qty1", "qty1"), ("unit1", "unit1"),
    ("qty2", "qty2"), ("unit2", "unit2"), ("price", "price"), ("total_price", "totalPrice"),
)
# per-document receipt columns of a declaration: (label, status field, receipts.codes document)
DOCUMENT_STATUSES = (
    (_("订单 CEB311"), "order_status", "order"), (_("支付单 CEB411"), "payment_status", "payment"),
    (_("运单 CEB511"), "waybill_status", "waybill"), (_("清单 CEB621"), "list_status", "inventory"),
)
# what the tax basis (Declaration.tax_basis: the tax engine's basis or the limit classification) means
TAX_BASIS_LABELS = {
    "within_limits": _("限值以内（关税 0，增值税、消费税按 70%）"),
    "full_rate": _("单件不可分割超限，按货物税率全额征收"),
    "single_limit_exceeded": _("超过单次交易限值"), "annual_quota_exceeded": _("超过年度交易限值"),
    "postal": _("行邮税"), "postal_exempt": _("行邮税 50 元以下免征"),
}


def _label(name: str) -> str:
    return str(Declaration._meta.get_field(name).verbose_name)


def exception_rank():
    """0..4 for the exception states in EXCEPTION_ORDER, 5 for the rest (the console sorts on it)."""
    return Case(*[When(status=state, then=Value(index)) for index, state in enumerate(EXCEPTION_ORDER)],
                default=Value(len(EXCEPTION_ORDER)), output_field=IntegerField())


def list_console_declarations(*, user, status: str = "", store_id: int | None = None, q: str = "",
                              date_from: datetime.date | None = None, date_to: datetime.date | None = None,
                              finding: str = "", exceptions: bool = False) -> QuerySet:
    """List the declarations of the caller's stores, exceptions first (EXCEPTION_ORDER), then newest.

    Filters: state, store, q (declaration, order, platform order, waybill or list number), declaration
    dates, a pre-check finding code, exceptions only. The page's findings are prefetched (one query).
    """
    rows = (Declaration.objects.filter(store__in=visible_stores(user)).select_related("store", "order")
            .prefetch_related("findings"))
    if status:
        rows = rows.filter(status=status)
    if store_id:
        rows = rows.filter(store_id=store_id)
    if q:
        rows = rows.filter(Q(cop_no__icontains=q) | Q(order_no__icontains=q) | Q(order__code__icontains=q)
                           | Q(logistics_no__icontains=q) | Q(invt_no__icontains=q))
    if date_from:
        rows = rows.filter(decl_date__gte=date_from)
    if date_to:
        rows = rows.filter(decl_date__lte=date_to)
    if finding:
        rows = rows.filter(Exists(DeclarationFinding.objects.filter(declaration=OuterRef("pk"), code=finding)))
    if exceptions:
        rows = rows.filter(status__in=EXCEPTION_ORDER)
    return rows.annotate(exception_rank=exception_rank()).order_by("exception_rank", "-id")


def count_by_state(*, user) -> list[dict]:
    """The number of declarations in each state (caller's stores), exception states first; one query."""
    counts = dict(Declaration.objects.filter(store__in=visible_stores(user)).values_list("status")
                  .annotate(total=Count("id")).values_list("status", "total"))
    ordered = [*EXCEPTION_ORDER, *[state for state in D if state not in EXCEPTION_ORDER]]
    return [{"status": str(state), "label": DECLARATION_LABELS[state], "count": counts.get(state, 0),
             "exception": state in EXCEPTION_ORDER} for state in ordered]


def finding_codes() -> list[str]:
    """The finding codes that occur on any declaration, sorted (the console's filter choices)."""
    return sorted(DeclarationFinding.objects.values_list("code", flat=True).distinct())


def get_console_declaration(*, user, pk: int) -> Declaration | None:
    """One declaration of the caller's stores with its lines and findings, or None."""
    return (Declaration.objects.filter(store__in=visible_stores(user), pk=pk)
            .select_related("store", "order", "overridden_by").prefetch_related("lines", "findings").first())


def _value(declaration: Declaration, personal: dict, name: str):
    return personal[name] if name in personal else getattr(declaration, name)


def document_tables(declaration: Declaration, personal: dict) -> list[dict]:
    """The order, payment, waybill and list head as [{title, message_type, rows: [(label, element, value)]}]."""
    tables = []
    for title, message_type, fields in ((_("电子订单"), "CEB311", ORDER_FIELDS),
                                        (_("支付凭证"), "CEB411", PAYMENT_FIELDS),
                                        (_("电子运单"), "CEB511", WAYBILL_FIELDS),
                                        (_("进口清单表头"), "CEB621", LIST_FIELDS)):
        rows = [(_label(name), element, _value(declaration, personal, name)) for name, element in fields]
        tables.append({"title": title, "message_type": message_type, "rows": rows})
    return tables


def line_columns() -> list[tuple[str, str]]:
    """(Chinese label, XSD element) of the goods-list columns."""
    from ecerp.customs.models import DeclarationLine

    return [(str(DeclarationLine._meta.get_field(name).verbose_name), element) for name, element in LINE_FIELDS]


# long texts of the goods list that may wrap (the other columns stay on one line)
WRAPPED_LINE_FIELDS = frozenset({"item_name", "gname", "gmodel"})


def line_rows(declaration: Declaration) -> list[list[tuple]]:
    """The goods-list lines as rows of (value, wraps) in LINE_FIELDS order (lines prefetched)."""
    return [[(getattr(line, name), name in WRAPPED_LINE_FIELDS) for name, _element in LINE_FIELDS]
            for line in declaration.lines.all()]


def document_statuses(declaration: Declaration) -> list[dict]:
    """Per document: its last returnStatus and the receipt label (empty when no receipt yet)."""
    return [{"label": label, "code": getattr(declaration, field),
             "text": status_label(getattr(declaration, field), document) if getattr(declaration, field) else ""}
            for label, field, document in DOCUMENT_STATUSES]


def tax_comparison(declaration: Declaration) -> list[dict]:
    """Computed tax beside the electronic tax bill (CEB816): duty, VAT, consumption tax and total."""
    bill = (declaration.tax_bill_duty, declaration.tax_bill_vat, declaration.tax_bill_consumption_tax)
    has_bill = any(value is not None for value in bill)
    rows = []
    for label, computed, billed in ((_("关税"), declaration.computed_duty, bill[0]),
                                    (_("增值税"), declaration.computed_vat, bill[1]),
                                    (_("消费税"), declaration.computed_consumption_tax, bill[2])):
        rows.append({"label": label, "computed": computed, "bill": billed,
                     "difference": (billed - computed) if billed is not None else None})
    total_bill = sum((value for value in bill if value is not None), start=Decimal(0))
    rows.append({"label": _("合计"), "computed": declaration.computed_tax, "bill": total_bill if has_bill else None,
                 "difference": (total_bill - declaration.computed_tax) if has_bill else None})
    return rows


def tax_notes(declaration: Declaration) -> dict:
    """The tax basis and the tax-bill status in words."""
    basis = declaration.tax_basis
    return {"basis": str(TAX_BASIS_LABELS.get(basis, basis)),
            "bill_status": status_label(declaration.tax_bill_status, "tax") if declaration.tax_bill_status else ""}


def declaration_messages(declaration: Declaration) -> list[CustomsMessage]:
    """The messages sent and receipts received of a declaration, oldest first."""
    return list(CustomsMessage.objects.filter(declaration=declaration).order_by("created_at", "id"))


def receipt_summaries(message: CustomsMessage) -> list[dict]:
    """The receipts of an incoming message: status code, its label, info, and whether it was applied."""
    receipts = message.decoded.get("receipts") if isinstance(message.decoded, dict) else None
    rows = [{"code": item.get("return_status", ""), "info": item.get("return_info", ""),
             "label": status_label(str(item.get("return_status", "")), item.get("document")) if item.get(
                 "return_status") else "", "applied": item.get("applied"), "document": item.get("document", "")}
            for item in receipts or []]
    for row in rows:
        # customs' own words on a refusal ("订单收货人信息与运单不一致") say more than the code's label
        # ("处理异常：申报清单处理异常"): the pages show them beside it
        failed = bool(row["code"]) and row["document"] not in ("tax", "tax_status") and is_failure(str(row["code"]))
        row["reason"] = row["info"] if failed and row["info"] and row["info"] not in row["label"] else ""
    return rows


def timeline(declaration: Declaration, messages: list[CustomsMessage]) -> list[dict]:
    """State moves (with labels, who and why) and messages of a declaration, in time order."""
    events = []
    for row in (StateHistory.objects.filter(model="customs.declaration", object_id=str(declaration.pk))
                .select_related("user").order_by("at", "id")):
        events.append({"at": row.at, "kind": "state", "user": row.user.username if row.user_id else "",
                       "text": f"{DECLARATION_LABELS.get(row.from_state, row.from_state or '—')} → "
                               f"{DECLARATION_LABELS.get(row.to_state, row.to_state)}",
                       "note": row.reason})
    for message in messages:
        receipts = receipt_summaries(message)
        note = "; ".join(f"{item['code']} {item['label']}" + (f" ({item['reason']})" if item["reason"] else "")
                         for item in receipts)
        events.append({"at": message.created_at, "kind": message.direction, "user": "",
                       "text": f"{message.message_type} {message.get_status_display()}", "note": note,
                       "message_id": message.pk})
    return sorted(events, key=lambda event: event["at"])


def list_log_messages(*, user, direction: str = "", message_type: str = "", status: str = "", q: str = "",
                      date_from: datetime.date | None = None, date_to: datetime.date | None = None) -> QuerySet:
    """List every message and receipt, newest first: those of the caller's stores' declarations and those
    matched to no declaration (format errors, unknown receipts). q: declaration, order or list number, guid."""
    rows = (CustomsMessage.objects.filter(Q(declaration__isnull=True) | Q(declaration__store__in=visible_stores(user)))
            .select_related("declaration").defer("raw"))
    if direction:
        rows = rows.filter(direction=direction)
    if message_type:
        rows = rows.filter(message_type=message_type)
    if status:
        rows = rows.filter(status=status)
    if q:
        rows = rows.filter(Q(declaration__cop_no__icontains=q) | Q(declaration__order_no__icontains=q)
                           | Q(declaration__invt_no__icontains=q) | Q(guid__icontains=q))
    if date_from:
        rows = rows.filter(created_at__date__gte=date_from)
    if date_to:
        rows = rows.filter(created_at__date__lte=date_to)
    return rows.order_by("-id")


def message_types() -> list[str]:
    """The message types in the log, sorted (the log's filter choices)."""
    return sorted(CustomsMessage.objects.values_list("message_type", flat=True).distinct())


def get_log_message(*, user, pk: int) -> CustomsMessage | None:
    """One logged message the caller may see (its declaration in the caller's stores, or none), or None."""
    return (CustomsMessage.objects.filter(Q(declaration__isnull=True) | Q(declaration__store__in=visible_stores(user)))
            .select_related("declaration").filter(pk=pk).first())


@dataclass(frozen=True)
class ReadableXml:
    """The raw message made readable: the pretty-printed XML, and the inner CEB message of a DXP envelope."""

    text: str
    inner: str = ""


def _pretty(raw: bytes) -> str:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True, huge_tree=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError:
        return raw.decode("utf-8", errors="replace")
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def readable_xml(raw: bytes) -> ReadableXml:
    """The message's XML pretty-printed (unparseable bytes shown as text); a DXP envelope also unwrapped."""
    raw = bytes(raw)
    inner = ""
    if b"DxpMsg" in raw[:400]:
        from ecerp.customs.dxp import unwrap

        try:
            inner = _pretty(unwrap(raw).message)
        except Exception:  # noqa: BLE001 - a broken envelope is still shown as it came
            inner = ""
    return ReadableXml(text=_pretty(raw), inner=inner)


def decoded_json(message: CustomsMessage) -> str:
    """The decoded form of a message as indented JSON (keys and amounts; no personal data is decoded)."""
    return json.dumps(message.decoded or {}, ensure_ascii=False, indent=2, sort_keys=True, default=str)

"""Read side of declarations: lists with filters, one declaration, its messages and timeline, and the
JSON-ready form the API and pages show (personal data masked unless the user may see it)."""

from __future__ import annotations

import datetime

from django.db.models import Case, IntegerField, QuerySet, Value, When

from ecerp.core.crypto import mask_value
from ecerp.core.errors import NotFound
from ecerp.core.models import StateHistory
from ecerp.core.permissions import has_permission
from ecerp.customs.models import CustomsMessage, Declaration
from ecerp.customs.states import DECLARATION_EXCEPTIONS
from ecerp.masterdata.scopes import visible_stores

# personal fields of a declaration and their mask kind
PERSONAL = {
    "buyer_name": "text", "buyer_id_number": "id_number", "buyer_phone": "phone", "payer_name": "text",
    "payer_id_number": "id_number", "payer_phone": "phone", "consignee_name": "text", "consignee_phone": "phone",
    "consignee_address": "text", "waybill_consignee_name": "text", "waybill_consignee_phone": "phone",
    "waybill_consignee_address": "text",
}
PLAIN = (
    "id", "cop_no", "status", "regime", "trade_mode", "customs_code", "port_code", "order_no", "ebp_code",
    "ebp_name", "ebc_code", "ebc_name", "currency", "buyer_reg_no", "consignee_district", "pay_code", "pay_name",
    "pay_transaction_id", "logistics_code", "logistics_name", "logistics_no", "bill_no", "pack_no", "agent_code",
    "agent_name", "assure_code", "ems_no", "country", "traf_mode", "pre_no", "invt_no", "order_status",
    "payment_status", "waybill_status", "list_status", "return_info", "tax_basis", "tax_no", "tax_bill_status",
    "ent_duty_no", "override_reason", "cancel_reason", "return_reason",
)
AMOUNTS = (
    "goods_value", "freight", "insured_fee", "discount", "tax_total", "actural_paid", "amount_paid", "weight",
    "net_weight", "dutiable_value", "computed_duty", "computed_vat", "computed_consumption_tax", "computed_tax",
    "returned_value", "tax_bill_duty", "tax_bill_vat", "tax_bill_consumption_tax",
)
TIMES = ("pay_time", "checked_at", "submitted_at", "released_at", "closed_at", "overridden_at", "created_at")


def can_see_personal_data(user) -> bool:
    return has_permission(user, "masterdata.view_personal_data")


def list_declarations(*, user, status: str = "", store: str = "", q: str = "", exceptions: bool = False,
                      date_from: datetime.date | None = None, date_to: datetime.date | None = None) -> QuerySet:
    """Declarations of the caller's stores, exceptions first then newest (filters: status, store code, q on
    the declaration/order/waybill/list numbers, exceptions only, declaration dates)."""
    rows = Declaration.objects.filter(store__in=visible_stores(user)).select_related("store", "order")
    if status:
        rows = rows.filter(status=status)
    if store:
        rows = rows.filter(store__code=store)
    if q:
        q = q.strip()
        rows = rows.filter(cop_no__icontains=q) | rows.filter(order_no__icontains=q) | rows.filter(
            logistics_no__icontains=q) | rows.filter(invt_no__icontains=q) | rows.filter(order__code__icontains=q)
    if exceptions:
        rows = rows.filter(status__in=DECLARATION_EXCEPTIONS)
    if date_from:
        rows = rows.filter(decl_date__gte=date_from)
    if date_to:
        rows = rows.filter(decl_date__lte=date_to)
    first = Case(When(status__in=DECLARATION_EXCEPTIONS, then=Value(0)), default=Value(1), output_field=IntegerField())
    return rows.annotate(exception_first=first).order_by("exception_first", "-id")


def get_declaration(*, user, pk: int) -> Declaration:
    """One declaration of the caller's stores (NotFound otherwise), lines and findings loaded."""
    declaration = (Declaration.objects.filter(store__in=visible_stores(user), pk=pk)
                   .select_related("store", "order", "overridden_by")
                   .prefetch_related("lines", "findings").first())
    if declaration is None:
        raise NotFound("申报单", pk)
    return declaration


def get_declaration_of_order(*, user, order_id: int) -> Declaration | None:
    return Declaration.objects.filter(store__in=visible_stores(user), order_id=order_id).first()


def list_messages(*, declaration: Declaration) -> QuerySet:
    """The messages sent and receipts received of a declaration, oldest first."""
    return CustomsMessage.objects.filter(declaration=declaration).order_by("id")


def timeline(declaration: Declaration) -> list[dict]:
    """State moves and messages of a declaration in time order: {at, kind, text}."""
    events = [{"at": row.at, "kind": "state", "text": f"{row.from_state} -> {row.to_state}", "reason": row.reason,
               "user": row.user.username if row.user_id else ""}
              for row in StateHistory.objects.filter(model="customs.declaration", object_id=str(declaration.pk))
              .select_related("user")]
    for message in list_messages(declaration=declaration):
        text = message.message_type
        receipts = message.decoded.get("receipts") if isinstance(message.decoded, dict) else None
        if receipts:
            text += " " + ", ".join(f"{item.get('return_status')} {item.get('return_info', '')}".strip()
                                    for item in receipts)
        events.append({"at": message.created_at, "kind": message.direction, "text": text, "reason": "",
                       "user": ""})
    return sorted(events, key=lambda event: event["at"])


def personal(user, declaration: Declaration) -> dict:
    """The personal fields in full for users allowed to see personal data, masked otherwise."""
    full = can_see_personal_data(user)
    return {name: getattr(declaration, name) if full else mask_value(getattr(declaration, name), kind)
            for name, kind in PERSONAL.items()}


def finding_dict(finding) -> dict:
    return {"code": finding.code, "field": finding.field, "message": finding.message,
            "overridden": finding.overridden}


def line_dict(line) -> dict:
    return {
        "gnum": line.gnum, "item_no": line.item_no, "item_name": line.item_name, "gcode": line.gcode,
        "gname": line.gname, "gmodel": line.gmodel, "bar_code": line.bar_code, "unit": line.unit, "qty": line.qty,
        "unit1": line.unit1, "qty1": str(line.qty1), "unit2": line.unit2,
        "qty2": str(line.qty2) if line.qty2 is not None else None, "price": str(line.price),
        "total_price": str(line.total_price), "country": line.country, "dutiable_value": str(line.dutiable_value),
        "customs_duty": str(line.customs_duty), "vat": str(line.vat), "consumption_tax": str(line.consumption_tax),
        "returned_qty": line.returned_qty,
    }


def declaration_dict(declaration: Declaration, *, user, detail: bool = True) -> dict:
    """The declaration as JSON-ready data: amounts as decimal strings, personal data masked unless allowed."""
    data = {name: getattr(declaration, name) for name in PLAIN}
    data.update({name: (str(value) if (value := getattr(declaration, name)) is not None else None)
                 for name in AMOUNTS})
    data.update({name: getattr(declaration, name) for name in TIMES})
    data.update(personal(user, declaration))
    data.update({"order_id": declaration.order_id, "order_code": declaration.order.code,
                 "store": declaration.store.code, "decl_date": declaration.decl_date,
                 "status_label": declaration.status_label,
                 "overridden_by": declaration.overridden_by.username if declaration.overridden_by_id else ""})
    if detail:
        data["lines"] = [line_dict(line) for line in declaration.lines.all()]
        data["findings"] = [finding_dict(finding) for finding in declaration.findings.all()]
    return data


def message_dict(message: CustomsMessage, *, raw: bool = False) -> dict:
    """A logged message: type, direction, status and decoded form; raw (the verbatim XML) on request."""
    data = {"id": message.id, "direction": message.direction, "message_type": message.message_type,
            "guid": message.guid, "status": message.status, "attempts": message.attempts,
            "last_error": message.last_error, "source": message.source, "sha256": message.sha256,
            "decoded": message.decoded, "created_at": message.created_at, "sent_at": message.sent_at,
            "declaration_id": message.declaration_id}
    if raw:
        data["raw"] = bytes(message.raw).decode("utf-8", errors="replace")
    return data

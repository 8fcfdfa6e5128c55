"""Customs API: declarations (list, detail, create, recheck, override, submit, cancel, return, messages) and
the quote. Thin: writes go through ecerp.customs.services.declarations, reads through
ecerp.customs.queries_declarations. Personal data is masked unless the caller may see it; amounts are
decimal strings; errors are {"errors": [{field, code, message}]}."""

import datetime
import json

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from ecerp.core.api import ErrorsOut, Pagination
from ecerp.core.errors import NotFound
from ecerp.core.permissions import api_permission
from ecerp.customs import queries_declarations as queries
from ecerp.customs.errors import CustomsError, CustomsInvalid
from ecerp.customs.services import declarations as services
from ecerp.customs.services.quote import quote as run_quote
from ecerp.sales import queries as sales_queries

router = Router(tags=["customs"])
WRITE_ERRORS = {400: ErrorsOut, 403: ErrorsOut, 404: ErrorsOut, 409: ErrorsOut}


class FindingOut(Schema):
    code: str
    field: str
    message: str
    overridden: bool = False


class DeclarationLineOut(Schema):
    gnum: int
    item_no: str
    item_name: str
    gcode: str
    gname: str
    gmodel: str
    bar_code: str
    unit: str
    qty: int
    unit1: str
    qty1: str
    unit2: str
    qty2: str | None
    price: str
    total_price: str
    country: str
    dutiable_value: str
    customs_duty: str
    vat: str
    consumption_tax: str
    returned_qty: int


class DeclarationOut(Schema):
    id: int
    cop_no: str
    status: str
    status_label: str
    order_id: int
    order_code: str
    store: str
    regime: str
    trade_mode: str
    customs_code: str
    port_code: str
    decl_date: datetime.date
    order_no: str
    ebp_code: str
    ebc_code: str
    goods_value: str
    freight: str
    insured_fee: str
    discount: str
    tax_total: str
    actural_paid: str
    amount_paid: str
    currency: str
    buyer_name: str = Field(..., description="masked unless the caller may see personal data")
    buyer_id_number: str = Field(..., description="masked unless the caller may see personal data")
    buyer_phone: str
    payer_name: str
    payer_id_number: str
    consignee_name: str
    consignee_phone: str
    consignee_address: str
    waybill_consignee_name: str
    waybill_consignee_phone: str
    waybill_consignee_address: str
    pay_code: str
    pay_transaction_id: str
    logistics_code: str
    logistics_no: str
    pre_no: str
    invt_no: str
    order_status: str
    payment_status: str
    waybill_status: str
    list_status: str
    return_info: str
    tax_basis: str
    dutiable_value: str
    computed_duty: str
    computed_vat: str
    computed_consumption_tax: str
    computed_tax: str
    returned_value: str
    tax_no: str
    tax_bill_duty: str | None
    tax_bill_vat: str | None
    tax_bill_consumption_tax: str | None
    tax_bill_status: str
    override_reason: str
    overridden_by: str
    overridden_at: datetime.datetime | None
    submitted_at: datetime.datetime | None
    released_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    created_at: datetime.datetime
    lines: list[DeclarationLineOut] = []
    findings: list[FindingOut] = []


class MessageOut(Schema):
    id: int
    direction: str
    message_type: str
    guid: str
    status: str
    attempts: int
    last_error: str
    source: str
    sha256: str
    decoded: dict
    created_at: datetime.datetime
    sent_at: datetime.datetime | None
    declaration_id: int | None
    raw: str | None = Field(None, description="the verbatim XML, only for callers who may see personal data")


class TaxLineOut(Schema):
    sku: str
    dutiable_value: str
    customs_duty: str
    vat: str
    consumption_tax: str


class TaxOut(Schema):
    regime: str
    dutiable_value: str
    customs_duty: str
    vat: str
    consumption_tax: str
    total: str
    lines: list[TaxLineOut]


class QuoteFindingOut(Schema):
    code: str
    field: str
    message: str


class QuoteOut(Schema):
    findings: list[QuoteFindingOut]
    tax: TaxOut | None


class DeclarationFilter(Schema):
    status: str = ""
    store: str = Field("", description="store code")
    q: str = Field("", description="declaration, order, waybill or list number contains")
    exceptions: bool = Field(False, description="only pre-check failures, rejections, review, inspection, detention")
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


class IdentityIn(Schema):
    # a misspelt field is refused by name instead of being dropped silently (the change would be lost)
    model_config = {"extra": "forbid"}

    buyer_name: str | None = None
    buyer_id_number: str | None = None
    buyer_phone: str | None = None
    buyer_reg_no: str | None = None
    payer_name: str | None = None
    payer_id_number: str | None = None
    payer_phone: str | None = None
    pay_transaction_id: str | None = None
    pay_time: str | None = Field(None, description="ISO date-time")
    amount_paid: str | None = None
    tax_total: str | None = Field(None, description="tax withheld by the platform (default: the computed tax)")
    actural_paid: str | None = None
    insured_fee: str | None = None
    freight: str | None = None
    discount: str | None = None
    logistics_no: str | None = None
    bill_no: str | None = None
    weight: str | None = None
    net_weight: str | None = None
    decl_date: str | None = Field(None, description="YYYY-MM-DD (default: today)")
    pack_no: int | None = None
    consignee_district: str | None = None
    waybill_consignee_name: str | None = None
    waybill_consignee_phone: str | None = None
    waybill_consignee_address: str | None = None


class DeclarationIn(IdentityIn):
    order_id: int


class ReasonIn(Schema):
    reason: str = ""


class ReturnLineIn(Schema):
    gnum: int
    quantity: int


class ReturnIn(Schema):
    lines: list[ReturnLineIn] = []
    reason: str = ""


def _identity(payload: IdentityIn) -> dict:
    return {key: value for key, value in payload.dict(exclude={"order_id"}).items() if value is not None}


def _answer(request, pk: int) -> dict:
    return queries.declaration_dict(queries.get_declaration(user=request.user, pk=pk), user=request.user)


def _declaration(request, pk: int):
    return queries.get_declaration(user=request.user, pk=pk)


@router.get("/declarations", response=list[DeclarationOut])
@paginate(Pagination)
@api_permission("customs.view_declaration")
def list_declarations(request: HttpRequest, filters: Query[DeclarationFilter]):
    """Declarations of the caller's stores, exceptions first then newest (personal data masked unless allowed)."""
    rows = queries.list_declarations(user=request.user, **filters.dict())
    return [queries.declaration_dict(row, user=request.user, detail=False) for row in rows]


@router.get("/declarations/{declaration_id}", response={200: DeclarationOut, 404: ErrorsOut})
@api_permission("customs.view_declaration")
def get_declaration(request: HttpRequest, declaration_id: int):
    """One declaration with its lines and pre-check findings."""
    return _answer(request, declaration_id)


@router.post("/declarations", response={200: DeclarationOut, 201: DeclarationOut, **WRITE_ERRORS})
@api_permission("customs.add_declaration")
def create_declaration(request: HttpRequest, payload: DeclarationIn):
    """Create (201) and pre-check the declaration of a cross-border order; an existing one is answered (200).

    The body carries the identity the order lacks (buyer's real name, ID number, phone; payer; payment;
    waybill). Errors: NO_CUSTOMS_CHANNEL, ORDER_LINE_UNMAPPED, QUOTE_INVALID (a bad value, naming the field).
    """
    try:
        order = sales_queries.get_order(user=request.user, pk=payload.order_id)
    except NotFound as error:
        error.details[0].field = "order_id"
        raise
    existed = queries.get_declaration_of_order(user=request.user, order_id=order.pk) is not None
    declaration = services.create_declarations(user=request.user, orders=[order],
                                               identities={order.pk: _identity(payload)})[0]
    return Status(200 if existed else 201, _answer(request, declaration.pk))


@router.patch("/declarations/{declaration_id}", response={200: DeclarationOut, **WRITE_ERRORS})
@api_permission("customs.change_declaration")
def update_declaration(request: HttpRequest, declaration_id: int, payload: IdentityIn):
    """Correct identity, payment or waybill fields before submission, then pre-check again."""
    services.update_identity(user=request.user, declaration=_declaration(request, declaration_id),
                             identity=_identity(payload))
    return _answer(request, declaration_id)


@router.post("/declarations/{declaration_id}/recheck", response={200: DeclarationOut, **WRITE_ERRORS})
@api_permission("customs.change_declaration")
def recheck_declaration(request: HttpRequest, declaration_id: int):
    """Run the pre-checks again (findings replaced; state ready or precheck_failed)."""
    services.recheck_declaration(user=request.user, declaration=_declaration(request, declaration_id))
    return _answer(request, declaration_id)


@router.post("/declarations/{declaration_id}/override", response={200: DeclarationOut, **WRITE_ERRORS})
@api_permission("customs.override_declaration")
def override_declaration(request: HttpRequest, declaration_id: int, payload: ReasonIn):
    """Let failed pre-checks pass with a reason (audited): precheck_failed -> ready."""
    services.override_prechecks(user=request.user, declaration=_declaration(request, declaration_id),
                                reason=payload.reason)
    return _answer(request, declaration_id)


@router.post("/declarations/{declaration_id}/submit", response={200: DeclarationOut, **WRITE_ERRORS})
@api_permission("customs.submit_declaration")
def submit_declaration(request: HttpRequest, declaration_id: int):
    """Build, sign and queue the order, payment, waybill and list messages of a ready declaration."""
    services.submit_declaration(user=request.user, declaration=_declaration(request, declaration_id))
    return _answer(request, declaration_id)


@router.post("/declarations/{declaration_id}/cancel", response={200: DeclarationOut, **WRITE_ERRORS})
@api_permission("customs.submit_declaration")
def cancel_declaration(request: HttpRequest, declaration_id: int, payload: ReasonIn):
    """Ask customs to cancel the list (CEB623); the declaration waits in cancelling for CEB624."""
    services.request_cancel(user=request.user, declaration=_declaration(request, declaration_id),
                            reason=payload.reason)
    return _answer(request, declaration_id)


@router.post("/declarations/{declaration_id}/return", response={200: DeclarationOut, **WRITE_ERRORS})
@api_permission("customs.submit_declaration")
def return_declaration(request: HttpRequest, declaration_id: int, payload: ReturnIn):
    """Ask customs to accept a return of released goods (CEB625), lines by gnum and quantity."""
    services.request_return(user=request.user, declaration=_declaration(request, declaration_id),
                            lines=[(line.gnum, line.quantity) for line in payload.lines], reason=payload.reason)
    return _answer(request, declaration_id)


@router.get("/declarations/{declaration_id}/messages", response={200: list[MessageOut], 404: ErrorsOut})
@api_permission("customs.view_declaration")
def declaration_messages(request: HttpRequest, declaration_id: int):
    """The messages sent and receipts received of a declaration, oldest first (raw XML only for users who may
    see personal data: the messages carry it)."""
    declaration = _declaration(request, declaration_id)
    raw = queries.can_see_personal_data(request.user)
    return [queries.message_dict(message, raw=raw) for message in queries.list_messages(declaration=declaration)]


QUOTE_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "description": "the normalised order schema plus the customs keys (docs/customs.md, Quote)",
    "required": ["lines"], "properties": {
        "store": {"type": "string"}, "regime": {"type": "string", "enum": ["comprehensive", "postal"]},
        "decl_date": {"type": "string", "format": "date"}, "lines": {"type": "array", "items": {"type": "object"}},
        "freight": {"type": "string"}, "insured_fee": {"type": "string"}, "discount": {"type": "string"},
        "tax_total": {"type": "string"}, "buyer_name": {"type": "string"}, "buyer_id_number": {"type": "string"},
        "annual_used": {"type": "string"}}}}}}}


@router.post("/quote", response={200: QuoteOut, 400: ErrorsOut, 403: ErrorsOut}, openapi_extra=QUOTE_BODY)
@api_permission("customs.view_declaration")
def quote(request: HttpRequest):
    """Pre-check and tax one order without saving anything (input schema: docs/customs.md "Quote").

    Answers {"findings": [{code, field, message}], "tax": {regime, dutiable_value, customs_duty, vat,
    consumption_tax, total, lines: [...]}}; a bad field is a 400 QUOTE_INVALID naming it.
    """
    try:
        payload = json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CustomsInvalid(CustomsError.QUOTE_INVALID, _("请求体不是合法的 JSON：%(reason)s"), field="",
                             reason=str(error)) from None
    return run_quote(payload)

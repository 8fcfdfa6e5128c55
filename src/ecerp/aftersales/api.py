"""After-sales API under /api/aftersales/: list, read and open cases; one operation per verb.

Thin: writes go through ecerp.aftersales.services, reads through ecerp.aftersales.queries. Orders and
warehouses outside the caller's data scope are unknown to them. Amounts are decimal strings.
"""

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from ecerp.aftersales import queries, services
from ecerp.aftersales.errors import AftersalesError, AftersalesInvalid
from ecerp.core.api import ErrorsOut, Pagination
from ecerp.core.errors import NotFound
from ecerp.core.permissions import api_permission
from ecerp.masterdata.models import Product
from ecerp.masterdata.scopes import visible_warehouses
from ecerp.sales import queries as sales_queries

router = Router(tags=["aftersales"])
WRITE_ERRORS = {400: ErrorsOut, 404: ErrorsOut, 409: ErrorsOut}


class CaseLineOut(Schema):
    line_no: int
    sku_code: str
    product_code: str
    quantity: int
    unit_price: str
    refund_amount: str
    sellable_quantity: int
    damaged_quantity: int
    replacement_product_code: str


class CaseOut(Schema):
    id: int
    code: str
    type: str
    status: str
    order_id: int
    order_code: str
    store: str
    platform_refund_id: str
    reason: str
    refund_amount: str
    refunded_amount: str
    before_shipment: bool
    shipment: str
    replacement_shipment: str
    note: str
    created_at: datetime.datetime
    received_at: datetime.datetime | None
    refunded_at: datetime.datetime | None
    lines: list[CaseLineOut] = []


class CaseFilter(Schema):
    type: str = ""
    status: str = ""
    store: str = Field("", description="store code")
    order_id: int | None = None
    q: str = Field("", description="case code, order code, platform order number or refund id contains")
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


class CaseLineIn(Schema):
    line_no: int
    quantity: int
    refund_amount: str | None = None
    replacement_product_code: str = Field("", description="exchange: the product sent instead (default: same)")


class CaseIn(Schema):
    order_id: int
    type: str = Field(..., description="refund_only, return_refund, exchange or intercept")
    lines: list[CaseLineIn] = Field([], description="order lines (an intercept without lines takes the order)")
    refund_amount: str | None = Field(None, description="default: the lines' refunds")
    reason: str = ""
    platform_refund_id: str = Field("", description="the platform's refund id: the same id is the same case")


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str = ""


class ReceiveLineIn(Schema):
    line_no: int
    sellable: int = 0
    damaged: int = 0


class ReceiveIn(Schema):
    lines: list[ReceiveLineIn] = []
    warehouse_code: str = Field("", description="sellable units go here (default: the parcel's warehouse)")
    damaged_warehouse_code: str = Field("", description="a defective warehouse (default: the first active one)")
    note: str = ""


class ReshipIn(Schema):
    warehouse_code: str = Field("", description="default: the original parcel's warehouse")


def case_dict(case) -> dict:
    data = {name: getattr(case, name) for name in (
        "id", "code", "type", "status", "order_id", "platform_refund_id", "reason", "before_shipment", "note",
        "created_at", "received_at", "refunded_at")}
    data.update({
        "order_code": case.order.code, "store": case.store.code, "refund_amount": str(case.refund_amount),
        "refunded_amount": str(case.refunded_amount),
        "shipment": case.shipment.code if case.shipment_id else "",
        "replacement_shipment": case.replacement_shipment.code if case.replacement_shipment_id else "",
        "lines": [{
            "line_no": line.order_line.line_no, "sku_code": line.order_line.sku_code,
            "product_code": line.order_line.product.code if line.order_line.product_id else "",
            "quantity": line.quantity, "unit_price": str(line.order_line.unit_price),
            "refund_amount": str(line.refund_amount), "sellable_quantity": line.sellable_quantity,
            "damaged_quantity": line.damaged_quantity,
            "replacement_product_code": line.replacement_product.code if line.replacement_product_id else "",
        } for line in case.lines.all()],
    })
    return data


def _warehouse(user, code: str, field: str):
    if not code:
        return None
    warehouse = visible_warehouses(user).filter(code=code.strip()).first()
    if warehouse is None:
        raise AftersalesInvalid(AftersalesError.UNKNOWN_WAREHOUSE, _("仓库「%(code)s」不存在"), field=field, code=code)
    return warehouse


def _product(code: str, index: int):
    if not code:
        return None
    product = Product.objects.filter(code=code.strip()).first()
    if product is None:
        raise AftersalesInvalid(AftersalesError.UNKNOWN_LINE, _("商品「%(code)s」不存在"),
                                field=f"lines.{index + 1}.replacement_product_code", code=code)
    return product


def _answer(request, case_id: int) -> dict:
    return case_dict(queries.get_case(user=request.user, pk=case_id))


@router.get("/cases", response=list[CaseOut])
@paginate(Pagination)
@api_permission("aftersales.view_aftersalescase")
def list_cases(request: HttpRequest, filters: Query[CaseFilter]):
    """Cases of the caller's stores, newest first (filters: type, status, store, order_id, q, dates)."""
    cases = queries.list_cases(user=request.user, **filters.dict()).select_related(
        "shipment", "replacement_shipment").prefetch_related("lines__order_line__product",
                                                             "lines__replacement_product")
    return [case_dict(case) for case in cases]


@router.get("/cases/{case_id}", response={200: CaseOut, 404: ErrorsOut})
@api_permission("aftersales.view_aftersalescase")
def get_case(request: HttpRequest, case_id: int):
    """One case with its lines."""
    return _answer(request, case_id)


@router.post("/cases", response={200: CaseOut, 201: CaseOut, **WRITE_ERRORS})
@api_permission("aftersales.add_aftersalescase")
def create_case(request: HttpRequest, payload: CaseIn):
    """Open a case on an order (201); the same platform_refund_id of the store answers the existing case (200).

    Errors name their field: UNKNOWN_TYPE, NO_LINES, UNKNOWN_LINE, INVALID_QUANTITY, INVALID_AMOUNT,
    OVER_REFUND (refund_amount), OVER_RETURN (lines.<n>.quantity),
    ORDER_NOT_SHIPPED / ORDER_NOT_REFUNDABLE / NO_SHIPMENT / REFUND_ID_TAKEN (409).
    """
    try:
        order = sales_queries.get_order(user=request.user, pk=payload.order_id)
    except NotFound as error:
        error.details[0].field = "order_id"
        raise
    lines = [services.CaseLineInput(line_no=line.line_no, quantity=line.quantity, refund_amount=line.refund_amount,
                                    replacement_product=_product(line.replacement_product_code, index))
             for index, line in enumerate(payload.lines)]
    known = bool(payload.platform_refund_id.strip()) and order.aftersales_cases.filter(
        platform_refund_id=payload.platform_refund_id.strip()).exists()
    case = services.create_case(user=request.user, order=order, type=payload.type, lines=lines,
                                refund_amount=payload.refund_amount, reason=payload.reason,
                                platform_refund_id=payload.platform_refund_id)
    return Status(200 if known else 201, _answer(request, case.pk))


@router.post("/cases/{case_id}/approve", response={200: CaseOut, **WRITE_ERRORS})
@api_permission("aftersales.approve_refund")
def approve_case(request: HttpRequest, case_id: int, payload: NoteIn):
    """Agree to a case (requested -> approved); a refund-only case before shipment cancels the order or its units."""
    services.approve_case(user=request.user, case=queries.get_case(user=request.user, pk=case_id),
                          note=payload.note)
    return _answer(request, case_id)


@router.post("/cases/{case_id}/reject", response={200: CaseOut, **WRITE_ERRORS})
@api_permission("aftersales.approve_refund")
def reject_case(request: HttpRequest, case_id: int, payload: ReasonIn):
    """Refuse a requested case (reason required)."""
    services.reject_case(user=request.user, case=queries.get_case(user=request.user, pk=case_id),
                         reason=payload.reason)
    return _answer(request, case_id)


@router.post("/cases/{case_id}/cancel", response={200: CaseOut, **WRITE_ERRORS})
@api_permission("aftersales.change_aftersalescase")
def cancel_case(request: HttpRequest, case_id: int, payload: ReasonIn):
    """Withdraw a case before goods or money moved (reason required)."""
    services.cancel_case(user=request.user, case=queries.get_case(user=request.user, pk=case_id),
                         reason=payload.reason)
    return _answer(request, case_id)


@router.post("/cases/{case_id}/receive", response={200: CaseOut, **WRITE_ERRORS})
@api_permission("aftersales.receive_return")
def receive_case(request: HttpRequest, case_id: int, payload: ReceiveIn):
    """Receive and inspect the returned goods: sellable back to stock, damaged into a defective warehouse."""
    case = queries.get_case(user=request.user, pk=case_id)
    services.receive_return(
        user=request.user, case=case, note=payload.note,
        lines=[services.ReceiveLineInput(line.line_no, line.sellable, line.damaged) for line in payload.lines],
        warehouse=_warehouse(request.user, payload.warehouse_code, "warehouse_code"),
        damaged_warehouse=_warehouse(request.user, payload.damaged_warehouse_code, "damaged_warehouse_code"))
    return _answer(request, case_id)


@router.post("/cases/{case_id}/refund", response={200: CaseOut, **WRITE_ERRORS})
@api_permission("aftersales.approve_refund")
def refund_case(request: HttpRequest, case_id: int, payload: NoteIn):
    """Record the refund of the case's amount (OVER_REFUND 409 past what was paid)."""
    services.refund_case(user=request.user, case=queries.get_case(user=request.user, pk=case_id),
                         note=payload.note)
    return _answer(request, case_id)


@router.post("/cases/{case_id}/intercept", response={200: CaseOut, **WRITE_ERRORS})
@api_permission("aftersales.change_aftersalescase")
def intercept_case(request: HttpRequest, case_id: int):
    """Ask the carrier to stop the parcel (intercepting, or failed with the carrier's answer)."""
    services.intercept_case(user=request.user, case=queries.get_case(user=request.user, pk=case_id))
    return _answer(request, case_id)


@router.post("/cases/{case_id}/intercept-return", response={200: CaseOut, **WRITE_ERRORS})
@api_permission("aftersales.receive_return")
def intercept_return(request: HttpRequest, case_id: int):
    """The intercepted parcel is back in the warehouse: its goods are received again."""
    services.record_intercept_return(user=request.user, case=queries.get_case(user=request.user, pk=case_id))
    return _answer(request, case_id)


@router.post("/cases/{case_id}/reship", response={200: CaseOut, **WRITE_ERRORS})
@api_permission("aftersales.change_aftersalescase")
def reship_case(request: HttpRequest, case_id: int, payload: ReshipIn):
    """Reserve the replacement goods of an exchange and create their parcel."""
    case = queries.get_case(user=request.user, pk=case_id)
    services.reship_exchange(user=request.user, case=case,
                             warehouse=_warehouse(request.user, payload.warehouse_code, "warehouse_code"))
    return _answer(request, case_id)

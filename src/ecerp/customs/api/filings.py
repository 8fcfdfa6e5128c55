"""Customs API: product filings and the reference tables (under /api/customs/).

Thin: writes go through ecerp.customs.services.filings, reads through ecerp.customs.queries. Filings are
addressed by the product's SKU code. Rates and amounts are decimal strings; rates are fractions (0.13).
"""

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from ecerp.core.api import ErrorsOut, Pagination
from ecerp.core.errors import NotFound
from ecerp.core.permissions import api_permission
from ecerp.customs import queries
from ecerp.customs.models import CrossBorderLimit, PositiveListLine, ProductFiling, ReferenceCode, TaxRate
from ecerp.customs.services import filings as services
from ecerp.masterdata.models import Product

router = Router(tags=["customs"])
WRITE_ERRORS = {400: ErrorsOut, 404: ErrorsOut, 409: ErrorsOut}


class FilingOut(Schema):
    id: int
    sku: str
    product_name: str
    hs_code: str
    gname: str
    gmodel: str
    barcode: str
    item_record_no: str
    unit: str
    unit1: str
    qty1_per_unit: str
    unit2: str
    qty2_per_unit: str | None
    origin_country: str
    vat_kind: str
    tariff_rate: str
    consumption_tax_rule: str
    consumption_tax_rate: str
    net_content: str | None
    content_unit: str
    postal_tier: int
    inspection_required: bool
    reference_price: str | None
    state: str
    version: int
    rejection_reason: str
    filing_no: str
    on_positive_list: bool = Field(..., description="the 8-digit line is on the positive list today")
    approved_at: datetime.datetime | None
    updated_at: datetime.datetime


class FilingFilter(Schema):
    state: str = ""
    hs_code: str = Field("", description="HS code prefix")
    positive: str = Field("", description="yes / no: on the positive list today")
    q: str = Field("", description="SKU, product name or declared name contains")


class FilingIn(Schema):
    # a misspelt field is refused by name instead of being dropped silently (the change would be lost)
    model_config = {"extra": "forbid"}

    sku: str
    hs_code: str | None = None
    gname: str | None = None
    gmodel: str | None = None
    barcode: str | None = None
    item_record_no: str | None = None
    unit: str | None = Field(None, description="customs unit code, e.g. 142")
    unit1: str | None = None
    qty1_per_unit: str | None = None
    unit2: str | None = None
    qty2_per_unit: str | None = None
    origin_country: str | None = Field(None, description="customs 3-digit code (116) or ISO alpha-2 (JP)")
    vat_kind: str | None = Field(None, description="standard or reduced")
    tariff_rate: str | None = None
    consumption_tax_rule: str | None = Field(None, description="none, always, cosmetics_high_end, watch_high_end")
    consumption_tax_rate: str | None = None
    net_content: str | None = None
    content_unit: str | None = Field(None, description="ml, g or piece")
    postal_tier: int | None = None
    inspection_required: bool | None = None
    reference_price: str | None = None
    filing_no: str | None = None


class ReasonIn(Schema):
    reason: str = ""


class ApproveIn(Schema):
    filing_no: str = ""


class CodeOut(Schema):
    kind: str
    code: str
    name_zh: str
    name_en: str
    alias: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    active: bool
    verified: bool


class RateOut(Schema):
    kind: str
    rate: str
    valid_from: datetime.date
    valid_to: datetime.date | None
    source: str
    verified: bool


class LimitOut(Schema):
    single_limit: str
    annual_limit: str
    valid_from: datetime.date
    valid_to: datetime.date | None
    source: str


class PositiveLineOut(Schema):
    hs_code8: str
    description: str
    note: str
    batch: str
    valid_from: datetime.date
    valid_to: datetime.date | None


def _text(value):
    return None if value is None else str(value)


def filing_dict(filing: ProductFiling, positive: set[str]) -> dict:
    data = {name: getattr(filing, name) for name in (
        "id", "hs_code", "gname", "gmodel", "barcode", "item_record_no", "unit", "unit1", "unit2", "origin_country",
        "vat_kind", "consumption_tax_rule", "content_unit", "postal_tier", "inspection_required", "state",
        "version", "rejection_reason", "filing_no", "approved_at", "updated_at")}
    data.update(sku=filing.product.code, product_name=filing.product.name,
                qty1_per_unit=str(filing.qty1_per_unit), qty2_per_unit=_text(filing.qty2_per_unit),
                tariff_rate=str(filing.tariff_rate), consumption_tax_rate=str(filing.consumption_tax_rate),
                net_content=_text(filing.net_content), reference_price=_text(filing.reference_price),
                on_positive_list=filing.hs_code[:8] in positive)
    return data


def _product(sku: str) -> Product:
    product = Product.objects.filter(code=sku.strip()).first()
    if product is None:
        raise NotFound(_("商品"), sku, field="sku")
    return product


def _filing(sku: str) -> ProductFiling:
    filing = ProductFiling.objects.select_related("product").filter(product__code=sku.strip()).first()
    if filing is None:
        raise NotFound(_("商品备案"), sku, field="sku")
    return filing


def _answer(filing: ProductFiling) -> dict:
    filing = ProductFiling.objects.select_related("product").get(pk=filing.pk)
    return filing_dict(filing, queries.positive_codes_on(datetime.date.today()))


@router.get("/filings", response=list[FilingOut])
@paginate(Pagination)
@api_permission("customs.view_productfiling")
def list_filings(request: HttpRequest, filters: Query[FilingFilter]):
    """Product filings by SKU (filters: state, hs_code prefix, positive = yes/no today, q)."""
    today = datetime.date.today()
    positive = queries.positive_codes_on(today)
    rows = queries.list_filings(state=filters.state, hs_code=filters.hs_code, positive=filters.positive,
                                search=filters.q, on_date=today)
    return [filing_dict(filing, positive) for filing in rows]


@router.get("/filings/{sku}", response={200: FilingOut, 404: ErrorsOut})
@api_permission("customs.view_productfiling")
def get_filing(request: HttpRequest, sku: str):
    """The filing of one SKU."""
    return _answer(_filing(sku))


@router.post("/filings", response={200: FilingOut, 201: FilingOut, **WRITE_ERRORS})
@api_permission("customs.change_productfiling")
def save_filing(request: HttpRequest, payload: FilingIn):
    """Create the filing of a SKU (201, starting from the product's master data) or update it (200).

    Only fields given are set. Errors name their field: INVALID_HS_CODE, UNKNOWN_REFERENCE_CODE,
    SECOND_UNIT_INCOMPLETE, CONTENT_INCOMPLETE, INVALID_RATE, INVALID_NUMBER, REQUIRED, NOT_CROSS_BORDER_PRODUCT;
    FILING_NOT_EDITABLE (409) when submitted or approved; NOT_FOUND (404) for an unknown SKU.
    """
    product = _product(payload.sku)
    existed = ProductFiling.objects.filter(product=product).exists()
    data = {key: value for key, value in payload.dict(exclude={"sku"}).items() if value is not None}
    filing = services.save_filing(user=request.user, product=product, data=data)
    return Status(200 if existed else 201, _answer(filing))


@router.post("/filings/{sku}/submit", response={200: FilingOut, **WRITE_ERRORS})
@api_permission("customs.change_productfiling")
def submit_filing(request: HttpRequest, sku: str):
    """Submit a draft filing for approval (INVALID_TRANSITION 409 from another state)."""
    return _answer(services.submit_filing(user=request.user, filing=_filing(sku)))


@router.post("/filings/{sku}/approve", response={200: FilingOut, **WRITE_ERRORS})
@api_permission("customs.approve_productfiling")
def approve_filing(request: HttpRequest, sku: str, payload: ApproveIn):
    """Approve a submitted filing, optionally with its filing number."""
    return _answer(services.approve_filing(user=request.user, filing=_filing(sku), filing_no=payload.filing_no))


@router.post("/filings/{sku}/reject", response={200: FilingOut, **WRITE_ERRORS})
@api_permission("customs.approve_productfiling")
def reject_filing(request: HttpRequest, sku: str, payload: ReasonIn):
    """Reject a submitted filing (REASON_REQUIRED without a reason)."""
    return _answer(services.reject_filing(user=request.user, filing=_filing(sku), reason=payload.reason))


@router.post("/filings/{sku}/reopen", response={200: FilingOut, **WRITE_ERRORS})
@api_permission("customs.change_productfiling")
def reopen_filing(request: HttpRequest, sku: str, payload: ReasonIn):
    """Reopen an approved filing as a new draft version (REASON_REQUIRED without a reason)."""
    return _answer(services.reopen_filing(user=request.user, filing=_filing(sku), reason=payload.reason))


@router.get("/reference/codes", response=list[CodeOut])
@api_permission("customs.view_referencecode")
def list_reference_codes(request: HttpRequest, kind: str = ""):
    """Customs codes (units, countries, currency, transport modes, districts, wrap types, trade modes)."""
    rows = ReferenceCode.objects.all()
    return list(rows.filter(kind=kind) if kind else rows)


@router.get("/reference/tax-rates", response=list[RateOut])
@api_permission("customs.view_taxrate")
def list_tax_rates(request: HttpRequest, kind: str = ""):
    """Dated tax rates (fractions) by kind and validity."""
    rows = TaxRate.objects.all()
    return [{**row, "rate": str(row["rate"])} for row in (rows.filter(kind=kind) if kind else rows).values(
        "kind", "rate", "valid_from", "valid_to", "source", "verified")]


@router.get("/reference/limits", response=list[LimitOut])
@api_permission("customs.view_crossborderlimit")
def list_limits(request: HttpRequest):
    """Dated cross-border limits (single transaction, personal annual)."""
    return [{**row, "single_limit": str(row["single_limit"]), "annual_limit": str(row["annual_limit"])}
            for row in CrossBorderLimit.objects.values("single_limit", "annual_limit", "valid_from", "valid_to",
                                                       "source")]


@router.get("/reference/positive-list", response=list[PositiveLineOut])
@api_permission("customs.view_positivelistline")
def list_positive_list(request: HttpRequest, on_date: datetime.date | None = None):
    """Positive-list lines (those valid on on_date when given)."""
    rows = PositiveListLine.objects.all()
    if on_date:
        rows = rows.filter(valid_from__lte=on_date).exclude(valid_to__lt=on_date)
    return list(rows)

"""Inventory API (/api/inventory/...): balances, movements, the movement report, in-transit goods,
bundle availability, and the documents (other receipts/issues, transfers, stocktakes) with their actions.

Thin: reads go through inventory.queries, writes through inventory.services. Ids turn into rows
here (UNKNOWN_* naming the field; warehouses outside the caller's data scope are unknown).
"""

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from ecerp.core.api import ErrorsOut, Pagination
from ecerp.core.errors import DomainError
from ecerp.core.money import COST_PLACES, parse_decimal
from ecerp.core.permissions import api_permission
from ecerp.inventory import queries, services
from ecerp.inventory.errors import InventoryError, InventoryInvalid
from ecerp.inventory.schemas import (
    BalanceFilter,
    BalanceOut,
    BundleAvailableOut,
    CountsIn,
    InTransitOut,
    MoveFilter,
    MoveOut,
    ReportFilter,
    ReportRowOut,
    StockDocumentIn,
    StockDocumentOut,
    StocktakeIn,
    StocktakeLineIn,
    StocktakeOut,
    TransferIn,
    TransferOut,
)
from ecerp.masterdata.models import Location, Product
from ecerp.masterdata.scopes import visible_warehouses

router = Router(tags=["inventory"])
WRITE_ERRORS = {400: ErrorsOut, 404: ErrorsOut, 409: ErrorsOut}


# --- input into rows ---------------------------------------------------------------------------------

def _warehouse(request, pk: int, field: str):
    warehouse = visible_warehouses(request.user).filter(pk=pk).first()
    if warehouse is None:
        raise InventoryInvalid(InventoryError.UNKNOWN_WAREHOUSE, _("仓库「%(key)s」不存在"), field=field, key=pk)
    return warehouse


def _product(product_id: int | None, sku: str | None, field: str) -> Product:
    product = None
    if product_id is not None:
        product = Product.objects.filter(pk=product_id).first()
    elif sku:
        product = Product.objects.filter(code=sku.strip()).first()
    if product is None:
        raise InventoryInvalid(InventoryError.UNKNOWN_PRODUCT, _("商品「%(key)s」不存在"), field=field,
                               key=product_id if product_id is not None else (sku or ""))
    return product


def _location(location_id: int | None, field: str) -> Location | None:
    if location_id is None:
        return None
    location = Location.objects.filter(pk=location_id).first()
    if location is None:
        raise InventoryInvalid(InventoryError.UNKNOWN_LOCATION, _("库位「%(key)s」不存在"), field=field,
                               key=location_id)
    return location


def _lines(payload_lines, *, with_cost: bool = True, with_location: bool = True) -> list[dict]:
    """Document lines from JSON; every unknown SKU or bad cost is reported at once, naming its line."""
    lines, problems = [], []
    for number, line in enumerate(payload_lines, start=1):
        try:
            data = {"product": _product(line.product_id, line.sku, f"lines.{number}.product_id"),
                    "quantity": line.quantity}
            if with_cost:
                data["unit_cost"] = parse_decimal(line.unit_cost, field=f"lines.{number}.unit_cost",
                                                  places=COST_PLACES)
            if with_location:
                data["location"] = _location(line.location_id, f"lines.{number}.location_id")
            lines.append(data)
        except DomainError as error:
            problems.extend(error.details)
    if problems:
        raise InventoryInvalid.many(problems)
    return lines


# --- reads -------------------------------------------------------------------------------------------

@router.get("/balances", response=list[BalanceOut])
@paginate(Pagination)
@api_permission("inventory.view_stockbalance")
def list_balances(request: HttpRequest, filters: Query[BalanceFilter]):
    """Stock per SKU x warehouse (on hand, reserved, available, value, moving average), inside the
    caller's warehouses. changed_since lists what changed since a time (for stock sync connectors)."""
    return queries.list_balances(user=request.user, **filters.dict())


@router.get("/moves", response=list[MoveOut])
@paginate(Pagination)
@api_permission("inventory.view_stockmove")
def list_moves(request: HttpRequest, filters: Query[MoveFilter]):
    """Stock movements (the ledger), newest first."""
    data = filters.dict()
    sku = data.pop("sku")
    if sku:
        data["product_id"] = _product(None, sku, "sku").pk
    return queries.list_moves(user=request.user, **data)


@router.get("/report", response={200: list[ReportRowOut], 400: ErrorsOut})
@api_permission("inventory.view_stockbalance")
def movement_report(request: HttpRequest, filters: Query[ReportFilter]):
    """进销存报表: opening, in, out, closing (quantity and value) per SKU x warehouse for start..end (days)."""
    return [row.as_dict() for row in queries.movement_report(user=request.user, **filters.dict())]


@router.get("/in-transit", response=list[InTransitOut])
@api_permission("inventory.view_transfer")
def list_in_transit(request: HttpRequest, warehouse_id: int | None = None):
    """Units on shipped transfers not yet received, per SKU and destination warehouse."""
    return queries.in_transit(user=request.user, warehouse_id=warehouse_id)


@router.get("/bundles/{product_id}/available", response={200: BundleAvailableOut, **WRITE_ERRORS})
@api_permission("inventory.view_stockbalance")
def bundle_available(request: HttpRequest, product_id: int, warehouse_id: int):
    """How many of a bundle a warehouse can make from its available components."""
    bundle = _product(product_id, None, "product_id")
    warehouse = _warehouse(request, warehouse_id, "warehouse_id")
    return {"product_id": bundle.pk, "warehouse_id": warehouse.pk,
            "available": services.bundle_available(bundle, warehouse)}


# --- other receipts and issues -------------------------------------------------------------------------

@router.get("/documents", response=list[StockDocumentOut])
@paginate(Pagination)
@api_permission("inventory.view_stockdocument")
def list_stock_documents(request: HttpRequest, direction: str | None = None, status: str | None = None):
    return queries.list_stock_documents(user=request.user, direction=direction, status=status)


@router.get("/documents/{document_id}", response={200: StockDocumentOut, 404: ErrorsOut})
@api_permission("inventory.view_stockdocument")
def get_stock_document(request: HttpRequest, document_id: int):
    return queries.get_stock_document(user=request.user, pk=document_id)


@router.post("/documents", response={201: StockDocumentOut, **WRITE_ERRORS})
@api_permission("inventory.add_stockdocument")
def create_stock_document(request: HttpRequest, payload: StockDocumentIn):
    """Create an other receipt (direction receipt) or other issue (issue); confirm=true posts it at once."""
    warehouse = _warehouse(request, payload.warehouse_id, "warehouse_id")
    lines = _lines(payload.lines)
    with transaction.atomic():
        document = services.create_stock_document(user=request.user, direction=payload.direction,
                                                  warehouse=warehouse, reason=payload.reason, lines=lines)
        if payload.confirm:
            document = services.confirm_stock_document(user=request.user, document=document)
    return Status(201, queries.get_stock_document(user=request.user, pk=document.pk))


@router.post("/documents/{document_id}/confirm", response={200: StockDocumentOut, **WRITE_ERRORS})
@api_permission("inventory.change_stockdocument")
def confirm_stock_document(request: HttpRequest, document_id: int):
    document = queries.get_stock_document(user=request.user, pk=document_id)
    services.confirm_stock_document(user=request.user, document=document)
    return queries.get_stock_document(user=request.user, pk=document_id)


@router.post("/documents/{document_id}/cancel", response={200: StockDocumentOut, **WRITE_ERRORS})
@api_permission("inventory.change_stockdocument")
def cancel_stock_document(request: HttpRequest, document_id: int):
    document = queries.get_stock_document(user=request.user, pk=document_id)
    services.cancel_stock_document(user=request.user, document=document)
    return queries.get_stock_document(user=request.user, pk=document_id)


# --- transfers -----------------------------------------------------------------------------------------

@router.get("/transfers", response=list[TransferOut])
@paginate(Pagination)
@api_permission("inventory.view_transfer")
def list_transfers(request: HttpRequest, status: str | None = None):
    return queries.list_transfers(user=request.user, status=status)


@router.get("/transfers/{transfer_id}", response={200: TransferOut, 404: ErrorsOut})
@api_permission("inventory.view_transfer")
def get_transfer(request: HttpRequest, transfer_id: int):
    return queries.get_transfer(user=request.user, pk=transfer_id)


@router.post("/transfers", response={201: TransferOut, **WRITE_ERRORS})
@api_permission("inventory.add_transfer")
def create_transfer(request: HttpRequest, payload: TransferIn):
    """Create a transfer between two warehouses; ship=true sends it at once (in transit)."""
    source = _warehouse(request, payload.from_warehouse_id, "from_warehouse_id")
    target = _warehouse(request, payload.to_warehouse_id, "to_warehouse_id")
    lines = _lines(payload.lines, with_cost=False, with_location=False)
    with transaction.atomic():
        transfer = services.create_transfer(user=request.user, from_warehouse=source, to_warehouse=target,
                                            reason=payload.reason, lines=lines)
        if payload.ship:
            services.ship_transfer(user=request.user, transfer=transfer)
    return Status(201, queries.get_transfer(user=request.user, pk=transfer.pk))


def _transfer_action(request, transfer_id: int, action):
    transfer = queries.get_transfer(user=request.user, pk=transfer_id)
    action(user=request.user, transfer=transfer)
    return queries.get_transfer(user=request.user, pk=transfer_id)


@router.post("/transfers/{transfer_id}/ship", response={200: TransferOut, **WRITE_ERRORS})
@api_permission("inventory.change_transfer")
def ship_transfer(request: HttpRequest, transfer_id: int):
    """The goods leave the source at its moving average and are in transit."""
    return _transfer_action(request, transfer_id, services.ship_transfer)


@router.post("/transfers/{transfer_id}/receive", response={200: TransferOut, **WRITE_ERRORS})
@api_permission("inventory.change_transfer")
def receive_transfer(request: HttpRequest, transfer_id: int):
    """The goods arrive in the destination at the value they left with."""
    return _transfer_action(request, transfer_id, services.receive_transfer)


@router.post("/transfers/{transfer_id}/cancel", response={200: TransferOut, **WRITE_ERRORS})
@api_permission("inventory.change_transfer")
def cancel_transfer(request: HttpRequest, transfer_id: int):
    return _transfer_action(request, transfer_id, services.cancel_transfer)


# --- stocktakes ----------------------------------------------------------------------------------------

@router.get("/stocktakes", response=list[StocktakeOut])
@paginate(Pagination)
@api_permission("inventory.view_stocktake")
def list_stocktakes(request: HttpRequest, status: str | None = None):
    return queries.list_stocktakes(user=request.user, status=status)


@router.get("/stocktakes/{stocktake_id}", response={200: StocktakeOut, 404: ErrorsOut})
@api_permission("inventory.view_stocktake")
def get_stocktake(request: HttpRequest, stocktake_id: int):
    return queries.get_stocktake(user=request.user, pk=stocktake_id)


@router.post("/stocktakes", response={201: StocktakeOut, **WRITE_ERRORS})
@api_permission("inventory.add_stocktake")
def create_stocktake(request: HttpRequest, payload: StocktakeIn):
    """Create a count sheet for a warehouse; start=true snapshots the book at once."""
    warehouse = _warehouse(request, payload.warehouse_id, "warehouse_id")
    with transaction.atomic():  # start=true: created and started, or nothing
        stocktake = services.create_stocktake(user=request.user, warehouse=warehouse, reason=payload.reason)
        if payload.start:
            services.start_stocktake(user=request.user, stocktake=stocktake)
    return Status(201, queries.get_stocktake(user=request.user, pk=stocktake.pk))


@router.post("/stocktakes/{stocktake_id}/lines", response={200: StocktakeOut, **WRITE_ERRORS})
@api_permission("inventory.change_stocktake")
def add_stocktake_line(request: HttpRequest, stocktake_id: int, payload: StocktakeLineIn):
    """Add a SKU to the sheet (e.g. found on the shelf but not on the book)."""
    stocktake = queries.get_stocktake(user=request.user, pk=stocktake_id)
    services.add_stocktake_line(user=request.user, stocktake=stocktake,
                                product=_product(payload.product_id, payload.sku, "product_id"),
                                location=_location(payload.location_id, "location_id"),
                                counted_quantity=payload.counted_quantity)
    return queries.get_stocktake(user=request.user, pk=stocktake_id)


@router.post("/stocktakes/{stocktake_id}/start", response={200: StocktakeOut, **WRITE_ERRORS})
@api_permission("inventory.change_stocktake")
def start_stocktake(request: HttpRequest, stocktake_id: int):
    stocktake = queries.get_stocktake(user=request.user, pk=stocktake_id)
    services.start_stocktake(user=request.user, stocktake=stocktake)
    return queries.get_stocktake(user=request.user, pk=stocktake_id)


@router.post("/stocktakes/{stocktake_id}/counts", response={200: StocktakeOut, **WRITE_ERRORS})
@api_permission("inventory.change_stocktake")
def record_counts(request: HttpRequest, stocktake_id: int, payload: CountsIn):
    """Enter counted quantities (by product_id or sku) while counting."""
    stocktake = queries.get_stocktake(user=request.user, pk=stocktake_id)
    counts = {_product(c.product_id, c.sku, f"counts.{n}.product_id").pk: c.counted_quantity
              for n, c in enumerate(payload.counts, start=1)}
    services.record_counts(user=request.user, stocktake=stocktake, counts=counts)
    return queries.get_stocktake(user=request.user, pk=stocktake_id)


@router.post("/stocktakes/{stocktake_id}/approve", response={200: StocktakeOut, **WRITE_ERRORS})
@api_permission("inventory.approve_stocktake")
def approve_stocktake(request: HttpRequest, stocktake_id: int):
    """Post the differences as stocktake gains and losses."""
    stocktake = queries.get_stocktake(user=request.user, pk=stocktake_id)
    services.approve_stocktake(user=request.user, stocktake=stocktake)
    return queries.get_stocktake(user=request.user, pk=stocktake_id)


@router.post("/stocktakes/{stocktake_id}/cancel", response={200: StocktakeOut, **WRITE_ERRORS})
@api_permission("inventory.change_stocktake")
def cancel_stocktake(request: HttpRequest, stocktake_id: int):
    stocktake = queries.get_stocktake(user=request.user, pk=stocktake_id)
    services.cancel_stocktake(user=request.user, stocktake=stocktake)
    return queries.get_stocktake(user=request.user, pk=stocktake_id)


# Fulfilment (shipments, pick waves, PDFs, available-to-sell) registers its operations on this router.
from ecerp.inventory import shipment_api  # noqa: E402, F401

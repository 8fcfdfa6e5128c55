"""Fulfilment API (/api/inventory/...): shipments (list, read, create, scan, ship, sign, cancel,
intercept, return, poll), pick waves, label / packing slip / pick list PDFs, and available-to-sell
per store for stock-sync connectors.

Registered on the inventory router (imported at the end of inventory/api.py). Thin: reads go
through shipment_queries, writes through inventory.services; consignee data is masked unless the
caller holds masterdata.view_personal_data.
"""

import datetime

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from ecerp.core.api import ErrorsOut, Pagination
from ecerp.core.errors import ErrorCode, NotFound
from ecerp.core.permissions import api_permission
from ecerp.inventory import pdf, services
from ecerp.inventory import shipment_queries as queries
from ecerp.inventory.api import WRITE_ERRORS, _product, _warehouse, router
from ecerp.inventory.errors import InventoryInvalid
from ecerp.masterdata.models import Store
from ecerp.masterdata.scopes import visible_stores


class ConsigneeOut(Schema):
    name: str
    phone: str
    address: str


class ShipmentLineOut(Schema):
    line_no: int
    product_id: int
    sku: str
    barcode: str
    name: str
    quantity: int
    scanned_quantity: int
    unit_cost: str | None = Field(None, description="moving average at shipping (decimal string)")
    value: str | None = None


class ShipmentOut(Schema):
    id: int
    code: str
    status: str
    status_label: str
    reference_type: str
    reference_id: str
    reference_code: str
    warehouse_id: int
    warehouse_code: str
    store_code: str | None
    wave_code: str | None
    carrier: str
    waybill_no: str
    consignee: ConsigneeOut
    created_at: datetime.datetime
    packed_at: datetime.datetime | None
    shipped_at: datetime.datetime | None
    signed_at: datetime.datetime | None
    lines: list[ShipmentLineOut] = []


class ShipmentFilter(Schema):
    status: str | None = None
    warehouse_id: int | None = None
    carrier: str | None = None
    wave_id: int | None = None
    q: str | None = Field(None, description="shipment, order or waybill number (part)")


class ShipmentLineIn(Schema):
    product_id: int | None = None
    sku: str | None = None
    quantity: int


class ConsigneeIn(Schema):
    name: str = ""
    phone: str = ""
    address: str = ""


class ShipmentIn(Schema):
    reference_type: str = Field(..., max_length=40, description="the source document type, e.g. sales.order")
    reference_id: str = Field(..., max_length=64)
    reference_code: str = Field("", max_length=64)
    warehouse_id: int
    store_code: str | None = None
    consignee: ConsigneeIn = ConsigneeIn()
    lines: list[ShipmentLineIn]


class ScanIn(Schema):
    barcode: str = Field(..., max_length=64)


class ScanOut(Schema):
    shipment: ShipmentOut
    sku: str
    scanned: int
    total: int
    complete: bool


class ShipIn(Schema):
    carrier: str = Field("SIM", max_length=20)


class BatchShipIn(Schema):
    shipment_ids: list[int]
    carrier: str = Field("SIM", max_length=20)


class BatchPackIn(Schema):
    shipment_ids: list[int]


class BatchShipRowOut(Schema):
    id: int
    code: str
    ok: bool
    waybill_no: str
    errors: list[dict] = []


class SignIn(Schema):
    signed_at: datetime.datetime | None = None


class ReasonIn(Schema):
    reason: str = Field("", max_length=200)


class WaveIn(Schema):
    warehouse_id: int
    shipment_ids: list[int]


class WaveLineOut(Schema):
    sequence: int
    sku: str
    name: str
    location: str | None
    quantity: int


class WaveOut(Schema):
    id: int
    code: str
    warehouse_id: int
    warehouse_code: str
    created_at: datetime.datetime
    shipments: list[str]
    lines: list[WaveLineOut]


class SellableOut(Schema):
    sku: str
    quantity: int = Field(..., description="what the store may offer on its platform")
    on_hand: int
    reserved: int
    safety_stock: int
    is_bundle: bool


class SellableListOut(Schema):
    store: str
    as_of: datetime.datetime = Field(..., description="pass as changed_since next time")
    items: list[SellableOut]


def _shipment(request, shipment_id: int):
    return queries.get_shipment(user=request.user, pk=shipment_id)


def _out(request, shipment) -> dict:
    shipment.refresh_from_db()
    return queries.shipment_dict(shipment, request.user)


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _store(request, code: str | None, field: str) -> Store | None:
    if not code:
        return None
    store = visible_stores(request.user).filter(code=code.strip()).first()
    if store is None:
        raise NotFound(str(_("店铺")), code, field=field)
    return store


# --- shipments -------------------------------------------------------------------------------------------

@router.get("/shipments", response=list[ShipmentOut])
@paginate(Pagination)
@api_permission("inventory.view_shipment")
def list_shipments(request: HttpRequest, filters: Query[ShipmentFilter]):
    """Shipments in the caller's warehouses, newest first (filters: status, warehouse, carrier, wave, q)."""
    rows = queries.list_shipments(user=request.user, **filters.dict())
    return [queries.shipment_dict(row, request.user, with_lines=False) for row in rows]


@router.get("/shipments/{shipment_id}", response={200: ShipmentOut, 404: ErrorsOut})
@api_permission("inventory.view_shipment")
def get_shipment(request: HttpRequest, shipment_id: int):
    """One shipment with its lines (scanned quantities, unit cost once shipped)."""
    return queries.shipment_dict(_shipment(request, shipment_id), request.user)


@router.post("/shipments", response={201: ShipmentOut, **WRITE_ERRORS})
@api_permission("inventory.add_shipment")
def create_shipment(request: HttpRequest, payload: ShipmentIn):
    """Create the parcel of a source document that has reserved its stock in the warehouse."""
    warehouse = _warehouse(request, payload.warehouse_id, "warehouse_id")
    lines = [(_product(line.product_id, line.sku, f"lines.{number}.product"), line.quantity)
             for number, line in enumerate(payload.lines, start=1)]
    shipment = services.create_shipment(
        user=request.user, reference_type=payload.reference_type, reference_id=payload.reference_id,
        reference_code=payload.reference_code, warehouse=warehouse, lines=lines,
        consignee=services.Consignee(**payload.consignee.dict()), store=_store(request, payload.store_code,
                                                                               "store_code"))
    return Status(201, queries.shipment_dict(shipment, request.user))


@router.post("/shipments/{shipment_id}/scan", response={200: ScanOut, **WRITE_ERRORS})
@api_permission("inventory.change_shipment")
def scan(request: HttpRequest, shipment_id: int, payload: ScanIn):
    """Scan one unit (验货): WRONG_ITEM, EXTRA_ITEM, UNKNOWN_BARCODE are refused naming the barcode."""
    shipment = _shipment(request, shipment_id)
    result = services.scan_item(user=request.user, shipment=shipment, barcode=payload.barcode)
    return {"shipment": _out(request, shipment), "sku": result.line.product.code, "scanned": result.scanned,
            "total": result.total, "complete": result.complete}


@router.post("/shipments/{shipment_id}/reset-scans", response={200: ShipmentOut, **WRITE_ERRORS})
@api_permission("inventory.change_shipment")
def reset_scans(request: HttpRequest, shipment_id: int):
    shipment = _shipment(request, shipment_id)
    services.reset_scans(user=request.user, shipment=shipment)
    return _out(request, shipment)


@router.post("/shipments/{shipment_id}/ship", response={200: ShipmentOut, **WRITE_ERRORS})
@api_permission("inventory.change_shipment")
def ship(request: HttpRequest, shipment_id: int, payload: ShipIn):
    """Ship a packed parcel with a carrier: waybill booked, reserved stock issued, ShipmentShipped."""
    shipment = services.ship_shipment(user=request.user, shipment=_shipment(request, shipment_id),
                                      carrier_code=payload.carrier)
    return _out(request, shipment)


@router.post("/shipment-batches/ship", response={200: list[BatchShipRowOut], **WRITE_ERRORS})
@api_permission("inventory.change_shipment")
def ship_batch(request: HttpRequest, payload: BatchShipIn):
    """Ship several parcels; each row says ok or carries its errors (one bad parcel never stops the rest)."""
    shipments = list(queries.list_shipments(user=request.user).filter(pk__in=payload.shipment_ids))
    missing = set(payload.shipment_ids) - {shipment.pk for shipment in shipments}
    if missing:
        raise InventoryInvalid(ErrorCode.NOT_FOUND, _("发货单「%(key)s」不存在"), field="shipment_ids",
                               key=", ".join(str(pk) for pk in sorted(missing)))
    results = services.ship_shipments(user=request.user, shipments=shipments, carrier_code=payload.carrier)
    return [{"id": r.shipment.pk, "code": r.shipment.code, "ok": r.error is None,
             "waybill_no": r.shipment.waybill_no if r.error is None else "",
             "errors": r.error.as_dict()["errors"] if r.error else []} for r in results]


@router.post("/shipment-batches/confirm-packed", response={200: list[BatchShipRowOut], **WRITE_ERRORS})
@api_permission("inventory.change_shipment")
def confirm_packed_batch(request: HttpRequest, payload: BatchPackIn):
    """Confirm parcels packed as a whole (整单验货, no unit scanning); each row says ok or carries its errors."""
    shipments = list(queries.list_shipments(user=request.user).filter(pk__in=payload.shipment_ids))
    missing = set(payload.shipment_ids) - {shipment.pk for shipment in shipments}
    if missing:
        raise InventoryInvalid(ErrorCode.NOT_FOUND, _("发货单「%(key)s」不存在"), field="shipment_ids",
                               key=", ".join(str(pk) for pk in sorted(missing)))
    results = services.confirm_packed(user=request.user, shipments=shipments)
    return [{"id": r.shipment.pk, "code": r.shipment.code, "ok": r.error is None, "waybill_no": "",
             "errors": r.error.as_dict()["errors"] if r.error else []} for r in results]


@router.post("/shipments/{shipment_id}/sign", response={200: ShipmentOut, **WRITE_ERRORS})
@api_permission("inventory.change_shipment")
def sign(request: HttpRequest, shipment_id: int, payload: SignIn):
    """Record the sign-off (签收) of a shipped parcel (a repeated call changes nothing)."""
    shipment = services.record_sign_off(user=request.user, shipment=_shipment(request, shipment_id),
                                        signed_at=payload.signed_at)
    return _out(request, shipment)


@router.post("/shipments/{shipment_id}/poll", response={200: ShipmentOut, **WRITE_ERRORS})
@api_permission("inventory.change_shipment")
def poll(request: HttpRequest, shipment_id: int):
    """Ask the carrier for news: signed or returned parcels move on."""
    shipment = services.poll_carrier(user=request.user, shipment=_shipment(request, shipment_id))
    return _out(request, shipment)


@router.post("/shipments/{shipment_id}/cancel", response={200: ShipmentOut, **WRITE_ERRORS})
@api_permission("inventory.change_shipment")
def cancel(request: HttpRequest, shipment_id: int, payload: ReasonIn):
    """Cancel a parcel that has not shipped (the source keeps and releases its own reservation)."""
    shipment = services.cancel_shipment(user=request.user, shipment=_shipment(request, shipment_id),
                                        reason=payload.reason)
    return _out(request, shipment)


@router.post("/shipments/{shipment_id}/intercept", response={200: ShipmentOut, **WRITE_ERRORS})
@api_permission("inventory.change_shipment")
def intercept(request: HttpRequest, shipment_id: int, payload: ReasonIn):
    """Ask the carrier to stop a shipped parcel (拦截)."""
    shipment = services.intercept_shipment(user=request.user, shipment=_shipment(request, shipment_id),
                                           reason=payload.reason)
    return _out(request, shipment)


@router.post("/shipments/{shipment_id}/return", response={200: ShipmentOut, **WRITE_ERRORS})
@api_permission("inventory.change_shipment")
def record_return(request: HttpRequest, shipment_id: int):
    """The intercepted parcel is back in the warehouse: its goods are received again."""
    shipment = services.record_return(user=request.user, shipment=_shipment(request, shipment_id))
    return _out(request, shipment)


@router.get("/shipments/{shipment_id}/label.pdf", response={200: None, 404: ErrorsOut})
@api_permission("inventory.view_shipment")
def label(request: HttpRequest, shipment_id: int):
    """The shipping label (面单) as PDF; the phone is masked unless the caller may see personal data."""
    shipment = _shipment(request, shipment_id)
    return _pdf(pdf.label_pdf(shipment, reveal=queries.may_reveal(request.user)), f"{shipment.code}-label.pdf")


@router.get("/shipments/{shipment_id}/packing-slip.pdf", response={200: None, 404: ErrorsOut})
@api_permission("inventory.view_shipment")
def packing_slip(request: HttpRequest, shipment_id: int):
    """The packing slip (装箱单) as PDF."""
    shipment = _shipment(request, shipment_id)
    return _pdf(pdf.packing_slip_pdf(shipment, reveal=queries.may_reveal(request.user)), f"{shipment.code}-slip.pdf")


# --- pick waves ------------------------------------------------------------------------------------------

@router.get("/pick-waves", response=list[WaveOut])
@paginate(Pagination)
@api_permission("inventory.view_pickwave")
def list_pick_waves(request: HttpRequest, warehouse_id: int | None = None):
    return [queries.wave_dict(wave) for wave in queries.list_pick_waves(user=request.user,
                                                                        warehouse_id=warehouse_id)]


@router.get("/pick-waves/{wave_id}", response={200: WaveOut, 404: ErrorsOut})
@api_permission("inventory.view_pickwave")
def get_pick_wave(request: HttpRequest, wave_id: int):
    return queries.wave_dict(queries.get_pick_wave(user=request.user, pk=wave_id))


@router.post("/pick-waves", response={201: WaveOut, **WRITE_ERRORS})
@api_permission("inventory.add_pickwave")
def create_pick_wave(request: HttpRequest, payload: WaveIn):
    """Group waiting parcels of one warehouse into a pick wave, lines in location order."""
    warehouse = _warehouse(request, payload.warehouse_id, "warehouse_id")
    shipments = list(queries.list_shipments(user=request.user).filter(pk__in=payload.shipment_ids))
    missing = set(payload.shipment_ids) - {shipment.pk for shipment in shipments}
    if missing:
        raise InventoryInvalid(ErrorCode.NOT_FOUND, _("发货单「%(key)s」不存在"), field="shipment_ids",
                               key=", ".join(str(pk) for pk in sorted(missing)))
    wave = services.create_pick_wave(user=request.user, warehouse=warehouse, shipments=shipments)
    return Status(201, queries.wave_dict(wave))


@router.get("/pick-waves/{wave_id}/pick-list.pdf", response={200: None, 404: ErrorsOut})
@api_permission("inventory.view_pickwave")
def pick_list(request: HttpRequest, wave_id: int):
    """The pick list (拣货单) as PDF."""
    wave = queries.get_pick_wave(user=request.user, pk=wave_id)
    return _pdf(pdf.pick_list_pdf(wave), f"{wave.code}.pdf")


# --- available-to-sell -----------------------------------------------------------------------------------

@router.get("/available-to-sell", response={200: SellableListOut, **WRITE_ERRORS})
@api_permission("inventory.view_storestockpolicy")
def available_to_sell(request: HttpRequest, store: str, changed_since: datetime.datetime | None = None):
    """What a store may sell per SKU and bundle; with changed_since only what changed since then.

    Keep as_of of the answer and pass it as changed_since next time.
    """
    row = _store(request, store, "store")
    as_of = datetime.datetime.now(datetime.UTC)
    items = services.available_to_sell(row, changed_since=changed_since)
    return {"store": row.code, "as_of": as_of, "items": [item.__dict__ for item in items]}


"""Warehouses and their locations, inside the caller's data scope."""

from django.http import HttpRequest
from ninja import Router

from ecerp.masterdata import queries, services
from ecerp.masterdata.api.common import Crud
from ecerp.masterdata.errors import MasterdataError
from ecerp.masterdata.models import Location, Partner, Warehouse
from ecerp.masterdata.schemas import (
    LocationFilter,
    LocationIn,
    LocationOut,
    WarehouseFilter,
    WarehouseIn,
    WarehouseOut,
)

# --- warehouses and their locations (data scope) ---------------------------------------------------

warehouses = Router(tags=["warehouses"])


def _warehouse(request: HttpRequest, warehouse_id: int) -> Warehouse:
    return queries.get_warehouse(user=request.user, pk=warehouse_id)


Crud(
    model=Warehouse, name="warehouse", plural="warehouses", module=__name__,
    out=WarehouseOut, payload=WarehouseIn, filters=WarehouseFilter, save=services.save_warehouse,
    listing=lambda request, **filters: queries.list_warehouses(user=request.user, **filters),
    fetch=_warehouse, foreign={"operator": (Partner.objects, MasterdataError.UNKNOWN_PARTNER)},
    docs={
        "list": "Warehouses inside the caller's data scope, by code.",
        "create": "Create a warehouse (normal, bonded, overseas, third_party).",
    },
).register(warehouses)


def _locations(request: HttpRequest, warehouse_id: int, **filters):
    return queries.list_locations(user=request.user, warehouse=_warehouse(request, warehouse_id), **filters)


def _location(request: HttpRequest, warehouse_id: int, location_id: int) -> Location:
    return queries.get_location(user=request.user, warehouse=_warehouse(request, warehouse_id), pk=location_id)


Crud(
    model=Location, name="location", plural="locations", module=__name__, collection="/{warehouse_id}/locations",
    out=LocationOut, payload=LocationIn, filters=LocationFilter, save=services.save_location,
    listing=_locations, fetch=_location, parent=("warehouse", _warehouse),
    docs={
        "list": "Locations of a warehouse inside the caller's data scope, by code.",
        "create": "Add a location; its code is unique inside the warehouse (CODE_TAKEN).",
    },
).register(warehouses)

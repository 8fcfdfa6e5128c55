"""Warehouses and their locations, inside the caller's data scope."""

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from ecerp.core.api import ErrorsOut, Pagination
from ecerp.core.permissions import api_permission
from ecerp.masterdata import queries, services
from ecerp.masterdata.api.common import (
    DELETE_ERRORS,
    WRITE_ERRORS,
    created,
    deleted,
    input_data,
    resolve_foreign,
    stored,
)
from ecerp.masterdata.errors import MasterdataError
from ecerp.masterdata.models import (
    Partner,
)
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


@warehouses.get("", response=list[WarehouseOut])
@paginate(Pagination)
@api_permission("masterdata.view_warehouse")
def list_warehouses(request: HttpRequest, filters: Query[WarehouseFilter]):
    """Warehouses inside the caller's data scope, by code."""
    return queries.list_warehouses(user=request.user, **filters.dict())


@warehouses.get("/{warehouse_id}", response={200: WarehouseOut, 404: ErrorsOut})
@api_permission("masterdata.view_warehouse")
def get_warehouse(request: HttpRequest, warehouse_id: int):
    return queries.get_warehouse(user=request.user, pk=warehouse_id)


def _warehouse_data(payload) -> dict:
    data = input_data(payload)
    resolve_foreign(data, "operator", Partner.objects, MasterdataError.UNKNOWN_PARTNER)
    return data


@warehouses.post("", response={201: WarehouseOut, **WRITE_ERRORS})
@api_permission("masterdata.add_warehouse")
def create_warehouse(request: HttpRequest, payload: WarehouseIn):
    """Create a warehouse (normal, bonded, overseas, third_party)."""
    return created(services.save_warehouse(user=request.user, data=_warehouse_data(payload)))


@warehouses.patch("/{warehouse_id}", response={200: WarehouseOut, **WRITE_ERRORS})
@api_permission("masterdata.change_warehouse")
def update_warehouse(request: HttpRequest, warehouse_id: int, payload: WarehouseIn):
    warehouse = queries.get_warehouse(user=request.user, pk=warehouse_id)
    return stored(services.save_warehouse(user=request.user, data=_warehouse_data(payload), instance=warehouse))


@warehouses.delete("/{warehouse_id}", response={204: None, **DELETE_ERRORS})
@api_permission("masterdata.delete_warehouse")
def delete_warehouse(request: HttpRequest, warehouse_id: int):
    return deleted(request, queries.get_warehouse(user=request.user, pk=warehouse_id))


@warehouses.get("/{warehouse_id}/locations", response={200: list[LocationOut], 404: ErrorsOut})
@paginate(Pagination)
@api_permission("masterdata.view_location")
def list_locations(request: HttpRequest, warehouse_id: int, filters: Query[LocationFilter]):
    """Locations of a warehouse inside the caller's data scope, by code."""
    warehouse = queries.get_warehouse(user=request.user, pk=warehouse_id)
    return queries.list_locations(user=request.user, warehouse=warehouse, **filters.dict())


@warehouses.get("/{warehouse_id}/locations/{location_id}", response={200: LocationOut, 404: ErrorsOut})
@api_permission("masterdata.view_location")
def get_location(request: HttpRequest, warehouse_id: int, location_id: int):
    warehouse = queries.get_warehouse(user=request.user, pk=warehouse_id)
    return queries.get_location(user=request.user, warehouse=warehouse, pk=location_id)


@warehouses.post("/{warehouse_id}/locations", response={201: LocationOut, **WRITE_ERRORS})
@api_permission("masterdata.add_location")
def create_location(request: HttpRequest, warehouse_id: int, payload: LocationIn):
    """Add a location; its code is unique inside the warehouse (CODE_TAKEN)."""
    data = {**input_data(payload), "warehouse": queries.get_warehouse(user=request.user, pk=warehouse_id)}
    return created(services.save_location(user=request.user, data=data))


@warehouses.patch("/{warehouse_id}/locations/{location_id}", response={200: LocationOut, **WRITE_ERRORS})
@api_permission("masterdata.change_location")
def update_location(request: HttpRequest, warehouse_id: int, location_id: int, payload: LocationIn):
    warehouse = queries.get_warehouse(user=request.user, pk=warehouse_id)
    location = queries.get_location(user=request.user, warehouse=warehouse, pk=location_id)
    return stored(services.save_location(user=request.user, data=input_data(payload), instance=location))


@warehouses.delete("/{warehouse_id}/locations/{location_id}",
                   response={204: None, **DELETE_ERRORS})
@api_permission("masterdata.delete_location")
def delete_location(request: HttpRequest, warehouse_id: int, location_id: int):
    warehouse = queries.get_warehouse(user=request.user, pk=warehouse_id)
    return deleted(request, queries.get_location(user=request.user, warehouse=warehouse, pk=location_id))

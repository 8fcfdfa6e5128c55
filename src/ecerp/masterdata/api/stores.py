"""Stores (店铺), inside the caller's data scope."""

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
    StoreFilter,
    StoreIn,
    StoreOut,
)
from ecerp.masterdata.scopes import visible_warehouses

# --- stores (data scope) ---------------------------------------------------------------------------

stores = Router(tags=["stores"])


@stores.get("", response=list[StoreOut])
@paginate(Pagination)
@api_permission("masterdata.view_store")
def list_stores(request: HttpRequest, filters: Query[StoreFilter]):
    """Stores inside the caller's data scope, by code."""
    return queries.list_stores(user=request.user, **filters.dict())


@stores.get("/{store_id}", response={200: StoreOut, 404: ErrorsOut})
@api_permission("masterdata.view_store")
def get_store(request: HttpRequest, store_id: int):
    return queries.get_store(user=request.user, pk=store_id)


def _store_data(request: HttpRequest, payload) -> dict:
    data = input_data(payload)
    resolve_foreign(data, "platform_partner", Partner.objects, MasterdataError.UNKNOWN_PARTNER)
    resolve_foreign(data, "ecommerce_company", Partner.objects, MasterdataError.UNKNOWN_PARTNER)
    resolve_foreign(data, "default_warehouse", visible_warehouses(request.user), MasterdataError.UNKNOWN_WAREHOUSE)
    return data


@stores.post("", response={201: StoreOut, **WRITE_ERRORS})
@api_permission("masterdata.add_store")
def create_store(request: HttpRequest, payload: StoreIn):
    """Create a store; cross-border stores (9610, 1210) need an e-commerce company."""
    return created(services.save_store(user=request.user, data=_store_data(request, payload)))


@stores.patch("/{store_id}", response={200: StoreOut, **WRITE_ERRORS})
@api_permission("masterdata.change_store")
def update_store(request: HttpRequest, store_id: int, payload: StoreIn):
    store = queries.get_store(user=request.user, pk=store_id)
    return stored(services.save_store(user=request.user, data=_store_data(request, payload), instance=store))


@stores.delete("/{store_id}", response={204: None, **DELETE_ERRORS})
@api_permission("masterdata.delete_store")
def delete_store(request: HttpRequest, store_id: int):
    return deleted(request, queries.get_store(user=request.user, pk=store_id))

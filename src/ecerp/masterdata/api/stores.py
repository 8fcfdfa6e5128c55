"""Stores (店铺), inside the caller's data scope."""

from django.http import HttpRequest
from ninja import Router

from ecerp.masterdata import queries, services
from ecerp.masterdata.api.common import Crud, input_data, resolve_foreign
from ecerp.masterdata.errors import MasterdataError
from ecerp.masterdata.models import Partner, Store
from ecerp.masterdata.schemas import StoreFilter, StoreIn, StoreOut
from ecerp.masterdata.scopes import visible_warehouses

# --- stores (data scope) ---------------------------------------------------------------------------

stores = Router(tags=["stores"])


def _store_data(request: HttpRequest, payload) -> dict:
    data = input_data(payload)
    resolve_foreign(data, "platform_partner", Partner.objects, MasterdataError.UNKNOWN_PARTNER)
    resolve_foreign(data, "ecommerce_company", Partner.objects, MasterdataError.UNKNOWN_PARTNER)
    resolve_foreign(data, "default_warehouse", visible_warehouses(request.user), MasterdataError.UNKNOWN_WAREHOUSE)
    return data


Crud(
    model=Store, name="store", plural="stores", module=__name__,
    out=StoreOut, payload=StoreIn, filters=StoreFilter, save=services.save_store,
    listing=lambda request, **filters: queries.list_stores(user=request.user, **filters),
    fetch=lambda request, store_id: queries.get_store(user=request.user, pk=store_id), data=_store_data,
    docs={
        "list": "Stores inside the caller's data scope, by code.",
        "create": "Create a store; cross-border stores (9610, 1210) need an e-commerce company.",
    },
).register(stores)

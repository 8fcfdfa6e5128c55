"""Stores (店铺), inside the caller's data scope."""

from ninja import Router

from ecerp.masterdata import queries, services
from ecerp.masterdata.api.common import Crud
from ecerp.masterdata.errors import MasterdataError
from ecerp.masterdata.models import Partner, Store
from ecerp.masterdata.schemas import StoreFilter, StoreIn, StoreOut
from ecerp.masterdata.scopes import visible_warehouses

# --- stores (data scope) ---------------------------------------------------------------------------

stores = Router(tags=["stores"])


Crud(
    model=Store, name="store", plural="stores", module=__name__,
    out=StoreOut, payload=StoreIn, filters=StoreFilter, save=services.save_store,
    listing=lambda request, **filters: queries.list_stores(user=request.user, **filters),
    fetch=lambda request, store_id: queries.get_store(user=request.user, pk=store_id),
    foreign={
        "platform_partner": (Partner.objects, MasterdataError.UNKNOWN_PARTNER),
        "ecommerce_company": (Partner.objects, MasterdataError.UNKNOWN_PARTNER),
        "default_warehouse": (lambda request: visible_warehouses(request.user), MasterdataError.UNKNOWN_WAREHOUSE),
    },
    docs={
        "list": "Stores inside the caller's data scope, by code.",
        "create": "Create a store; cross-border stores (9610, 1210) need an e-commerce company.",
    },
).register(stores)

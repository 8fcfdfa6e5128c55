"""Master data API (/api/masterdata/...): list, get, create, update (PATCH), delete of every type.

Thin: reads go through masterdata.queries, writes through masterdata.services. The API only
turns JSON into service arguments: decimal strings into Decimal, <name>_id into rows (unknown
ids answer UNKNOWN_* naming the field). Every operation declares its permission; stores,
warehouses and locations outside the caller's data scope answer 404.
"""

from ninja import Router

from ecerp.core.api import ME_SECTIONS
from ecerp.masterdata.api import organisation, partners, products, stores, warehouses
from ecerp.masterdata.models import UserScope


def scope_section(user) -> dict:
    """The data scope of user for GET /api/me (no scope row, or a superuser: everything)."""
    scope = None if user.is_superuser else UserScope.objects.filter(user=user).first()
    if scope is None:
        return {"scope": {"all_stores": True, "all_warehouses": True, "stores": [], "warehouses": []}}
    return {"scope": {
        "all_stores": scope.all_stores,
        "all_warehouses": scope.all_warehouses,
        "stores": list(scope.stores.order_by("code").values("id", "code", "name")),
        "warehouses": list(scope.warehouses.order_by("code").values("id", "code", "name")),
    }}


ME_SECTIONS.append(scope_section)


router = Router()
router.add_router("/departments", organisation.departments)
router.add_router("/employees", organisation.employees)
router.add_router("/partners", partners.partners)
router.add_router("/categories", products.categories)
router.add_router("/products", products.products)
router.add_router("/warehouses", warehouses.warehouses)
router.add_router("/stores", stores.stores)

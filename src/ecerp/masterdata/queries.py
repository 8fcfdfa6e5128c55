"""Read-side helpers of master data for pages, API and reports.

Each list_* returns a QuerySet ordered by code with the related rows it shows already joined
(select_related / prefetch_related), so a page of results costs a fixed number of queries.
A filter left at None (or "") does not filter. Stores, warehouses and locations are limited
to the user's data scope; a get_* of a record outside it raises NotFound, as if it did not exist.
"""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet

from ecerp.core.errors import NotFound
from ecerp.masterdata.models import (
    ROLE_FIELDS,
    BundleComponent,
    Category,
    Department,
    Employee,
    Location,
    Partner,
    PartnerBankAccount,
    PartnerContact,
    Product,
    Store,
    Warehouse,
)
from ecerp.masterdata.scopes import visible_stores, visible_warehouses


def _search(queryset: QuerySet, q: str | None, *fields: str) -> QuerySet:
    text = (q or "").strip()
    if not text:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": text})
    return queryset.filter(condition)


def _flag(queryset: QuerySet, field: str, value: bool | None) -> QuerySet:
    return queryset if value is None else queryset.filter(**{field: value})


def descendant_ids(model: type[Model], root_id: int) -> list[int]:
    """Return root_id and the ids of every node below it in a parent-linked tree (one query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in model.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = [root_id]
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(children.get(node, ()))
    return sorted(found)


def get_record(model: type[Model], pk, queryset: QuerySet | None = None) -> Model:
    """Return the row of model with this primary key, or raise NotFound naming the type."""
    queryset = model.objects.all() if queryset is None else queryset
    try:
        return queryset.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise NotFound(str(model._meta.verbose_name), pk) from None


# --- departments and employees ---------------------------------------------------------------------

def list_departments(*, q: str | None = None, parent: int | None = None, active: bool | None = None) -> QuerySet:
    """Departments matching q (code, name, manager), directly under parent, active or not."""
    queryset = Department.objects.select_related("parent").order_by("code")
    queryset = _search(queryset, q, "code", "name", "manager_name")
    if parent is not None:
        queryset = queryset.filter(parent_id=parent)
    return _flag(queryset, "active", active)


def list_employees(*, q: str | None = None, department: int | None = None, status: str | None = None,
                   position: str | None = None) -> QuerySet:
    """Employees matching q (code, name, email), in department or any department below it, by status.

    ID numbers and phones are encrypted, so they cannot be searched.
    """
    queryset = Employee.objects.select_related("department").order_by("code")
    queryset = _search(queryset, q, "code", "name", "email")
    if department is not None:
        queryset = queryset.filter(department_id__in=descendant_ids(Department, department))
    if status:
        queryset = queryset.filter(status=status)
    if position:
        queryset = queryset.filter(position=position)
    return queryset


# --- partners --------------------------------------------------------------------------------------

def list_partners(*, q: str | None = None, role: str | None = None, active: bool | None = None,
                  country: str | None = None) -> QuerySet:
    """Partners matching q (code, name, short name, social credit code, customs code), holding role."""
    queryset = Partner.objects.order_by("code")
    queryset = _search(queryset, q, "code", "name", "short_name", "social_credit_code", "customs_code")
    if role:
        field = ROLE_FIELDS.get(role)
        queryset = queryset.filter(**{field: True}) if field else queryset.none()
    if country:
        queryset = queryset.filter(country=country.upper())
    return _flag(queryset, "active", active)


def list_partner_contacts(*, partner: Partner) -> QuerySet:
    """The partner's contacts, the primary one first."""
    return PartnerContact.objects.filter(partner=partner).order_by("-is_primary", "name", "pk")


def list_partner_bank_accounts(*, partner: Partner) -> QuerySet:
    """The partner's bank accounts, the default one first."""
    return PartnerBankAccount.objects.filter(partner=partner).order_by("-is_default", "bank_name", "pk")


# --- categories and products -----------------------------------------------------------------------

def list_categories(*, q: str | None = None, parent: int | None = None, level: int | None = None,
                    active: bool | None = None) -> QuerySet:
    """Categories matching q (code, name), directly under parent, at level (1 = top)."""
    queryset = Category.objects.select_related("parent").order_by("code")
    queryset = _search(queryset, q, "code", "name")
    if parent is not None:
        queryset = queryset.filter(parent_id=parent)
    if level is not None:
        queryset = queryset.filter(level=level)
    return _flag(queryset, "active", active)


def category_tree(*, active: bool | None = None) -> list[dict]:
    """Return the whole category tree as nested dicts (id, code, name, level, active, children), by code."""
    rows = list(_flag(Category.objects.order_by("code"), "active", active)
                .values("id", "code", "name", "level", "active", "parent_id"))
    nodes = {row["id"]: {**row, "children": []} for row in rows}
    roots = []
    for row in rows:
        node = nodes[row["id"]]
        parent = nodes.get(row["parent_id"])
        (parent["children"] if parent else roots).append(node)
    return roots


def list_products(*, q: str | None = None, category: int | None = None, brand: str | None = None,
                  active: bool | None = None, is_cross_border: bool | None = None,
                  is_bundle: bool | None = None) -> QuerySet:
    """Products matching q (code, name, barcode, specification), in category or any category below it."""
    queryset = Product.objects.select_related("category").order_by("code")
    queryset = _search(queryset, q, "code", "name", "barcode", "specification")
    if category is not None:
        queryset = queryset.filter(category_id__in=descendant_ids(Category, category))
    if brand:
        queryset = queryset.filter(brand__iexact=brand.strip())
    queryset = _flag(queryset, "is_cross_border", is_cross_border)
    queryset = _flag(queryset, "is_bundle", is_bundle)
    return _flag(queryset, "active", active)


def list_bundle_components(*, bundle: Product) -> QuerySet:
    """The component lines of a bundle with their products, by component code."""
    return BundleComponent.objects.filter(bundle=bundle).select_related("component").order_by("component__code")


# --- warehouses, locations, stores (data scope) -----------------------------------------------------

def list_warehouses(*, user, q: str | None = None, type: str | None = None, active: bool | None = None) -> QuerySet:
    """Warehouses inside the user's scope matching q (code, name, address), of type."""
    queryset = visible_warehouses(user, Warehouse.objects.select_related("operator")).order_by("code")
    queryset = _search(queryset, q, "code", "name", "address")
    if type:
        queryset = queryset.filter(type=type)
    return _flag(queryset, "active", active)


def get_warehouse(*, user, pk) -> Warehouse:
    """Return a warehouse inside the user's scope, or raise NotFound."""
    return get_record(Warehouse, pk, visible_warehouses(user, Warehouse.objects.select_related("operator")))


def list_locations(*, user, warehouse: Warehouse, q: str | None = None, zone: str | None = None,
                   active: bool | None = None) -> QuerySet:
    """Locations of a warehouse inside the user's scope matching q (code, name), in zone."""
    warehouses = visible_warehouses(user).filter(pk=warehouse.pk)
    queryset = Location.objects.filter(warehouse__in=warehouses).select_related("warehouse").order_by("code")
    queryset = _search(queryset, q, "code", "name")
    if zone:
        queryset = queryset.filter(zone=zone)
    return _flag(queryset, "active", active)


def get_location(*, user, warehouse: Warehouse, pk) -> Location:
    """Return a location of warehouse (inside the user's scope), or raise NotFound."""
    return get_record(Location, pk, list_locations(user=user, warehouse=warehouse))


def list_stores(*, user, q: str | None = None, platform: str | None = None, type: str | None = None,
                active: bool | None = None) -> QuerySet:
    """Stores inside the user's scope matching q (code, name, shop id), on platform, of type."""
    queryset = visible_stores(
        user, Store.objects.select_related("platform_partner", "ecommerce_company", "default_warehouse")
    ).order_by("code")
    queryset = _search(queryset, q, "code", "name", "shop_id")
    if platform:
        queryset = queryset.filter(platform=platform)
    if type:
        queryset = queryset.filter(type=type)
    return _flag(queryset, "active", active)


def get_store(*, user, pk) -> Store:
    """Return a store inside the user's scope, or raise NotFound."""
    return get_record(Store, pk, list_stores(user=user))

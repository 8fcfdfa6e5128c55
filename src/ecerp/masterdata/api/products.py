"""Product categories (a coded tree), products/SKUs and bundle components."""

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router
from ninja.pagination import paginate

from ecerp.core.api import ErrorsOut, Pagination
from ecerp.core.errors import ErrorDetail
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
from ecerp.masterdata.errors import MasterdataError, MasterdataInvalid
from ecerp.masterdata.models import (
    BundleComponent,
    Category,
    Product,
)
from ecerp.masterdata.schemas import (
    CategoryFilter,
    CategoryIn,
    CategoryNode,
    CategoryOut,
    ComponentOut,
    ComponentsIn,
    ProductDetailOut,
    ProductFilter,
    ProductIn,
    ProductOut,
)

# --- categories ------------------------------------------------------------------------------------

categories = Router(tags=["categories"])


@categories.get("", response=list[CategoryOut])
@paginate(Pagination)
@api_permission("masterdata.view_category")
def list_categories(request: HttpRequest, filters: Query[CategoryFilter]):
    """Categories by code (a code's prefix is its parent's code)."""
    return queries.list_categories(**filters.dict())


@categories.get("/tree", response=list[CategoryNode])
@api_permission("masterdata.view_category")
def category_tree(request: HttpRequest, active: bool | None = None):
    """The whole category tree, nested, by code."""
    return queries.category_tree(active=active)


@categories.get("/{category_id}", response={200: CategoryOut, 404: ErrorsOut})
@api_permission("masterdata.view_category")
def get_category(request: HttpRequest, category_id: int):
    return queries.get_record(Category, category_id)


def _category_data(payload) -> dict:
    data = input_data(payload)
    resolve_foreign(data, "parent", Category.objects, MasterdataError.UNKNOWN_CATEGORY)
    return data


@categories.post("", response={201: CategoryOut, **WRITE_ERRORS})
@api_permission("masterdata.add_category")
def create_category(request: HttpRequest, payload: CategoryIn):
    """Create a category; a blank code is the next one under the parent (hierarchical rule, e.g. 2-2-3)."""
    return created(services.save_category(user=request.user, data=_category_data(payload)))


@categories.patch("/{category_id}", response={200: CategoryOut, **WRITE_ERRORS})
@api_permission("masterdata.change_category")
def update_category(request: HttpRequest, category_id: int, payload: CategoryIn):
    """Change the fields given; moving a category to another parent needs its new code too."""
    category = queries.get_record(Category, category_id)
    return stored(services.save_category(user=request.user, data=_category_data(payload), instance=category))


@categories.delete("/{category_id}", response={204: None, **DELETE_ERRORS})
@api_permission("masterdata.delete_category")
def delete_category(request: HttpRequest, category_id: int):
    return deleted(request, queries.get_record(Category, category_id))


# --- products and bundles --------------------------------------------------------------------------

products = Router(tags=["products"])
PRODUCT_DECIMALS = {"decimals": ("cost_price", "sale_price"), "optional_decimals": ("gross_weight", "net_weight")}


def _product(product_id: int) -> Product:
    lines = Prefetch("components",
                     queryset=BundleComponent.objects.select_related("component").order_by("component__code"))
    return queries.get_record(Product, product_id, Product.objects.select_related("category").prefetch_related(lines))


@products.get("", response=list[ProductOut])
@paginate(Pagination)
@api_permission("masterdata.view_product")
def list_products(request: HttpRequest, filters: Query[ProductFilter]):
    """Products by code; category includes the categories below it."""
    return queries.list_products(**filters.dict())


@products.get("/{product_id}", response={200: ProductDetailOut, 404: ErrorsOut})
@api_permission("masterdata.view_product")
def get_product(request: HttpRequest, product_id: int):
    """One product; a bundle comes with its component lines."""
    return _product(product_id)


def _product_data(payload) -> dict:
    data = input_data(payload, **PRODUCT_DECIMALS)
    resolve_foreign(data, "category", Category.objects, MasterdataError.UNKNOWN_CATEGORY)
    return data


@products.post("", response={201: ProductDetailOut, **WRITE_ERRORS})
@api_permission("masterdata.add_product")
def create_product(request: HttpRequest, payload: ProductIn):
    """Create a product; cross-border goods need HS code, origin country and customs unit."""
    product = services.save_product(user=request.user, data=_product_data(payload))
    return created(_product(product.pk))


@products.patch("/{product_id}", response={200: ProductDetailOut, **WRITE_ERRORS})
@api_permission("masterdata.change_product")
def update_product(request: HttpRequest, product_id: int, payload: ProductIn):
    product = queries.get_record(Product, product_id)
    services.save_product(user=request.user, data=_product_data(payload), instance=product)
    return _product(product_id)


@products.delete("/{product_id}", response={204: None, **DELETE_ERRORS})
@api_permission("masterdata.delete_product")
def delete_product(request: HttpRequest, product_id: int):
    return deleted(request, queries.get_record(Product, product_id))


@products.get("/{product_id}/components", response={200: list[ComponentOut], 404: ErrorsOut})
@api_permission("masterdata.view_bundlecomponent")
def list_components(request: HttpRequest, product_id: int):
    """The component lines of a bundle (empty for a plain SKU)."""
    return queries.list_bundle_components(bundle=queries.get_record(Product, product_id))


@products.put("/{product_id}/components", response={200: list[ComponentOut], **WRITE_ERRORS})
@api_permission("masterdata.change_bundlecomponent")
def set_components(request: HttpRequest, product_id: int, payload: ComponentsIn):
    """Replace a bundle's components (product id or code, quantity); cycles are refused (BUNDLE_CYCLE)."""
    bundle = queries.get_record(Product, product_id)
    wanted_ids = {line.product_id for line in payload.components if line.product_id is not None}
    wanted_codes = {line.product_code for line in payload.components if line.product_id is None}
    found = Product.objects.filter(pk__in=wanted_ids) | Product.objects.filter(code__in=wanted_codes)
    by_id = {product.pk: product for product in found}
    by_code = {product.code: product for product in by_id.values()}
    components, missing = [], []
    for index, line in enumerate(payload.components):
        product = by_id.get(line.product_id) if line.product_id is not None else by_code.get(line.product_code)
        if product is None:
            missing.append(ErrorDetail(
                code=MasterdataError.COMPONENT_MISSING, field=f"components.{index}",
                message=str(_("子商品「%(key)s」不存在") % {"key": line.product_id or line.product_code or "-"}),
            ))
        else:
            components.append((product, line.quantity))
    if missing:
        raise MasterdataInvalid.many(missing)
    services.set_bundle_components(user=request.user, bundle=bundle, components=components)
    return queries.list_bundle_components(bundle=bundle)

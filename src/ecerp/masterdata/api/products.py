"""Product categories (a coded tree), products/SKUs and bundle components."""

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router

from ecerp.core.api import ErrorsOut
from ecerp.core.errors import ErrorDetail
from ecerp.core.permissions import api_permission
from ecerp.masterdata import queries, services
from ecerp.masterdata.api.common import WRITE_ERRORS, Crud
from ecerp.masterdata.errors import MasterdataError, MasterdataInvalid
from ecerp.masterdata.models import BundleComponent, Category, Product
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


# Before the item routes: /tree must not be read as a category id.
@categories.get("/tree", response=list[CategoryNode])
@api_permission("masterdata.view_category")
def category_tree(request: HttpRequest, active: bool | None = None):
    """The whole category tree, nested, by code."""
    return queries.category_tree(active=active)


Crud(
    model=Category, name="category", plural="categories", module=__name__,
    out=CategoryOut, payload=CategoryIn, filters=CategoryFilter, save=services.save_category,
    listing=lambda request, **filters: queries.list_categories(**filters),
    foreign={"parent": (Category.objects, MasterdataError.UNKNOWN_CATEGORY)},
    docs={
        "list": "Categories by code (a code's prefix is its parent's code).",
        "create": "Create a category; a blank code is the next one under the parent (hierarchical rule, e.g. 2-2-3).",
        "update": "Change the fields given; moving a category to another parent needs its new code too.",
    },
).register(categories)


# --- products and bundles --------------------------------------------------------------------------

products = Router(tags=["products"])


def _product(product_id: int) -> Product:
    lines = Prefetch("components",
                     queryset=BundleComponent.objects.select_related("component").order_by("component__code"))
    return queries.get_record(Product, product_id, Product.objects.select_related("category").prefetch_related(lines))


Crud(
    model=Product, name="product", plural="products", module=__name__,
    out=ProductOut, detail_out=ProductDetailOut, payload=ProductIn, filters=ProductFilter,
    save=services.save_product, listing=lambda request, **filters: queries.list_products(**filters),
    decimals={"decimals": ("cost_price", "sale_price"), "optional_decimals": ("gross_weight", "net_weight")},
    foreign={"category": (Category.objects, MasterdataError.UNKNOWN_CATEGORY)},
    answer=lambda product: _product(product.pk),
    operations=("list", "create", "update", "delete"),
    docs={
        "list": "Products by code; category includes the categories below it.",
        "create": "Create a product; cross-border goods need HS code, origin country and customs unit.",
    },
).register(products)


@products.get("/{product_id}", response={200: ProductDetailOut, 404: ErrorsOut})
@api_permission("masterdata.view_product")
def get_product(request: HttpRequest, product_id: int):
    """One product; a bundle comes with its component lines."""
    return _product(product_id)


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

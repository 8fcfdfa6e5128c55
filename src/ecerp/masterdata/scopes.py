"""Data scope: which stores and warehouses a user may see. One helper, used by pages, API and admin."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ecerp.core.errors import PermissionDenied
from ecerp.masterdata.models import Store, UserScope, Warehouse


def _scope(user) -> UserScope | None:
    if user is None or not user.is_authenticated:
        return None
    if user.is_superuser:
        return None
    try:
        return user.scope
    except UserScope.DoesNotExist:
        return None


def _visible(user, queryset: QuerySet, relation: str) -> QuerySet:
    """Filter queryset to the rows of the user's scope named by relation ("stores" or "warehouses")."""
    if user is None or not user.is_authenticated:
        return queryset.none()
    scope = _scope(user)
    if scope is None or getattr(scope, f"all_{relation}"):
        return queryset
    return queryset.filter(pk__in=getattr(scope, relation).values("pk"))


def visible_stores(user, queryset: QuerySet | None = None) -> QuerySet:
    """Filter stores (or a queryset of stores) to the user's scope; no scope row means all."""
    return _visible(user, Store.objects.all() if queryset is None else queryset, "stores")


def visible_warehouses(user, queryset: QuerySet | None = None) -> QuerySet:
    """Filter warehouses to the user's scope; no scope row means all."""
    return _visible(user, Warehouse.objects.all() if queryset is None else queryset, "warehouses")


def check_store(user, store: Store) -> None:
    """Raise PermissionDenied unless store is inside the user's scope."""
    if not visible_stores(user).filter(pk=store.pk).exists():
        raise PermissionDenied(str(_("店铺数据权限：%(store)s") % {"store": store.code}))


def check_warehouse(user, warehouse: Warehouse) -> None:
    """Raise PermissionDenied unless warehouse is inside the user's scope."""
    if not visible_warehouses(user).filter(pk=warehouse.pk).exists():
        raise PermissionDenied(str(_("仓库数据权限：%(warehouse)s") % {"warehouse": warehouse.code}))

"""Data scope: which stores and warehouses a user may see."""

import pytest
from django.contrib.auth.models import AnonymousUser

from ecerp.core.errors import PermissionDenied
from ecerp.masterdata import scopes, services
from ecerp.masterdata.models import Store, Warehouse
from tests.core.factories import make_store, make_warehouse


@pytest.fixture
def company(admin_user):
    stores = [make_store(admin_user, name=f"店{index}", shop_id=str(index)) for index in range(3)]
    warehouses = [make_warehouse(admin_user, name=f"仓{index}") for index in range(2)]
    return stores, warehouses


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


@pytest.mark.django_db
def test_no_scope_row_means_everything(company, make_user):
    user = make_user("ops", role="operations")
    assert codes(scopes.visible_stores(user)) == ["ST001", "ST002", "ST003"]
    assert codes(scopes.visible_warehouses(user)) == ["WH001", "WH002"]


@pytest.mark.django_db
def test_specific_stores_and_warehouses(company, make_user, admin_user):
    # given a user limited to one store and one warehouse
    stores, warehouses = company
    user = make_user("ops", role="operations")
    services.set_user_scope(user=admin_user, target_user=user, all_stores=False, all_warehouses=False,
                            stores=[stores[1]], warehouses=[warehouses[0]])
    # then only those are visible, also when filtering a given queryset
    assert codes(scopes.visible_stores(user)) == ["ST002"]
    assert codes(scopes.visible_warehouses(user)) == ["WH001"]
    assert codes(scopes.visible_stores(user, Store.objects.filter(code__in=["ST001", "ST002"]))) == ["ST002"]
    # and check_store refuses the others with PermissionDenied naming the store
    scopes.check_store(user, stores[1])
    with pytest.raises(PermissionDenied) as error:
        scopes.check_store(user, stores[0])
    assert error.value.http_status == 403 and "ST001" in str(error.value)
    scopes.check_warehouse(user, warehouses[0])
    with pytest.raises(PermissionDenied):
        scopes.check_warehouse(user, warehouses[1])


@pytest.mark.django_db
def test_all_stores_flag(company, make_user, admin_user):
    user = make_user("ops", role="operations")
    services.set_user_scope(user=admin_user, target_user=user, all_stores=True, all_warehouses=False,
                            stores=[], warehouses=[])
    user = type(user).objects.get(pk=user.pk)
    assert codes(scopes.visible_stores(user)) == ["ST001", "ST002", "ST003"]
    assert codes(scopes.visible_warehouses(user)) == []


@pytest.mark.django_db
def test_empty_scope_row_means_nothing(company, make_user, admin_user):
    user = make_user("ops", role="operations")
    services.set_user_scope(user=admin_user, target_user=user, all_stores=False, all_warehouses=False,
                            stores=[], warehouses=[])
    user = type(user).objects.get(pk=user.pk)
    assert not scopes.visible_stores(user).exists() and not scopes.visible_warehouses(user).exists()


@pytest.mark.django_db
def test_superuser_sees_everything_and_anonymous_nothing(company, make_user, admin_user):
    stores, _warehouses = company
    boss = make_user("boss", superuser=True)
    services.set_user_scope(user=admin_user, target_user=boss, all_stores=False, all_warehouses=False,
                            stores=[], warehouses=[])
    assert scopes.visible_stores(boss).count() == Store.objects.count() == 3
    assert not scopes.visible_stores(AnonymousUser()).exists()
    assert not scopes.visible_warehouses(None).exists()
    assert Warehouse.objects.count() == 2
    with pytest.raises(PermissionDenied):
        scopes.check_store(AnonymousUser(), stores[0])


@pytest.mark.django_db
def test_scope_change_is_audited(company, make_user, admin_user):
    from ecerp.core.models import AuditLog

    stores, _warehouses = company
    user = make_user("ops", role="operations")
    services.set_user_scope(user=admin_user, target_user=user, all_stores=False, all_warehouses=True,
                            stores=[stores[0]], warehouses=[])
    row = AuditLog.objects.get(model="masterdata.userscope")
    assert row.after["stores"] == [stores[0].pk] and row.after["all_warehouses"] is True

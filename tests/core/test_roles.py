"""Built-in roles: the eight Chinese groups, their permissions, and that every named permission exists."""

import pytest
from django.contrib.auth.models import Group, Permission

from ecerp.core.errors import PermissionDenied
from ecerp.core.permissions import ROLES, check_permission, has_permission, role_group_name, sync_roles

GROUP_NAMES = {"管理员", "运营", "运营主管", "仓库", "采购", "财务", "关务", "管理层"}


def all_permission_names():
    return {f"{perm.content_type.app_label}.{perm.codename}"
            for perm in Permission.objects.select_related("content_type")}


@pytest.mark.django_db
def test_every_permission_named_in_roles_exists():
    # given the permissions Django created from the models
    existing = all_permission_names()
    # then every name a role grants exists (a typo would silently grant nothing)
    missing = {name: role for role, spec in ROLES.items() for name in spec["perms"] if name not in existing}
    assert missing == {}


@pytest.mark.django_db
def test_sync_roles_creates_the_eight_groups_with_their_permissions():
    # when the roles are synchronised
    groups = sync_roles()
    # then the eight Chinese groups exist with exactly the listed permissions
    assert {group.name for group in groups} == GROUP_NAMES
    for role, spec in ROLES.items():
        group = Group.objects.get(name=role_group_name(role))
        granted = {f"{perm.content_type.app_label}.{perm.codename}" for perm in group.permissions.all()}
        assert granted == set(spec["perms"]), role


@pytest.mark.django_db
def test_sync_roles_is_idempotent_and_repairs_edited_groups():
    # given synchronised roles where someone removed a permission from 财务
    sync_roles()
    finance = Group.objects.get(name="财务")
    count = finance.permissions.count()
    finance.permissions.remove(finance.permissions.first())
    # when it runs again (every migrate does)
    sync_roles()
    sync_roles()
    # then there are still eight groups and 财务 has its full set again
    assert Group.objects.filter(name__in=GROUP_NAMES).count() == 8
    assert Group.objects.get(name="财务").permissions.count() == count


@pytest.mark.django_db
def test_role_permissions_reach_users(make_user):
    # given users of a few roles
    admin, warehouse, management = make_user("a", role="admin"), make_user("w", role="warehouse"), \
        make_user("m", role="management")
    # then what each may do follows the role table
    assert has_permission(admin, "masterdata.view_personal_data")
    assert has_permission(warehouse, "masterdata.add_location")
    assert not has_permission(warehouse, "masterdata.change_product")
    assert not has_permission(warehouse, "masterdata.view_personal_data")
    assert has_permission(management, "core.view_auditlog")
    assert not has_permission(management, "masterdata.add_product")
    with pytest.raises(PermissionDenied) as error:
        check_permission(management, "masterdata.add_product")
    assert error.value.http_status == 403


@pytest.mark.django_db
def test_inactive_and_anonymous_users_hold_nothing(make_user):
    from django.contrib.auth.models import AnonymousUser

    user = make_user("x", role="admin")
    user.is_active = False
    assert not has_permission(user, "masterdata.view_product")
    assert not has_permission(AnonymousUser(), "authenticated")
    assert not has_permission(None, "masterdata.view_product")

"""Shared fixtures: users per role, an API client with a token, PostgreSQL-only marker handling."""

import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    # Decided at collection time from the configured engine (no connection needed).
    from django.conf import settings

    is_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set ECERP_TEST_DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not is_postgres:
            item.add_marker(skip)


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def make_user(db):
    """Create a user holding one built-in role (by role key: admin, operations, ...)."""
    from django.contrib.auth.models import Group, User

    from ecerp.core.permissions import role_group_name, sync_roles

    def make(username="alice", role=None, superuser=False, password="Secret-pass-123"):
        sync_roles()
        user = User.objects.create_user(username=username, password=password, is_superuser=superuser,
                                        is_staff=True)
        if role:
            user.groups.add(Group.objects.get(name=role_group_name(role)))
        return user

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("admin1", role="admin")


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts and ends in the default language (zh-hans), whatever an earlier test chose."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)

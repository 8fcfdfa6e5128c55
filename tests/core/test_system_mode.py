"""System mode (training / trial / live) and plain settings."""

import pytest

from ecerp.core import services
from ecerp.core.errors import DomainError
from ecerp.core.models import AuditLog


@pytest.mark.django_db
def test_mode_defaults_to_training_and_changes_are_audited(admin_user):
    # given a fresh install
    assert services.get_system_mode() == "training"
    # when the mode goes to trial and then live
    services.set_system_mode(user=admin_user, mode="trial")
    services.set_system_mode(user=admin_user, mode="live")
    # then the mode is live and each change is a setting row with before and after
    assert services.get_system_mode() == "live"
    rows = list(AuditLog.objects.filter(action="setting").order_by("id"))
    assert [(row.before.get("value"), row.after["value"]) for row in rows] == [("", "trial"), ("trial", "live")]


@pytest.mark.django_db
def test_unknown_mode_is_refused(admin_user):
    with pytest.raises(DomainError) as error:
        services.set_system_mode(user=admin_user, mode="production")
    assert error.value.code == "INVALID_VALUE" and error.value.field == "mode"
    assert "production" in str(error.value)
    assert services.get_system_mode() == "training"


@pytest.mark.django_db
def test_plain_settings(admin_user):
    assert services.get_setting("demo_loaded", "no") == "no"
    services.set_setting(user=admin_user, key="demo_loaded", value="2026-11-29")
    assert services.get_setting("demo_loaded") == "2026-11-29"


@pytest.mark.django_db
def test_get_settings_reads_several_keys_in_one_query_with_defaults(django_assert_num_queries):
    # given one of two settings set
    from ecerp.core.services import get_settings, set_setting

    set_setting(user=None, key="customs.cop_code", value="3301960001")
    # when both are read together
    with django_assert_num_queries(1):
        values = get_settings({"customs.cop_code": "", "customs.dxp_id": "DXPENT0000000000"})
    # then the set one has its value and the other its default
    assert values == {"customs.cop_code": "3301960001", "customs.dxp_id": "DXPENT0000000000"}

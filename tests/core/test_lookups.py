"""The `__any` lookup: the same rows as `__in`, one array parameter on PostgreSQL."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecerp.core.models import OutboxEvent, StateHistory

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    return OutboxEvent.objects.bulk_create([OutboxEvent(event_id=uuid.uuid4(), event_type=f"T{number % 3}",
                                                        payload={"n": number}) for number in range(30)])


def test_any_selects_what_in_selects(events, admin_user):
    ids = [event.pk for event in events[::2]] + [events[0].pk, 10**9]  # a repeat and an unknown id
    assert sorted(OutboxEvent.objects.filter(pk__any=ids).values_list("pk", flat=True)) == sorted(
        OutboxEvent.objects.filter(pk__in=ids).values_list("pk", flat=True))
    uuids = [event.event_id for event in events[:5]]
    assert OutboxEvent.objects.filter(event_id__any=uuids).count() == 5
    assert OutboxEvent.objects.filter(event_type__any=("T1", "T2")).count() == 20
    assert not OutboxEvent.objects.filter(pk__any=[]).exists()
    # a foreign key, by id or by instance
    StateHistory.objects.create(model="x", object_id="1", field="status", from_state="a", to_state="b",
                                user=admin_user)
    assert StateHistory.objects.filter(user__any=[admin_user]).count() == 1
    assert StateHistory.objects.filter(user_id__any=[admin_user.pk]).count() == 1
    # values of another type are prepared as __in prepares them
    assert OutboxEvent.objects.filter(pk__any=[str(events[0].pk)]).count() == 1


@pytest.mark.postgres  # other databases expand the list like __in
def test_any_binds_one_parameter_on_postgresql(events):
    with CaptureQueriesContext(connection) as queries:
        assert OutboxEvent.objects.filter(pk__any=[event.pk for event in events]).count() == 30
    assert "= ANY(" in queries.captured_queries[0]["sql"]

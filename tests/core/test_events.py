"""Domain events: the outbox, the handler registry, at-least-once delivery with once-only effects."""

import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ecerp.core import events
from ecerp.core.models import HandledEvent, OutboxEvent, SystemSetting

CALLS: list[tuple[str, str]] = []
FAILING = {"enabled": True}


def record_call(event: dict) -> None:
    CALLS.append(("record", event["event_id"]))
    # a handler's own writes commit together with its HandledEvent row
    SystemSetting.objects.create(key=f"seen-{event['event_id']}", value=event["sku"])


def flaky_call(event: dict) -> None:
    CALLS.append(("flaky", event["event_id"]))
    SystemSetting.objects.create(key=f"flaky-{event['event_id']}", value="written before failing")
    if FAILING["enabled"]:
        raise RuntimeError("carrier down")


@pytest.fixture
def handlers():
    CALLS.clear()
    FAILING["enabled"] = True
    events.subscribe("TestProductChanged")(record_call)
    events.subscribe("TestProductChanged")(flaky_call)
    yield
    events.unsubscribe("TestProductChanged", record_call)
    events.unsubscribe("TestProductChanged", flaky_call)
    events.unsubscribe("TestRecordOnly", record_call)


def test_registry_is_explicit_and_registers_a_handler_once(handlers):
    # given the two handlers subscribed in the fixture
    # when one is subscribed again
    events.subscribe("TestProductChanged")(record_call)
    # then the registry lists each once, in order
    assert events.handlers_for("TestProductChanged") == [record_call, flaky_call]
    assert events.handlers_for("NothingListens") == []


@pytest.mark.django_db
def test_publish_writes_the_outbox_and_delivers_after_commit(handlers, django_capture_on_commit_callbacks):
    # given a handler that succeeds
    events.subscribe("TestRecordOnly")(record_call)
    # when an event is published inside a transaction
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            event = events.publish("TestRecordOnly", {"sku": "SKU000001"})
            # then it is in the outbox before commit, and nothing ran yet
            assert OutboxEvent.objects.filter(event_id=event.event_id, delivered_at__isnull=True).exists()
            assert CALLS == []
    # and after commit the handler ran once and the event is delivered
    assert len(callbacks) == 1
    assert CALLS == [("record", str(event.event_id))]
    event.refresh_from_db()
    assert event.delivered_at is not None and event.attempts == 1
    assert SystemSetting.objects.get(key=f"seen-{event.event_id}").value == "SKU000001"


@pytest.mark.django_db
def test_rolled_back_transaction_publishes_nothing(handlers, django_capture_on_commit_callbacks):
    # given a change that fails after publishing
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                events.publish("TestProductChanged", {"sku": "SKU000002"})
                raise RuntimeError("validation failed")
    # then no event is stored and no handler ran
    assert not OutboxEvent.objects.exists()
    assert callbacks == [] and CALLS == []


@pytest.mark.django_db
def test_failing_handler_is_retried_and_successful_handlers_are_not_repeated(handlers):
    # given an event with one good and one failing handler
    event = events.publish("TestProductChanged", {"sku": "SKU000003"})
    # when it is delivered while the second handler fails
    assert events.deliver_pending() == 0
    # then the event stays pending with the attempt and error recorded
    event.refresh_from_db()
    assert event.delivered_at is None and event.attempts == 1 and "carrier down" in event.last_error
    # and the failing handler's own writes were rolled back with it, the good one's kept
    assert SystemSetting.objects.filter(key=f"seen-{event.event_id}").exists()
    assert not SystemSetting.objects.filter(key=f"flaky-{event.event_id}").exists()
    assert HandledEvent.objects.filter(event_id=event.event_id).count() == 1
    # when the second handler recovers and delivery runs again
    FAILING["enabled"] = False
    assert events.deliver_pending() == 1
    # then the good handler was not called a second time
    event_id = str(event.event_id)
    assert CALLS == [("record", event_id), ("flaky", event_id), ("flaky", event_id)]
    event.refresh_from_db()
    assert event.delivered_at is not None and event.attempts == 2
    assert HandledEvent.objects.filter(event_id=event.event_id).count() == 2


@pytest.mark.django_db
def test_delivering_twice_doubles_nothing(handlers):
    # given two events with healthy handlers
    FAILING["enabled"] = False
    first = events.publish("TestProductChanged", {"sku": "A"})
    second = events.publish("TestProductChanged", {"sku": "B"})
    # when delivery runs twice
    assert events.deliver_pending() == 2
    assert events.deliver_pending() == 0
    # then every handler ran once per event
    assert sorted(CALLS) == sorted([("record", str(first.event_id)), ("flaky", str(first.event_id)),
                                    ("record", str(second.event_id)), ("flaky", str(second.event_id))])
    assert SystemSetting.objects.filter(key__startswith="seen-").count() == 2


@pytest.mark.django_db
def test_redelivery_of_an_already_handled_event_skips_the_handler(handlers):
    # given an event handled by both handlers, then marked pending again (a crash before the mark)
    FAILING["enabled"] = False
    event = events.publish("TestProductChanged", {"sku": "C"})
    events.deliver_pending()
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None)
    # when it is delivered again
    assert events.deliver_pending() == 1
    # then no handler ran twice (idempotent by event id)
    assert len(CALLS) == 2


@pytest.mark.django_db
def test_event_without_handlers_is_marked_delivered():
    event = events.publish("NobodyListens", {"x": 1})
    assert events.deliver_pending(event_ids=[event.pk]) == 1
    event.refresh_from_db()
    assert event.delivered_at is not None


@pytest.mark.django_db
def test_publish_many_writes_the_batch_in_one_insert_and_delivers_after_commit(
        handlers, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    # given a handler of one of the two types in a batch
    events.subscribe("TestRecordOnly")(record_call)
    items = [("TestRecordOnly", {"sku": f"SKU{number:06d}"}) for number in range(3)] + [("NobodyListens", {"x": 1})]
    # when the batch is published inside a transaction
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            with django_assert_max_num_queries(2):  # the ids from the sequence (PostgreSQL) and the insert
                published = events.publish_many(items)
            # then the rows are in the outbox, in order, with their primary keys, and nothing ran yet
            assert [event.pk for event in published] == sorted(event.pk for event in published)
            stored = OutboxEvent.objects.order_by("id")
            assert [(event.pk, event.event_id, event.event_type, event.payload) for event in stored] == [
                (event.pk, event.event_id, event.event_type, event.payload) for event in published]
            assert CALLS == []
            # the event nobody handles is written delivered already
            assert [event.delivered_at is None for event in stored] == [True, True, True, False]
    # and after commit one callback delivered all four, the handled ones once each
    assert len(callbacks) == 1
    assert CALLS == [("record", str(event.event_id)) for event in published[:3]]
    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()
    # delivered once each; the one nobody handles was never attempted
    assert list(OutboxEvent.objects.order_by("id").values_list("attempts", flat=True)) == [1, 1, 1, 0]
    assert SystemSetting.objects.get(key=f"seen-{published[1].event_id}").value == "SKU000001"


@pytest.mark.django_db
def test_publish_many_in_a_rolled_back_transaction_leaves_nothing(handlers, django_capture_on_commit_callbacks):
    # given a change that fails after publishing a batch
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                events.publish_many([("TestProductChanged", {"sku": "A"}), ("TestProductChanged", {"sku": "B"})])
                raise RuntimeError("validation failed")
    # then no event is stored and no handler ran; an empty batch writes nothing either
    assert events.publish_many([]) == []
    assert not OutboxEvent.objects.exists()
    assert callbacks == [] and CALLS == []


def _pending(items):
    return OutboxEvent.objects.bulk_create([OutboxEvent(event_id=uuid.uuid4(), event_type=event_type, payload=payload)
                                            for event_type, payload in items])


@pytest.mark.django_db
def test_events_nobody_handles_are_marked_delivered_with_one_update():
    # given 300 pending events of types without handlers (written by an older release, or before the
    # handler was unsubscribed: publish_many writes such events delivered already)
    _pending([(f"NobodyListens{number % 3}", {"n": number}) for number in range(300)])
    # when they are delivered
    with CaptureQueriesContext(connection) as queries:
        assert events.deliver_pending(limit=1000) == 300
    # then one SELECT found them and one UPDATE marked them all
    statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
    assert statements == ["SELECT", "UPDATE"]
    assert OutboxEvent.objects.filter(delivered_at__isnull=False, attempts=1).count() == 300


@pytest.mark.django_db
def test_deliver_pending_takes_the_oldest_up_to_the_limit():
    # given five pending events without handlers
    published = _pending([("NobodyListens", {"n": number}) for number in range(5)])
    # when two are delivered
    assert events.deliver_pending(limit=2) == 2
    # then they are the two oldest
    pending = list(OutboxEvent.objects.filter(delivered_at__isnull=True).values_list("pk", flat=True))
    assert pending == [event.pk for event in published[2:]]


@pytest.mark.django_db
def test_a_batch_with_a_failing_handler_keeps_only_that_event_pending(handlers):
    # given a batch where the flaky handler fails for one event only, and events nobody handles
    FAILING["enabled"] = False
    published = _pending([("TestProductChanged", {"sku": "A"}), ("NobodyListens", {}),
                          ("TestProductChanged", {"sku": "B"}), ("TestProductChanged", {"sku": "C"})])
    bad = published[2]
    SystemSetting.objects.create(key=f"flaky-{bad.event_id}", value="makes the flaky handler's insert fail")
    # when the batch is delivered
    with CaptureQueriesContext(connection) as queries:
        assert events.deliver_pending() == 3
    # then the failing event stays pending with its attempt and error, the others are delivered
    bad.refresh_from_db()
    assert bad.delivered_at is None and bad.attempts == 1 and "IntegrityError" in bad.last_error
    assert OutboxEvent.objects.filter(delivered_at__isnull=False, attempts=1).count() == 3
    # and the marks were set-based: one UPDATE for the unhandled, one for the failure, one for the delivered
    updates = [query["sql"] for query in queries.captured_queries if query["sql"].upper().startswith("UPDATE")]
    assert len(updates) == 3
    # when the cause is removed and delivery runs again
    SystemSetting.objects.filter(key=f"flaky-{bad.event_id}").delete()
    CALLS.clear()
    assert events.deliver_pending() == 1
    # then only the handler that failed ran again
    assert CALLS == [("flaky", str(bad.event_id))]
    bad.refresh_from_db()
    assert bad.delivered_at is not None and bad.attempts == 2


@pytest.mark.django_db
def test_a_handler_subscribed_after_delivery_does_not_receive_earlier_events(handlers):
    # given an event delivered while nobody handled its type, and one still pending
    delivered, pending = _pending([("TestRecordOnly", {"sku": "EARLY"}), ("TestRecordOnly", {"sku": "LATE"})])
    assert events.deliver_pending(event_ids=[delivered.pk]) == 1
    # when a handler of the type is subscribed and delivery runs again
    events.subscribe("TestRecordOnly")(record_call)
    assert events.deliver_pending() == 1
    # then the handler received only the event that was still pending: no handler means delivered
    assert CALLS == [("record", str(pending.event_id))]
    assert not HandledEvent.objects.filter(event_id=delivered.event_id).exists()

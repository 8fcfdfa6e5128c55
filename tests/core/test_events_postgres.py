"""PostgreSQL: parallel connections delivering the same events run a batch handler once per event."""

import threading
import uuid

import pytest
from django.db import connection

from ecerp.core import events
from ecerp.core.models import HandledEvent, OutboxEvent

WORKERS = 4
SEEN: list[str] = []
LOCK = threading.Lock()


def record_batch(payloads):
    with LOCK:
        SEEN.extend(payload["event_id"] for payload in payloads)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_delivery_handles_each_event_once():
    # given 300 pending events of a type with a batch handler
    events.subscribe("TestParallelBatch", batch=True)(record_batch)
    SEEN.clear()
    try:
        OutboxEvent.objects.bulk_create([OutboxEvent(event_id=uuid.uuid4(), event_type="TestParallelBatch",
                                                     payload={"n": number}) for number in range(300)])
        barrier = threading.Barrier(WORKERS)
        failures = []

        def worker():
            try:
                barrier.wait()
                events.deliver_pending(limit=1000)
            except Exception as error:  # reported below
                failures.append(repr(error))
            finally:
                connection.close()

        # when four connections deliver them at the same moment
        threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # then every event was handled exactly once and is marked delivered
        assert failures == []
        assert len(SEEN) == 300 and len(set(SEEN)) == 300
        assert HandledEvent.objects.count() == 300
        assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()
    finally:
        events.unsubscribe("TestParallelBatch", record_batch)

"""Domain events: an outbox written with the business change, and an explicit handler registry.

publish() / publish_many() must run inside the transaction that makes the change; the events are
delivered after commit (in-process by default, or by `ecerp deliver_events` /
a worker). Delivery is at least once; each handler runs once per event id,
recorded in HandledEvent in the same transaction as the handler's own writes.
"""

from __future__ import annotations

import datetime
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from ecerp.core.bulk import insert_records, insert_rows, reserve_ids
from ecerp.core.models import HandledEvent, OutboxEvent

log = logging.getLogger(__name__)
# events per after-commit delivery call of publish_many (one SELECT and one UPDATE each)
DELIVERY_CHUNK = 2000

_HANDLERS: dict[str, list[Callable[[dict], None]]] = defaultdict(list)
# handlers registered with subscribe(..., batch=True): called with a list of events at once
_BATCH: set[str] = set()


def handler_name(handler: Callable) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(event_type: str, *, batch: bool = False):
    """Register the decorated function as a handler of event_type (explicit, visible in code).

    A batch handler takes a list of events (dicts, oldest first) and handles them in one
    transaction together with their HandledEvent rows: many events cost a few queries, not a
    few per event. When a batch fails, its events are retried one by one (a list of one), so
    one bad event never blocks the others.
    """

    def register(handler: Callable[[dict], None]):
        if handler_name(handler) not in {handler_name(h) for h in _HANDLERS[event_type]}:
            _HANDLERS[event_type].append(handler)
        if batch:
            _BATCH.add(handler_name(handler))
        return handler

    return register


def unsubscribe(event_type: str, handler: Callable) -> None:
    _HANDLERS[event_type] = [h for h in _HANDLERS[event_type] if handler_name(h) != handler_name(handler)]


def handlers_for(event_type: str) -> list[Callable[[dict], None]]:
    return list(_HANDLERS.get(event_type, ()))


def publish(event_type: str, payload: dict) -> OutboxEvent:
    """Write an event to the outbox in the current transaction; deliver it after commit."""
    event = OutboxEvent.objects.create(event_id=uuid.uuid4(), event_type=event_type, payload=payload)
    transaction.on_commit(lambda: deliver_pending(event_ids=[event.pk]))
    return event


def publish_many(items: list[tuple[str, dict]]) -> list[Published]:
    """Write a batch of (event type, payload) to the outbox in one insert; deliver them after commit.

    Call it inside the transaction that makes the change, like publish(): the rows are in the
    outbox (in the order given, with their primary keys) before commit, and a rolled-back
    transaction leaves none. After commit one call per DELIVERY_CHUNK events delivers them.
    """
    if not items:
        return []
    # An event whose type has no handler in this process is written delivered already: nothing would
    # receive it (deliver_pending marks such events delivered too), and the after-commit round trip
    # (a SELECT and an UPDATE per 2,000 events) is saved. Handlers subscribe at start-up (events.py).
    now = timezone.now()
    if connection.vendor == "postgresql":
        # tuples straight to COPY: ids from the sequence, payloads dumped as JSON text (what the
        # JSONField would send), no model instance per event
        ids = reserve_ids(OutboxEvent, len(items))
        events = [Published(pk, uuid.uuid4(), event_type, payload, None if _HANDLERS.get(event_type) else now)
                  for pk, (event_type, payload) in zip(ids, items, strict=True)]
        insert_rows(OutboxEvent, OUTBOX_COLUMNS, [
            (event.pk, event.event_id, event.event_type, json.dumps(event.payload), now, event.delivered_at, 0, "")
            for event in events])
    else:
        instances = [OutboxEvent(event_id=uuid.uuid4(), event_type=event_type, payload=payload,
                                 delivered_at=None if _HANDLERS.get(event_type) else now)
                     for event_type, payload in items]
        insert_records(OutboxEvent, instances, key="pk")
        events = [Published(event.pk, event.event_id, event.event_type, event.payload, event.delivered_at)
                  for event in instances]
    pending = [event.pk for event in events if event.delivered_at is None]
    if pending:
        transaction.on_commit(lambda: _deliver_published(pending))
    return events


OUTBOX_COLUMNS = ["id", "event_id", "event_type", "payload", "created_at", "delivered_at", "attempts", "last_error"]


class Published(NamedTuple):
    """An event publish_many wrote (delivered_at is set when nothing handles its type)."""

    pk: int
    event_id: uuid.UUID
    event_type: str
    payload: dict
    delivered_at: datetime.datetime | None


class Pending(NamedTuple):
    """What delivery needs of an outbox row (no model instance per event)."""

    pk: int
    event_id: uuid.UUID
    event_type: str
    payload: dict


def _deliver_published(ids: list[int]) -> None:
    for start in range(0, len(ids), DELIVERY_CHUNK):
        chunk = ids[start:start + DELIVERY_CHUNK]
        deliver_pending(event_ids=chunk, limit=len(chunk))


def _as_dict(event: OutboxEvent | Pending) -> dict:
    return {"event_id": str(event.event_id), "event_type": event.event_type, **event.payload}


def _run_handler(event: OutboxEvent | Pending, handler: Callable) -> None:
    name = handler_name(handler)
    with transaction.atomic():
        try:
            with transaction.atomic():
                HandledEvent.objects.create(event_id=event.event_id, handler=name)
        except IntegrityError:
            return  # already handled: at-least-once delivery, exactly-once effect
        handler([_as_dict(event)] if name in _BATCH else _as_dict(event))


def _run_batch(events: list[Pending], handler: Callable) -> None:
    """One transaction: HandledEvent rows for the events not handled yet, then the handler on those."""
    name = handler_name(handler)
    with transaction.atomic():
        claimed = _claim(name, [event.event_id for event in events])
        todo = [event for event in events if event.event_id in claimed]
        if not todo:
            return
        handler([_as_dict(event) for event in todo])


def _claim(name: str, event_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Write the HandledEvent rows of handler name for the events it has not handled; return those ids.

    PostgreSQL: one INSERT … ON CONFLICT DO NOTHING RETURNING (a row another transaction is
    inserting is waited for, then skipped once it commits). Elsewhere: a SELECT of the handled
    ones, then one insert of the others (SQLite serialises writers).
    """
    now = timezone.now()
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(HandledEvent._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (event_id, handler, handled_at) "
                           "SELECT unnest(%s::uuid[]), %s, %s ON CONFLICT DO NOTHING RETURNING event_id",
                           [event_ids, name, now])
            return {row[0] for row in cursor.fetchall()}
    done = set(HandledEvent.objects.filter(handler=name, event_id__any=event_ids).values_list("event_id", flat=True))
    todo = [event_id for event_id in event_ids if event_id not in done]
    prepare = HandledEvent._meta.get_field("event_id").get_db_prep_save
    at = HandledEvent._meta.get_field("handled_at").get_db_prep_save(now, connection)
    insert_rows(HandledEvent, ["event_id", "handler", "handled_at"],
                [(prepare(event_id, connection), name, at) for event_id in todo])
    return set(todo)


def _mark_delivered(ids: list[int]) -> int:
    """Mark still-pending events delivered with one UPDATE; return how many this call marked."""
    if not ids:
        return 0
    return OutboxEvent.objects.filter(pk__any=ids, delivered_at__isnull=True).update(
        delivered_at=timezone.now(), attempts=F("attempts") + 1)


def deliver_pending(*, limit: int = 500, event_ids: list[int] | None = None) -> int:
    """Deliver up to limit undelivered events (oldest first) to their handlers; return how many were completed.

    Events whose type has no handler at this moment are marked delivered together, with one
    UPDATE: a handler subscribed later does not receive them (subscribe in the app's events.py,
    which is imported at start-up). The others are loaded in one query; each handler runs in
    its own transaction with its HandledEvent row (skipped when that row exists), the events
    whose handlers all succeeded are marked delivered with one UPDATE at the end (a crash
    before it redelivers them, and the HandledEvent rows make that harmless), and an event
    with a failing handler stays pending with attempts incremented and last_error kept.
    """
    pending = OutboxEvent.objects.filter(delivered_at__isnull=True).order_by("id")
    if event_ids is not None:
        pending = pending.filter(pk__any=list(event_ids))
    batch = list(pending.values_list("pk", "event_type")[:limit])
    with_handlers = [pk for pk, event_type in batch if handlers_for(event_type)]
    done = _mark_delivered([pk for pk, event_type in batch if not handlers_for(event_type)])
    if not with_handlers:
        return done
    events = [Pending(*row) for row in OutboxEvent.objects.filter(pk__any=with_handlers).order_by("id").values_list(
        "pk", "event_id", "event_type", "payload")]
    failed: dict[int, Exception] = {}
    # each handler once (by name, in first-seen order) with the events of the types it handles
    handlers: dict[str, tuple[Callable, list[Pending]]] = {}
    for event in events:
        for handler in handlers_for(event.event_type):
            handlers.setdefault(handler_name(handler), (handler, []))[1].append(event)
    for name, (handler, theirs) in handlers.items():
        mine = [event for event in theirs if event.pk not in failed]
        if name in _BATCH and len(mine) > 1:
            try:
                _run_batch(mine, handler)
                continue
            except Exception:  # find the bad event(s): one by one below
                log.exception("batch of %s events failed in %s; retrying one by one", len(mine), name)
        for event in mine:
            try:
                _run_handler(event, handler)
            except Exception as error:  # a failing handler is retried later, never lost
                log.exception("event %s failed", event.event_id)
                failed[event.pk] = error
    for pk, error in failed.items():
        OutboxEvent.objects.filter(pk=pk).update(attempts=F("attempts") + 1, last_error=repr(error)[:2000])
    return done + _mark_delivered([event.pk for event in events if event.pk not in failed])

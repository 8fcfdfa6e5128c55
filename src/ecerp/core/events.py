"""Domain events: an outbox written with the business change, and an explicit handler registry.

publish() must run inside the transaction that makes the change; the event is
delivered after commit (in-process by default, or by `ecerp deliver_events` /
a worker). Delivery is at least once; each handler runs once per event id,
recorded in HandledEvent in the same transaction as the handler's own writes.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ecerp.core.models import HandledEvent, OutboxEvent

log = logging.getLogger(__name__)

_HANDLERS: dict[str, list[Callable[[dict], None]]] = defaultdict(list)


def handler_name(handler: Callable) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(event_type: str):
    """Register the decorated function as a handler of event_type (explicit, visible in code)."""

    def register(handler: Callable[[dict], None]):
        if handler_name(handler) not in {handler_name(h) for h in _HANDLERS[event_type]}:
            _HANDLERS[event_type].append(handler)
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


def _run_handler(event: OutboxEvent, handler: Callable) -> None:
    name = handler_name(handler)
    with transaction.atomic():
        try:
            with transaction.atomic():
                HandledEvent.objects.create(event_id=event.event_id, handler=name)
        except IntegrityError:
            return  # already handled: at-least-once delivery, exactly-once effect
        handler({"event_id": str(event.event_id), "event_type": event.event_type, **event.payload})


def deliver_pending(*, limit: int = 500, event_ids: list[int] | None = None) -> int:
    """Deliver undelivered events to their handlers; return how many were completed."""
    events = OutboxEvent.objects.filter(delivered_at__isnull=True).order_by("id")
    if event_ids is not None:
        events = events.filter(pk__in=event_ids)
    done = 0
    for event in events[:limit]:
        try:
            for handler in handlers_for(event.event_type):
                _run_handler(event, handler)
        except Exception as error:  # a failing handler is retried later, never lost
            log.exception("event %s failed", event.event_id)
            OutboxEvent.objects.filter(pk=event.pk).update(
                attempts=F("attempts") + 1, last_error=repr(error)[:2000]
            )
            continue
        OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=timezone.now(), attempts=F("attempts") + 1)
        done += 1
    return done

"""Pull orders from a platform API window by window, remembering the last window per store."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from ecerp.sales.adapters.platform import PlatformAdapter
from ecerp.sales.models import SyncCursor
from ecerp.sales.services.ingest import IngestResult, ingest_orders

DEFAULT_START = datetime.timedelta(days=1)
OVERLAP = datetime.timedelta(minutes=5)


def sync_store_orders(*, user, store, adapter: PlatformAdapter, until: datetime.datetime | None = None,
                      start: datetime.datetime | None = None) -> tuple[IngestResult, datetime.datetime,
                                                                          datetime.datetime]:
    """Pull the next window [last until - overlap, until) of the store's orders and ingest them.

    The first run starts at `start` (default: one day before until). Windows overlap by five
    minutes so an order updated at a boundary is never missed; ingest makes the overlap harmless.
    The cursor advances only after the window was ingested (same transaction as its last batch).
    Returns (result, since, until).
    """
    until = until or timezone.now()
    with transaction.atomic():
        cursor = SyncCursor.objects.select_for_update().filter(store=store).first()
        since = (cursor.synced_until - OVERLAP) if cursor else (start or until - DEFAULT_START)
        records = adapter.fetch_orders(store, since, until)
        result = ingest_orders(user=user, source=f"pull:{adapter.name}"[:20], records=records,
                               default_store=store.code)
        if cursor is None:
            cursor = SyncCursor(store=store, synced_until=until)
        cursor.synced_until = max(cursor.synced_until, until)
        cursor.last_result = result.counts()
        cursor.save()
    return result, since, until

"""Fast inserts of a batch of unsaved instances (orders, lines, history, outbox rows) for ingest.

Every value is prepared by its field (get_db_prep_save: encryption, JSON, decimals, time zones) and
the rows go to the driver with core.bulk.insert_rows (one executemany), which is several times
faster than bulk_create on a 2-core machine. Unlike core.bulk.insert_records, date-time fields are
prepared too (SQLite stores them as naive UTC text) and the primary key lookup is optional.
"""

from __future__ import annotations

from django.db import connection, models
from django.utils import timezone

from ecerp.core.bulk import PREPARED_TYPES, insert_rows

LOOKUP_CHUNK = 900


def insert_all(model: type[models.Model], instances: list[models.Model], key: str | None = None) -> None:
    """Insert instances; with key (a unique field), give them their primary keys afterwards."""
    if not instances:
        return
    now = timezone.now()
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for instance in instances:
                setattr(instance, field.attname, now)
    # only the values the driver cannot take as they are go through their field
    getters = [(field.attname, field if isinstance(field, (*PREPARED_TYPES, models.DateTimeField)) else None)
               for field in fields]
    rows = [tuple(getattr(instance, attname) if field is None
                  else field.get_db_prep_save(getattr(instance, attname), connection) for attname, field in getters)
            for instance in instances]
    insert_rows(model, [field.attname for field in fields], rows)
    if key is None:
        return
    by_key = {getattr(instance, key): instance for instance in instances}
    keys = list(by_key)
    for start in range(0, len(keys), LOOKUP_CHUNK):
        for pk, value in model.objects.filter(**{f"{key}__in": keys[start:start + LOOKUP_CHUNK]}).values_list(
                "pk", key):
            instance = by_key[value]
            instance.pk = pk
            instance._state.adding = False
            instance._state.db = connection.alias

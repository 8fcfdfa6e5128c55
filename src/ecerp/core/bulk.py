"""Fast inserts for large batches: one executemany per table instead of the ORM's per-value SQL compiler.

On a 2-core machine Django's bulk_create spends most of its time compiling SQL
(SQLite caps a statement at 999 parameters, so 100,000 products are 1,700
INSERTs). These helpers prepare each value with its field (encrypted fields are
encrypted, JSON is dumped, dates adapted) and hand the rows to the driver at once.
Used by the audit log's record_many and by the spreadsheet import.
"""

from __future__ import annotations

from django.db import connection, models
from django.utils import timezone

from ecerp.core.crypto import EncryptedTextField

ROWS_PER_CALL = 5000
# Fields whose Python value the driver cannot take as it is.
PREPARED_TYPES = (EncryptedTextField, models.JSONField, models.DateField, models.TimeField, models.UUIDField,
                  models.DurationField, models.BinaryField)


def insert_rows(model: type[models.Model], attnames: list[str], rows: list[tuple]) -> None:
    """INSERT rows of database-ready values into model's table, in executemany calls of ROWS_PER_CALL.

    attnames name the model's fields in the order of each row's values (e.g. "user_id").
    No primary keys come back; the caller looks them up by a unique key where it needs them.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name).column for name in attnames]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table), ", ".join(quote(name) for name in columns), ", ".join(["%s"] * len(columns)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_CALL):
            cursor.executemany(sql, rows[start:start + ROWS_PER_CALL])


def insert_records(model: type[models.Model], instances: list[models.Model], key: str = "code") -> None:
    """Insert unsaved instances and give them their primary keys (looked up by their unique key).

    auto_now / auto_now_add fields are set to now, as save() would. Model.save() is not
    called: nothing that overrides it runs.
    """
    if not instances:
        return
    now = timezone.now()
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    getters = []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for instance in instances:
                setattr(instance, field.attname, now)
        getters.append((field.attname, field if isinstance(field, PREPARED_TYPES) else None))
    rows = []
    for instance in instances:
        values = instance.__dict__
        rows.append(tuple(
            values[attname] if field is None else field.get_db_prep_save(values[attname], connection)
            for attname, field in getters
        ))
    insert_rows(model, [field.attname for field in fields], rows)
    by_key = {getattr(instance, key): instance for instance in instances}
    keys = list(by_key)
    for start in range(0, len(keys), 900):
        for pk, value in model.objects.filter(**{f"{key}__in": keys[start:start + 900]}).values_list("pk", key):
            instance = by_key[value]
            instance.pk = pk
            instance._state.adding = False
            instance._state.db = connection.alias

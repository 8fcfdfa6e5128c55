"""Fast bulk writes for large imports: one executemany per table instead of the ORM's per-value SQL compiler.

On a 2-core machine Django's bulk_create spends most of its time compiling SQL
(SQLite caps a statement at 999 parameters, so 100,000 products are 1,700
INSERTs). These helpers prepare each value with its field (encrypted fields are
encrypted, JSON is dumped, dates adapted) and hand the rows to the driver at once.
write_audit() writes exactly the rows core.audit.record_many() writes (a test
compares them); it belongs in core.audit and should move there.
"""

from __future__ import annotations

from django.db import connection, models
from django.utils import timezone

from ecerp.core.audit import changed_fields
from ecerp.core.crypto import EncryptedTextField
from ecerp.core.models import AuditAction, AuditLog

ROWS_PER_CALL = 5000
PREPARED_TYPES = (EncryptedTextField, models.JSONField, models.DateField, models.TimeField, models.UUIDField,
                  models.DurationField, models.BinaryField)


def _executemany(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table), ", ".join(quote(name) for name in columns), ", ".join(["%s"] * len(columns)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_CALL):
            cursor.executemany(sql, rows[start:start + ROWS_PER_CALL])


def insert_records(model: type[models.Model], instances: list[models.Model], key: str = "code") -> None:
    """Insert unsaved instances and give them their primary keys (looked up by their unique key)."""
    if not instances:
        return
    now = timezone.now()
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    getters = []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for instance in instances:
                setattr(instance, field.attname, now)
        if isinstance(field, PREPARED_TYPES):
            getters.append((field.attname, field))
        else:
            getters.append((field.attname, None))
    rows = []
    for instance in instances:
        values = instance.__dict__
        rows.append(tuple(
            values[attname] if field is None else field.get_db_prep_save(values[attname], connection)
            for attname, field in getters
        ))
    _executemany(model, [field.column for field in fields], rows)
    by_key = {getattr(instance, key): instance for instance in instances}
    keys = list(by_key)
    for start in range(0, len(keys), 900):
        for pk, value in model.objects.filter(**{f"{key}__in": keys[start:start + 900]}).values_list("pk", key):
            instance = by_key[value]
            instance.pk = pk
            instance._state.adding = False
            instance._state.db = connection.alias


def write_audit(*, user, entries: list[tuple[str, models.Model, dict | None, dict | None]], note: str = "") -> int:
    """Write audit rows for a batch exactly like core.audit.record_many (updates without a change write none)."""
    user_id = user.pk if getattr(user, "pk", None) else None
    username = getattr(user, "username", "") or "system"
    note = note[:300]
    now = timezone.now()
    json_field = AuditLog._meta.get_field("after")
    at_field = AuditLog._meta.get_field("at")
    at = at_field.get_db_prep_save(now, connection)
    rows = []
    for action, instance, before, after in entries:
        if action == AuditAction.UPDATE:
            diff = changed_fields(before, after)
            if not diff:
                continue
            before = {key: old for key, (old, _new) in diff.items()}
            after = {key: new for key, (_old, new) in diff.items()}
        rows.append((
            at, user_id, username, str(action), instance._meta.label_lower, str(instance.pk), str(instance)[:200],
            json_field.get_db_prep_save(before, connection), json_field.get_db_prep_save(after, connection), note,
        ))
    columns = ["at", "user_id", "username", "action", "model", "object_id", "object_repr", "before", "after", "note"]
    _executemany(AuditLog, [AuditLog._meta.get_field(name).column for name in columns], rows)
    return len(rows)


"""The audit log: before/after values of every create, update and delete.

Services call record_change() inside their transaction. Personal data is
stored masked, so the log never holds what the screen would hide.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import json
import uuid

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.utils import timezone

from ecerp.core.bulk import insert_rows
from ecerp.core.crypto import EncryptedTextField, lookup_hash
from ecerp.core.models import AuditAction, AuditLog


def _jsonable(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


class MaskedValue(str):
    """A masked personal value that still compares unequal when the hidden clear value differs.

    It is stored as its plain masked text; only the in-memory comparison of two snapshots
    (changed_fields) sees the keyed digest, so a change hidden by the mask is still audited.
    The digest is computed only when two equal masks are compared (most snapshots never are).
    """

    __slots__ = ("_clear", "_digest")

    def __new__(cls, masked: str, clear: str):
        value = super().__new__(cls, masked)
        value._clear, value._digest = clear or "", None
        return value

    @property
    def digest(self) -> str:
        if self._digest is None:
            self._digest = lookup_hash(self._clear)
        return self._digest

    def __eq__(self, other):
        if isinstance(other, MaskedValue):
            return str.__eq__(self, other) and (self._clear == other._clear or self.digest == other.digest)
        return str.__eq__(self, other)

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = str.__hash__


# Values of these types are JSON-ready as they are (the common case: a snapshot of 100,000 imported
# products must not pay for the full conversion of every value).
PLAIN_TYPES = frozenset({str, int, bool, float, type(None)})


def _field_value(field, value):
    if isinstance(field, EncryptedTextField):
        return MaskedValue(field.masked(value), value)
    if isinstance(field, models.DecimalField) and isinstance(value, decimal.Decimal) and value.is_finite():
        # 10, 10.0 and the column's 10.0000 are the same price: compare and store in the column's scale.
        try:
            return str(value.quantize(decimal.Decimal(1).scaleb(-field.decimal_places)))
        except decimal.InvalidOperation:
            return str(value)
    return _jsonable(value)


@functools.cache
def _snapshot_fields(model: type[models.Model]) -> tuple[list[tuple[str, models.Field | None]], list]:
    """(attname, field or None) of the concrete fields a snapshot keeps, None where a plain value needs no
    conversion by field (neither personal data nor a decimal); and the many-to-many fields."""
    concrete = [(field.attname, field if isinstance(field, EncryptedTextField | models.DecimalField) else None)
                for field in model._meta.concrete_fields if not getattr(field, "auto_now", False)]
    return concrete, list(model._meta.many_to_many)


def snapshot(instance: models.Model) -> dict:
    """Return the concrete field values of instance as JSON-ready data (personal data masked).

    Timestamps maintained by Django on every save (auto_now) are left out: the audit
    row has its own time, and they would make every unchanged save look like a change.
    """
    concrete, many_to_many = _snapshot_fields(type(instance))
    data = {}
    for attname, field in concrete:
        value = getattr(instance, attname)
        if field is not None:
            data[attname] = _field_value(field, value)
        else:
            data[attname] = value if type(value) in PLAIN_TYPES else _jsonable(value)
    for field in many_to_many:
        if instance.pk is not None:
            data[field.name] = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    return data


def changed_fields(before: dict | None, after: dict | None) -> dict:
    """Return {field: [old, new]} for the fields that differ."""
    before, after = before or {}, after or {}
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _label(instance_or_model) -> str:
    return instance_or_model._meta.label_lower


def _who(user) -> tuple[int | None, str]:
    """The user id (None for the system or an anonymous caller) and name an audit row keeps."""
    return (user.pk if getattr(user, "pk", None) else None), (getattr(user, "username", "") or "system")


def _kept_values(action: str, before: dict | None, after: dict | None) -> tuple[dict | None, dict | None] | None:
    """The before/after an audit row keeps: an update (or setting) keeps its changed fields only.

    None when an update (or setting) changed nothing: no row is written for it.
    """
    if action in (AuditAction.UPDATE, AuditAction.SETTING) and before is not None and after is not None:
        diff = changed_fields(before, after)
        if not diff:
            return None
        return {key: old for key, (old, _new) in diff.items()}, {key: new for key, (_old, new) in diff.items()}
    return before, after


def record_change(*, user, action: str, instance: models.Model, before: dict | None = None,
                  after: dict | None = None, note: str = "") -> AuditLog | None:
    """Write one audit row; an update (or setting) that changed nothing writes none."""
    kept = _kept_values(action, before, after)
    if kept is None:
        return None
    user_id, username = _who(user)
    return AuditLog.objects.create(
        user_id=user_id,
        username=username,
        action=action,
        model=_label(instance),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=kept[0],
        after=kept[1],
        note=note[:300],
    )


def _json(value) -> str | None:
    """What the before/after JSONField sends the database (json.dumps of the value; None stays NULL)."""
    return None if value is None else json.dumps(value)


AUDIT_COLUMNS = ["at", "user_id", "username", "action", "model", "object_id", "object_repr", "before", "after",
                 "note"]


def record_many(*, user, entries: list[tuple[str, models.Model, dict | None, dict | None]], note: str = "") -> int:
    """Write the audit rows of a batch (imports): entries of (action, instance, before, after).

    Each entry is kept as record_change would keep it (an update that changed nothing writes
    no row), but all rows go to the database in a few executemany calls (100,000 rows in
    seconds). Returns the number of rows written.
    """
    user_id, username = _who(user)
    note = note[:300]
    at = AuditLog._meta.get_field("at").get_db_prep_save(timezone.now(), connection)
    rows = []
    for action, instance, before, after in entries:
        kept = _kept_values(action, before, after)
        if kept is None:
            continue
        rows.append((
            at, user_id, username, str(action), _label(instance), str(instance.pk), str(instance)[:200],
            _json(kept[0]), _json(kept[1]), note,
        ))
    insert_rows(AuditLog, AUDIT_COLUMNS, rows)
    return len(rows)


def record_rows(*, user, model: type[models.Model] | str, rows: list[tuple], note: str = "") -> int:
    """record_many without model instances: rows of (action, object_id, object_repr, before, after).

    For batch services that work on tuples (a state move of 1,000 orders): before/after are the
    kept values themselves (for an update, only the changed fields, as record_many would keep
    them); an update whose before equals its after writes no row. Returns the rows written.
    """
    user_id, username = _who(user)
    note = note[:300]
    label = model if isinstance(model, str) else model._meta.label_lower
    at = AuditLog._meta.get_field("at").get_db_prep_save(timezone.now(), connection)
    kept = []
    for action, object_id, object_repr, before, after in rows:
        if action in (AuditAction.UPDATE, AuditAction.SETTING) and before is not None and before == after:
            continue
        kept.append((at, user_id, username, str(action), label, str(object_id), str(object_repr)[:200],
                     _json(before), _json(after), note))
    insert_rows(AuditLog, AUDIT_COLUMNS, kept)
    return len(kept)


def record_login(*, username: str, user=None, address: str = "", path: str = "", success: bool,
                 note: str = "") -> AuditLog:
    """Write the audit row of one login attempt (action "login"), whether it succeeded or not.

    A successful login names the user; a failed one keeps the username that was tried
    (the password never reaches this function). The row's after holds success, the
    caller's address and the path logged in through (page, admin or API token).
    """
    user_model = get_user_model()
    signed_in = user if getattr(user, "pk", None) else None
    return AuditLog.objects.create(
        user=signed_in,
        username=(signed_in.get_username() if signed_in else (username or ""))[:150],
        action=AuditAction.LOGIN,
        model=user_model._meta.label_lower,
        object_id=str(signed_in.pk) if signed_in else "",
        object_repr=(signed_in.get_username() if signed_in else (username or ""))[:200],
        after={"success": success, "address": address[:64], "path": path[:200]},
        note=note[:300],
    )


def history_for(instance: models.Model):
    """Return the audit rows of one object, newest first."""
    return AuditLog.objects.filter(model=_label(instance), object_id=str(instance.pk)).select_related("user")

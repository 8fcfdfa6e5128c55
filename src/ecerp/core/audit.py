"""The audit log: before/after values of every create, update and delete.

Services call record_change() inside their transaction. Personal data is
stored masked, so the log never holds what the screen would hide.
"""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.db import models

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
    """

    digest: str = ""

    def __new__(cls, masked: str, clear: str):
        value = super().__new__(cls, masked)
        value.digest = lookup_hash(clear or "")
        return value

    def __eq__(self, other):
        if isinstance(other, MaskedValue):
            return str.__eq__(self, other) and self.digest == other.digest
        return str.__eq__(self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__


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


def snapshot(instance: models.Model) -> dict:
    """Return the concrete field values of instance as JSON-ready data (personal data masked).

    Timestamps maintained by Django on every save (auto_now) are left out: the audit
    row has its own time, and they would make every unchanged save look like a change.
    """
    data = {}
    for field in instance._meta.concrete_fields:
        if getattr(field, "auto_now", False):
            continue
        data[field.attname] = _field_value(field, getattr(instance, field.attname))
    for field in instance._meta.many_to_many:
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


def record_change(*, user, action: str, instance: models.Model, before: dict | None = None,
                  after: dict | None = None, note: str = "") -> AuditLog | None:
    """Write one audit row; an update (or setting) that changed nothing writes none."""
    if action in (AuditAction.UPDATE, AuditAction.SETTING) and before is not None and after is not None:
        diff = changed_fields(before, after)
        if not diff:
            return None
        before = {key: old for key, (old, _new) in diff.items()}
        after = {key: new for key, (_old, new) in diff.items()}
    return AuditLog.objects.create(
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or "system",
        action=action,
        model=_label(instance),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
        note=note[:300],
    )


def record_many(*, user, entries: list[tuple[str, models.Model, dict | None, dict | None]], note: str = "") -> int:
    """Write audit rows for a batch (imports): entries of (action, instance, before, after)."""
    rows = []
    for action, instance, before, after in entries:
        if action in (AuditAction.UPDATE, AuditAction.SETTING):
            diff = changed_fields(before, after)
            if not diff:
                continue
            before = {key: old for key, (old, _new) in diff.items()}
            after = {key: new for key, (_old, new) in diff.items()}
        rows.append(
            AuditLog(
                user=user if getattr(user, "pk", None) else None,
                username=getattr(user, "username", "") or "system",
                action=action,
                model=_label(instance),
                object_id=str(instance.pk),
                object_repr=str(instance)[:200],
                before=before,
                after=after,
                note=note[:300],
            )
        )
    AuditLog.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def history_for(instance: models.Model):
    """Return the audit rows of one object, newest first."""
    return AuditLog.objects.filter(model=_label(instance), object_id=str(instance.pk)).select_related("user")

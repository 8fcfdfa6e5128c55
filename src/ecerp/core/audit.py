"""The audit log: before/after values of every create, update and delete.

Services call record_change() inside their transaction. Personal data is
stored masked, so the log never holds what the screen would hide.
"""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.db import models

from ecerp.core.crypto import EncryptedTextField
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


def snapshot(instance: models.Model) -> dict:
    """Return the concrete field values of instance as JSON-ready data (personal data masked)."""
    data = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(field, EncryptedTextField):
            value = field.masked(value)
        data[field.attname] = _jsonable(value)
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
    """Write one audit row; an update that changed nothing writes none."""
    if action == AuditAction.UPDATE and before is not None and after is not None:
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
        if action == AuditAction.UPDATE:
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

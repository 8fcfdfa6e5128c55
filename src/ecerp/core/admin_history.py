"""Readable history of one object for the admin's history page: audit rows and state moves, in Chinese.

Audit rows keep raw column values (foreign keys as ids, choices as keys); this
module turns them into labels: field verbose names, related objects' names,
choice labels, 是/否.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from ecerp.core.audit import history_for
from ecerp.core.models import AuditAction, AuditLog, StateHistory

EMPTY = "—"

# Keys of audit rows that are not model columns (written by set_bundle_components and record_login).
EXTRA_LABELS = {"components": _("组合明细"), "address": _("地址"), "order_lines": _("订单明细")}


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Entry:
    at: object
    username: str
    action: str
    action_label: str
    note: str
    changes: list[Change] = field(default_factory=list)


def _model_field(model, key: str):
    for candidate in model._meta.get_fields():
        if getattr(candidate, "attname", None) == key or candidate.name == key:
            return candidate
    raise FieldDoesNotExist(key)


class _Resolver:
    """Looks up names of related objects once per (model, pk)."""

    def __init__(self):
        self.cache: dict[tuple, str] = {}

    def name(self, model, pk) -> str:
        key = (model, pk)
        if key not in self.cache:
            obj = model._default_manager.filter(pk=pk).first()
            self.cache[key] = str(obj) if obj is not None else f"#{pk}"
        return self.cache[key]


def _display(model, key: str, value, resolver: _Resolver) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if key == "components" and isinstance(value, list):
        from ecerp.masterdata.models import Product

        return "，".join(f"{resolver.name(Product, pk)} × {quantity}" for pk, quantity in value)
    try:
        model_field = _model_field(model, key)
    except FieldDoesNotExist:
        return str(_("是") if value else _("否")) if isinstance(value, bool) else str(value)
    if isinstance(model_field, models.BooleanField):
        return str(_("是") if value else _("否"))
    if model_field.many_to_many and isinstance(value, list):
        return "，".join(resolver.name(model_field.related_model, pk) for pk in value) or EMPTY
    if model_field.is_relation and model_field.related_model is not None:
        return resolver.name(model_field.related_model, value)
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
        return _local_time(value)
    return str(value)


def _local_time(value: str) -> str:
    """An ISO date-time of an audit row (often UTC) as the pages show times: local, to the second."""
    moment = parse_datetime(value)
    if moment is None:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _label(model, key: str) -> str:
    if key in EXTRA_LABELS:
        return str(EXTRA_LABELS[key])
    try:
        return str(_model_field(model, key).verbose_name)
    except (FieldDoesNotExist, AttributeError):
        return key


def describe_changes(model, before: dict | None, after: dict | None, resolver: _Resolver | None = None) -> list[Change]:
    """Return the changed fields of one audit row as labelled before -> after pairs."""
    resolver = resolver or _Resolver()
    before, after = before or {}, after or {}
    keys = [key for key in dict.fromkeys([*before, *after]) if key not in ("id", "updated_at")]
    changes = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        if old == new or (old in (None, "") and new in (None, "") and (key in before) == (key in after)):
            continue
        changes.append(Change(_label(model, key), _display(model, key, old, resolver),
                              _display(model, key, new, resolver)))
    return changes


def describe_entry(entry: AuditLog, model, resolver: _Resolver | None = None) -> Entry:
    before, after = entry.before, entry.after
    if entry.action == AuditAction.CREATE:
        # A creation lists the values given, not every empty column.
        after = {key: value for key, value in (after or {}).items() if value not in (None, "", [], False, 0, "0")}
    return Entry(
        at=entry.at,
        username=entry.username or (entry.user.get_username() if entry.user else "system"),
        action=entry.action,
        action_label=str(entry.get_action_display()),
        note=entry.note,
        changes=describe_changes(model, before, after, resolver),
    )


def describe_entries(obj: models.Model) -> list[Entry]:
    """Return the audit history of obj, newest first, ready for the history page."""
    resolver = _Resolver()
    return [describe_entry(entry, type(obj), resolver) for entry in history_for(obj)[:500]]


def describe_states(obj: models.Model) -> list[dict]:
    """Return the state moves of obj (oldest first) with state labels."""
    rows = StateHistory.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk)).select_related("user")
    result = []
    for row in rows:
        try:
            choices = dict(obj._meta.get_field(row.field).flatchoices)
            field_label = obj._meta.get_field(row.field).verbose_name
        except FieldDoesNotExist:
            choices, field_label = {}, row.field
        result.append({
            "at": row.at,
            "user": row.user.get_username() if row.user else "system",
            "field": field_label,
            "from_state": choices.get(row.from_state, row.from_state),
            "to_state": choices.get(row.to_state, row.to_state),
            "reason": row.reason,
        })
    return result

"""Database-ready rows (and audit snapshots) of new objects of one model, built from plain values.

The ingest of 1,000 new orders writes some 8,000 rows; building a model instance for each, then
preparing every value through its field, cost more than the database did. A RowBuilder is made
once per batch: it decides per column how a value is prepared (as Model.save() would prepare it,
through core.bulk.preparer), prepares the columns the caller does not give (defaults, auto_now
times, batch constants) once, and builds the audit snapshot of a new object exactly as
core.audit.snapshot() would give it for the saved instance. Personal data is encrypted value by
value (a fresh IV each: equal clear values never show as equal ciphertexts).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence

from django.db import connection, models

from ecerp.core import bulk
from ecerp.core.audit import PLAIN_TYPES, _field_value, _jsonable, _snapshot_fields
from ecerp.core.bulk import PASS_THROUGH, insert_rows, preparer
from ecerp.core.crypto import EncryptedTextField

NOTHING = frozenset()
UUIDS = frozenset({uuid.UUID})


def _cached(prepare):
    """prepare(value) computed once per distinct value (date-times, masks)."""
    done: dict = {}

    def prepare_once(value):
        try:
            return done[value]
        except KeyError:
            result = done[value] = prepare(value)
            return result
        except TypeError:  # not hashable
            return prepare(value)

    return prepare_once


def _snapshot_value(field: models.Field | None, value):
    """What core.audit.snapshot keeps for value of field (field None: a plain column)."""
    if field is not None:
        return _field_value(field, value)
    return value if type(value) in PLAIN_TYPES else _jsonable(value)


class RowBuilder:
    """Rows of model for insert_rows: the caller gives the values of `given` (attnames, in that order)
    per row, constants the values shared by the whole batch; every other concrete field takes its
    default (auto_now / auto_now_add fields: now). With with_pk, each row starts with its primary key.
    """

    def __init__(self, model: type[models.Model], given: Sequence[str], *, now, constants: dict | None = None,
                 with_pk: bool = False):
        self.model = model
        self.given = list(given)
        constants = dict(constants or {})
        position = {name: index for index, name in enumerate(self.given)}
        preparers = {}
        fixed_names, fixed_values = [], []
        # the Python value of every field not given (what an unsaved instance would hold)
        self.values: dict[str, object] = {}
        for field in model._meta.concrete_fields:
            if field.primary_key:
                continue
            name = field.attname
            if name in position:
                prepare = preparer(field)
                if isinstance(field, models.DateTimeField):
                    # (never for personal data: each value gets its own IV, so equal clear values do
                    # not show as equal ciphertexts in the table)
                    prepare = _cached(prepare)
                target = field.target_field if isinstance(field, models.ForeignKey) else field
                passable = PASS_THROUGH.get(type(target), NOTHING)
                if type(target) is models.UUIDField and connection.features.has_native_uuid_field:
                    passable = UUIDS  # save() hands a UUID to a native uuid column as it is
                preparers[name] = (passable, prepare)
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            elif name in constants:
                value = constants[name]
            else:
                value = field.get_default()
            self.values[name] = value
            fixed_names.append(name)
            fixed_values.append(preparer(field)(value))
        missing = set(self.given) - set(preparers)
        if missing:
            raise ValueError(f"not insertable fields of {model.__name__}: {sorted(missing)}")
        # per given column: the value types save() would hand the driver unchanged, and the preparer of others
        self.passable = [preparers[name][0] for name in self.given]
        self.preparers = [preparers[name][1] for name in self.given]
        pk = model._meta.pk.attname
        self.with_pk = with_pk
        self.attnames = ([pk] if with_pk else []) + self.given + fixed_names
        self.fixed = tuple(fixed_values)
        self._snapshot_plan = None

    def row(self, values: Sequence, pk=None) -> tuple:
        prepared = [value if type(value) in passable else prepare(value)
                    for value, passable, prepare in zip(values, self.passable, self.preparers, strict=True)]
        if self.with_pk:
            return (pk, *prepared, *self.fixed)
        return (*prepared, *self.fixed)

    def insert(self, rows: list[tuple]) -> None:
        insert_rows(self.model, self.attnames, rows)

    def snapshot(self, values: Sequence, pk) -> dict:
        """core.audit.snapshot() of the object these values make once saved with primary key pk."""
        if self._snapshot_plan is None:
            self._snapshot_plan = self._plan()
        plan, many_to_many = self._snapshot_plan
        data = {}
        for name, index, convert, constant in plan:
            if index is None:
                data[name] = constant
            elif index < 0:
                data[name] = pk
            else:
                data[name] = convert(values[index])
        for name in many_to_many:
            data[name] = []  # a new object has no related rows yet
        return data

    def _plan(self):
        concrete, many_to_many = _snapshot_fields(self.model)
        position = {name: index for index, name in enumerate(self.given)}
        pk = self.model._meta.pk.attname
        plan = []
        for name, field in concrete:
            if name == pk:
                plan.append((name, -1, None, None))
            elif name in position:
                if isinstance(field, EncryptedTextField):
                    convert = _cached(field.masked)
                elif field is not None:
                    convert = functools.partial(_field_value, field)
                else:
                    convert = functools.partial(_snapshot_value, None)
                plan.append((name, position[name], convert, None))
            else:
                plan.append((name, None, None, _snapshot_value(field, self.values[name])))
        return plan, [field.name for field in many_to_many]


def reserve_ids(model: type[models.Model], count: int) -> list[int] | None:
    """PostgreSQL: count primary keys taken from model's sequence (core.bulk.reserve_ids); None on other
    databases (the rows are inserted without ids there)."""
    if connection.vendor != "postgresql" or not count:
        return None
    return bulk.reserve_ids(model, count)

"""Fast inserts for large batches: one executemany per table instead of the ORM's per-value SQL compiler.

On a 2-core machine Django's bulk_create spends most of its time compiling SQL
(SQLite caps a statement at 999 parameters, so 100,000 products are 1,700
INSERTs). insert_records prepares each value as Model.save() does
(field.get_db_prep_save) and hands the rows to the driver at once. Used by the
audit log's record_many, the spreadsheet import and the sales order ingest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

ROWS_PER_CALL = 5000
LOOKUP_CHUNK = 900
NONE = type(None)
TEXT = frozenset({str, NONE})
INTEGER = frozenset({int, NONE})
# Built-in fields (the exact class, not subclasses: EncryptedTextField is a TextField) whose
# get_db_prep_save gives back a value of one of these types unchanged on SQLite and PostgreSQL
# (Django 5.2; psycopg's client-side binding takes a plain int as Django's Int4/Int8 wrapper).
# Such a value skips the field call (1-6 microseconds each, seconds for 100,000 products);
# any other value, and every value of any other field, goes through get_db_prep_save.
PASS_THROUGH: dict[type[models.Field], frozenset[type]] = {
    models.CharField: TEXT, models.TextField: TEXT, models.SlugField: TEXT, models.EmailField: TEXT,
    models.URLField: TEXT,
    models.IntegerField: INTEGER, models.BigIntegerField: INTEGER, models.SmallIntegerField: INTEGER,
    models.PositiveIntegerField: INTEGER, models.PositiveBigIntegerField: INTEGER,
    models.PositiveSmallIntegerField: INTEGER, models.AutoField: INTEGER, models.BigAutoField: INTEGER,
    models.SmallAutoField: INTEGER,
    models.BooleanField: frozenset({bool, NONE}),
}


def insert_rows(model: type[models.Model], attnames: list[str], rows: list[tuple]) -> None:
    """INSERT rows of database-ready values into model's table (executemany calls of ROWS_PER_CALL; COPY on
    PostgreSQL).

    attnames name the model's fields in the order of each row's values (e.g. "user_id").
    No primary keys come back; the caller looks them up by a unique key where it needs them.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name).column for name in attnames]
    if connection.vendor == "postgresql":
        _copy_rows(quote(model._meta.db_table), [quote(name) for name in columns], rows)
        return
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table), ", ".join(quote(name) for name in columns), ", ".join(["%s"] * len(columns)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_CALL):
            cursor.executemany(sql, rows[start:start + ROWS_PER_CALL])


def _copy_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """PostgreSQL: COPY ... FROM STDIN (psycopg 3), about five times faster than executemany for 1,000 rows.

    The values are the ones executemany would bind (Jsonb adapters, aware date-times, Decimals,
    UUIDs); psycopg writes them in COPY's text format and the server parses each by its column's
    type. Errors (a unique violation...) come out as Django's IntegrityError like any query's.
    """
    sql = "COPY {} ({}) FROM STDIN".format(table, ", ".join(columns))
    started = time.monotonic()
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    if connection.queries_logged:  # seen by debug tooling and query-count tests like any statement
        connection.queries_log.append({"sql": f"{sql} -- {len(rows)} rows",
                                       "time": f"{time.monotonic() - started:.3f}"})


def preparer(field: models.Field) -> Callable[[object], object]:
    """The function that turns a Python value of field into what save() would hand the driver."""
    prepare = field.get_db_prep_save
    if isinstance(field, models.ForeignKey):
        # the ORM prepares a foreign key's value with the field it points to
        passable = PASS_THROUGH.get(type(field.target_field))
    else:
        passable = PASS_THROUGH.get(type(field))
    if passable is not None:
        return lambda value: value if type(value) in passable else prepare(value, connection)
    if type(field) is models.DecimalField:
        # save() would turn a Decimal into itself (no rounding in Django 5.2: PostgreSQL's numeric
        # column rounds, SQLite's read converter quantises) and reject NaN and infinities
        return lambda value: (value if value is None or (type(value) is Decimal and value.is_finite())
                              else prepare(value, connection))
    return lambda value: prepare(value, connection)


def insert_records(model: type[models.Model], instances: list[models.Model], key: str | None = "code") -> None:
    """Insert unsaved instances with one executemany; with key (a unique field), give them their primary keys.

    Each value is prepared as save() prepares it (get_db_prep_save: aware date-times to the
    database's form, JSON dumped, personal data encrypted...). auto_now / auto_now_add fields
    are set to one "now" for the batch. Model.save() is not called: nothing that overrides it
    runs, no signal is sent, a primary key already set on an instance is ignored. With key=None
    no primary key is looked up (rows nothing else refers to: lines, history, versions). With
    key="pk" the ids are reserved first (PostgreSQL sequence) and inserted with the rows, for
    models without another unique key (stock moves).
    """
    if not instances:
        return
    if key == "pk":
        _insert_with_ids(model, instances)
        return
    _insert_fields(model, instances, [field for field in model._meta.concrete_fields if not field.primary_key])
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


def _insert_with_ids(model: type[models.Model], instances: list[models.Model]) -> None:
    """Insert instances and give them their primary keys, for a model without another unique key.

    PostgreSQL: the ids are taken from the table's sequence first (one query), then the rows go in
    with COPY, ids included. Other databases: Django's bulk_create (RETURNING on SQLite 3.35+).
    """
    if connection.vendor != "postgresql":
        model.objects.bulk_create(instances)
        return
    ids = reserve_ids(model, len(instances))
    for instance, new_id in zip(instances, ids, strict=True):
        instance.pk = new_id
    insert_records_as_given(model, instances)
    for instance in instances:
        instance._state.adding = False
        instance._state.db = connection.alias


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """PostgreSQL: count new primary keys of model's table from its sequence (one query), in order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [model._meta.db_table, model._meta.pk.column, count])
        return [row[0] for row in cursor.fetchall()]


def insert_records_as_given(model: type[models.Model], instances: list[models.Model]) -> None:
    """insert_records with every concrete field, the primary key included (ids already set)."""
    _insert_fields(model, instances, list(model._meta.concrete_fields))


def _insert_fields(model: type[models.Model], instances: list[models.Model], fields: list[models.Field]) -> None:
    """Insert the values of fields of instances, prepared as save() prepares them (auto_now fields: one now)."""
    now = timezone.now()
    getters = []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for instance in instances:
                setattr(instance, field.attname, now)
        getters.append((field.attname, preparer(field)))
    rows = [tuple([prepare(instance.__dict__[attname]) for attname, prepare in getters]) for instance in instances]
    insert_rows(model, [field.attname for field in fields], rows)


def update_rows(model: type[models.Model], assignments: list[str], where: list[str], rows: list[tuple]) -> int:
    """UPDATE many rows with one executemany: each row gives the values of assignments then of where.

    assignments and where are SQL fragments over the model's columns with one %s each, e.g.
    ["reserved = reserved + %s"] and ["id = %s", "on_hand >= reserved + %s"] (a guard). Values must
    be database-ready. Returns the number of rows changed in all (the caller compares it with
    len(rows) when every row must match its guard).
    """
    if not rows:
        return 0
    sql = "UPDATE {} SET {} WHERE {}".format(connection.ops.quote_name(model._meta.db_table), ", ".join(assignments),
                                             " AND ".join(where))
    changed = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_CALL):
            cursor.executemany(sql, rows[start:start + ROWS_PER_CALL])
            changed += cursor.rowcount
    return changed

"""The generic upsert engine: parse every row, plan create / update / unchanged, then write in bulk.

One RecordImporter handles one type. validate() reads nothing but the file and a
few preloaded look-ups (no query per row); write() runs inside the caller's
transaction and uses bulk_create / bulk_update in batches. Types with more to
check (trees, bundles, status changes) subclass it in their own modules.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, models
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.core import services as core_services
from ecerp.core.audit import record_many, snapshot
from ecerp.core.bulk import insert_records
from ecerp.core.errors import DomainError, ErrorCode
from ecerp.core.models import AuditAction
from ecerp.masterdata import services as md_services
from ecerp.masterdata.errors import MasterdataError
from ecerp.masterdata.importing.columns import Column, Context, clean_cell
from ecerp.masterdata.importing.problems import ImportFailed, ImportResult, Problem
from ecerp.masterdata.models import ROLE_FIELDS

BLANK = object()
CHUNK = 900  # stays under SQLite's limit of host parameters per statement
GENERATED = "（自动生成）"
TEXT_KINDS = ("text", "code", "compact", "unit_code", "email")


@dataclass
class Spec:
    """What one importable type looks like: its columns, its upsert key and the service checks it shares."""

    kind: str
    label: str
    model: type[models.Model]
    columns: list[Column]
    key: tuple[str, ...] = ("code",)
    code_target: str | None = None
    checks: Callable[[models.Model], list] | None = None
    unique_in_file: tuple[tuple[str, ...], ...] = ()
    unique_in_db: tuple[str, ...] = ()
    importer: type[RecordImporter] | None = None
    export_rows: Callable | None = None

    def column(self, field_name: str) -> Column | None:
        return next((column for column in self.columns if column.field == field_name), None)


@dataclass
class RowPlan:
    row: int
    instance: models.Model
    action: str = "create"
    before: models.Model | None = None
    old: dict = field(default_factory=dict)
    changed: set = field(default_factory=set)
    extra: dict = field(default_factory=dict)


def chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


class RecordImporter:
    """Validate and write the rows of one type (upsert by its key)."""

    def __init__(self, spec: Spec, *, user=None, filename: str = ""):
        self.spec = spec
        self.user = user
        self.filename = filename
        self.ctx = Context()
        self.problems: list[Problem] = []
        self._seen_problems: set = set()
        self.plans: list[RowPlan] = []
        self.columns: dict[int, Column] = {}
        self.parsers: list = []
        self._defaults = None
        self._assigners = None
        self.existing: dict = {}
        self.rows = 0
        model = spec.model
        self.tracked: list[str] = []
        for column in spec.columns:
            if column.field == "roles":
                self.tracked.extend(ROLE_FIELDS.values())
            elif (model_field := column.model_field(model)) is not None and model_field.concrete:
                self.tracked.append(model_field.attname)
        self.headers_by_field = {}
        for column in spec.columns:
            self.headers_by_field[column.field] = column.header
            model_field = column.model_field(model)
            if model_field is not None:
                self.headers_by_field[model_field.attname] = column.header
        for role_field in ROLE_FIELDS.values():
            self.headers_by_field.setdefault(role_field, self.headers_by_field.get("roles", ""))

    # --- problems --------------------------------------------------------------------------------

    def header_of(self, field_name: str | None) -> str:
        if not field_name:
            return ""
        return self.headers_by_field.get(field_name, "")

    def add(self, row: int, column: str, code, message) -> None:
        key = (row, column, str(code))
        if key in self._seen_problems:
            return
        self._seen_problems.add(key)
        self.problems.append(Problem(row=row, column=column, code=str(code), message=str(message)))

    def add_error(self, row: int, error: DomainError, column: str | None = None) -> None:
        for detail in error.details:
            self.add(row, column or self.header_of(detail.field), detail.code, detail.message)

    # --- headers ---------------------------------------------------------------------------------

    def map_headers(self, headers: list[str]) -> None:
        names = {}
        for column in self.spec.columns:
            for name in column.names():
                names[name.strip().lower()] = column
        found: dict[str, int] = {}
        for index, header in enumerate(headers):
            text = (header or "").strip()
            if text.startswith("*"):
                text = text[1:].strip()
            if not text:
                continue
            column = names.get(text.lower())
            if column is None:
                self.add(1, text, MasterdataError.UNKNOWN_COLUMN,
                         _("未知的列「%(column)s」（%(type)s 的列：%(known)s）")
                         % {"column": text, "type": self.spec.label,
                            "known": "、".join(c.header for c in self.spec.columns)})
                continue
            if column.field in found:
                self.add(1, column.header, MasterdataError.DUPLICATE_COLUMN,
                         _("列「%(column)s」出现了两次") % {"column": column.header})
                continue
            found[column.field] = index
            self.columns[index] = column
            self.parsers.append((index, column, column.parser()))
        for column in self.spec.columns:
            if column.required and column.field not in found:
                self.add(1, column.header, MasterdataError.MISSING_COLUMN,
                         _("缺少必填列「%(column)s」") % {"column": column.header})

    def header_blocks(self) -> bool:
        """True when the columns are too wrong to read the rows (an unknown column alone is not)."""
        return any(problem.code != MasterdataError.UNKNOWN_COLUMN for problem in self.problems)

    # --- validation ------------------------------------------------------------------------------

    def readable(self, table) -> bool:
        """Map the headers and count the rows; False (with the problem reported) when no row can be read."""
        self.map_headers(table.headers)
        if self.header_blocks():
            return False
        self.rows = len(table.rows)
        if not table.rows:
            self.add(2, "", MasterdataError.NO_DATA, _("文件中没有数据行"))
            return False
        return True

    def validate(self, table) -> None:
        """Check every row; fill self.plans and self.problems. Reads, never writes."""
        if not self.readable(table):
            return
        parsed = [self.parse_row(number, cells) for number, cells in table.rows]
        if self.spec.code_target:
            self.check_given_codes(parsed)
        self.load_existing([values for _row, values, bad in parsed if not bad & set(self.spec.key)])
        seen: dict = {}
        for number, values, bad in parsed:
            if bad & set(self.spec.key):
                self.plan_row(number, values, bad, None)  # reports the row's other problems; never written
                continue
            key = self.key_of(values)
            if key is not None:
                if key in seen:
                    self.add_duplicate(number, self.spec.key[-1], key[-1], seen[key])
                    self.plan_row(number, values, bad, None)
                    continue
                seen[key] = number
            self.plans.append(self.plan_row(number, values, bad, key))
        self.check_batch()
        for plan in self.plans:
            self.finish(plan)

    def parse_row(self, number: int, cells: list) -> tuple[int, dict, set]:
        values: dict = {}
        bad: set = set()
        model = self.spec.model
        width = len(cells)
        for index, column, parse in self.parsers:
            raw = clean_cell(cells[index] if index < width else None)
            if raw is None:
                if column.required:
                    self.add(number, column.header, ErrorCode.REQUIRED,
                             _("「%(label)s」不能为空") % {"label": column.header})
                    bad.add(column.field)
                values[column.field] = BLANK
                continue
            try:
                values[column.field] = parse(raw, model, self.ctx)
            except DomainError as error:
                self.add_error(number, error, column.header)
                bad.add(column.field)
        return number, values, bad

    def check_given_codes(self, parsed: list[tuple[int, dict, set]]) -> None:
        """Check the hand-given codes of every row against the coding rule in one batch (writes nothing).

        A refused code is reported on its row and marks the row's code bad.
        """
        given = [(number, values, bad) for number, values, bad in parsed
                 if values.get("code") not in (None, BLANK) and "code" not in bad]
        try:
            codes = core_services.check_codes(target=self.spec.code_target,
                                              codes=[values["code"] for _number, values, _bad in given],
                                              move_sequences=False)
        except DomainError as error:
            for detail in error.details:
                number, _values, bad = given[detail.params["index"]]
                self.add(number, self.header_of("code"), detail.code, detail.message)
                bad.add("code")
            return
        for (_number, values, _bad), code in zip(given, codes, strict=True):
            values["code"] = code

    def key_of(self, values: dict):
        parts = []
        for name in self.spec.key:
            value = values.get(name, BLANK)
            if value is BLANK or value is None:
                return None
            parts.append(value.pk if isinstance(value, models.Model) else value)
        return tuple(parts)

    def add_duplicate(self, number: int, field_name: str, value, first: int) -> None:
        """Report that row number repeats the value of field_name given first on row first (DUPLICATE_IN_FILE)."""
        column = self.spec.column(field_name)
        self.add(number, column.header, MasterdataError.DUPLICATE_IN_FILE,
                 _("「%(column)s」为「%(value)s」的记录与第 %(first)s 行重复")
                 % {"column": column.header, "value": value, "first": first})

    def load_existing(self, rows: list[dict]) -> None:
        """Preload the records the file names, by key, in chunked queries."""
        keys = [key for key in (self.key_of(values) for values in rows) if key is not None]
        model = self.spec.model
        if self.spec.key == ("code",):
            codes = [key[0] for key in keys]
            for part in chunks(codes):
                for record in model.objects.filter(code__in=part):
                    self.existing[(record.code,)] = record
            return
        first, second = self.spec.key
        parents = sorted({key[0] for key in keys})
        for part in chunks(parents):
            for record in model.objects.filter(**{f"{first}_id__in": part}):
                self.existing[(getattr(record, f"{first}_id"), getattr(record, second))] = record

    def plan_row(self, number: int, values: dict, bad: set, key) -> RowPlan:
        existing = self.existing.get(key) if key is not None else None
        instance = existing if existing is not None else self.new_instance()
        plan = RowPlan(row=number, instance=instance)
        if existing is not None:
            plan.before = copy.copy(existing)
            plan.old = {name: getattr(existing, name) for name in self.tracked}
        fields = instance.__dict__
        for column, attname in self.assigners():
            if column.field in bad or column.field not in values:
                continue
            value = values[column.field]
            if attname is not None and value is not BLANK:
                fields[attname] = value
            else:
                self.assign(plan, column, value)
        if self.spec.checks is not None:
            try:
                md_services.collect_errors(self.spec.checks(instance))
            except DomainError as error:
                # A cell that could not be parsed already has its problem; the checks would only echo it.
                skip = {self.header_of(name) for name in bad}
                for detail in error.details:
                    if self.header_of(detail.field) not in skip:
                        self.add(number, self.header_of(detail.field), detail.code, detail.message)
        for column in self.columns.values():
            if column.kind in TEXT_KINDS and column.field not in bad:
                try:
                    column.too_long(getattr(instance, column.field, None), self.spec.model)
                except DomainError as error:
                    self.add_error(number, error, column.header)
        return plan

    special_fields: frozenset = frozenset()

    def assigners(self) -> list[tuple[Column, str | None]]:
        """(column, attname) per present column; attname only where a plain attribute write is enough."""
        if self._assigners is None:
            self._assigners = []
            for column in self.columns.values():
                model_field = column.model_field(self.spec.model)
                plain = (model_field is not None and not model_field.is_relation and column.kind != "personal"
                         and column.field not in self.special_fields)
                self._assigners.append((column, model_field.attname if plain else None))
        return self._assigners

    def new_instance(self) -> models.Model:
        """A blank unsaved record with the fields' defaults (Model() without its per-field overhead)."""
        model = self.spec.model
        if self._defaults is None:
            self._defaults = {f.attname: f.get_default() for f in model._meta.concrete_fields}
            if any(callable(f.default) for f in model._meta.concrete_fields if f.has_default()):
                self._defaults = False
        if self._defaults is False:
            return model()
        instance = model.__new__(model)
        instance._state = ModelState()
        instance.__dict__.update(self._defaults)
        return instance

    def assign(self, plan: RowPlan, column: Column, value) -> None:
        instance = plan.instance
        if column.field == "roles":
            roles = set() if value is BLANK else value
            for role, flag in ROLE_FIELDS.items():
                setattr(instance, flag, role in roles)
            return
        model_field = column.model_field(self.spec.model)
        if model_field is None:
            plan.extra[column.field] = None if value is BLANK else value
            return
        if value is BLANK:
            if column.field == "code" and plan.before is None:
                return
            value = model_field.get_default()
            setattr(instance, model_field.attname, value)
            return
        if column.kind == "personal" and plan.before is not None and "*" in str(value):
            # A masked export re-imported: keep the stored value when the mask matches it.
            current = getattr(plan.before, model_field.attname) or ""
            if model_field.masked(current) == value:
                return
        setattr(instance, model_field.name, value)

    def check_batch(self) -> None:
        """Checks across rows: values unique in the file and, where the database demands it, unique there too."""
        header_row = {id(plan): plan.row for plan in self.plans}
        for fields in self.spec.unique_in_file:
            seen: dict = {}
            for plan in self.plans:
                value = tuple(getattr(plan.instance, name) for name in fields)
                if any(part in (None, "") for part in value):
                    continue
                if value in seen:
                    self.add_duplicate(plan.row, fields[-1], value[-1], seen[value])
                else:
                    seen[value] = header_row[id(plan)]
        for name in self.spec.unique_in_db:
            wanted = {getattr(plan.instance, name): plan for plan in self.plans if getattr(plan.instance, name)}
            for part in chunks(list(wanted)):
                for pk, value in self.spec.model.objects.filter(**{f"{name}__in": part}).values_list("pk", name):
                    plan = wanted[value]
                    if plan.instance.pk != pk:
                        column = self.spec.column(name)
                        self.add(plan.row, column.header, ErrorCode.CODE_TAKEN,
                                 _("「%(label)s」「%(value)s」已被其他记录使用")
                                 % {"label": column.header, "value": value})

    def finish(self, plan: RowPlan) -> None:
        """Decide create / update / unchanged from the normalised values."""
        if plan.before is None:
            plan.action = "create"
            return
        plan.changed = {name for name in self.tracked if getattr(plan.instance, name) != plan.old[name]}
        plan.action = "update" if plan.changed or plan.extra.get("force_update") else "unchanged"

    # --- result ----------------------------------------------------------------------------------

    def describe(self, plan: RowPlan) -> str:
        code = getattr(plan.instance, "code", "") or GENERATED
        return str(code)

    def result(self) -> ImportResult:
        result = ImportResult(kind=self.spec.kind, rows=self.rows, problems=sorted(
            self.problems, key=lambda problem: (problem.row, problem.column)))
        samples: dict[str, list] = {"create": [], "update": []}
        for plan in self.plans:
            if plan.action == "create":
                result.created += 1
            elif plan.action == "update":
                result.updated += 1
            else:
                result.unchanged += 1
            bucket = samples.get(plan.action)
            if bucket is not None and len(bucket) < 50:
                bucket.append({"row": plan.row, "key": self.describe(plan),
                               "columns": sorted({self.header_of(name) for name in plan.changed} - {""})})
        result.samples = samples
        return result

    # --- writing ---------------------------------------------------------------------------------

    def write(self) -> None:
        """Write the planned rows (inside the caller's transaction) and their audit rows."""
        creates = [plan for plan in self.plans if plan.action == "create"]
        updates = [plan for plan in self.plans if plan.action == "update"]
        if self.spec.code_target:
            self.assign_codes(creates)
        self.before_write(creates, updates)
        model = self.spec.model
        try:
            if self.spec.key == ("code",):
                insert_records(model, [plan.instance for plan in creates])
            else:
                model.objects.bulk_create([plan.instance for plan in creates], batch_size=2000)
            self.bulk_update(updates)
        except IntegrityError as error:
            raise ImportFailed.single(ErrorCode.CONFLICT, _("保存失败，数据与已有记录冲突：%(reason)s"),
                                      reason=str(error).splitlines()[0][:200]) from error
        self.after_write(creates, updates)
        self.audit(creates, updates)

    def bulk_update(self, updates: list[RowPlan]) -> None:
        fields = sorted({name for plan in updates for name in plan.changed})
        if not updates or not fields:
            return
        if any(f.name == "updated_at" for f in self.spec.model._meta.concrete_fields):
            now = timezone.now()
            for plan in updates:
                plan.instance.updated_at = now
            fields.append("updated_at")
        self.spec.model.objects.bulk_update([plan.instance for plan in updates], fields, batch_size=500)

    def assign_codes(self, creates: list[RowPlan]) -> None:
        """Move the sequence past the hand-given codes (once), then hand out codes for the blank ones."""
        target = self.spec.code_target
        core_services.check_codes(target=target, codes=[plan.instance.code for plan in creates if plan.instance.code])
        blanks = [plan for plan in creates if not plan.instance.code]
        codes = core_services.next_codes(target=target, count=len(blanks))
        for plan, code in zip(blanks, codes, strict=True):
            plan.instance.code = code
        if codes:
            clash = set(self.taken_codes(codes))
            for plan in blanks:
                if plan.instance.code in clash:
                    self.add(plan.row, self.header_of("code"), ErrorCode.CODE_TAKEN,
                             _("编码「%(code)s」已被使用") % {"code": plan.instance.code})
            if self.problems:
                raise ImportFailed(self.problems)

    def taken_codes(self, codes: list[str]) -> list[str]:
        taken = []
        for part in chunks(codes):
            taken.extend(self.spec.model.objects.filter(code__in=part).values_list("code", flat=True))
        return taken

    def before_write(self, creates: list[RowPlan], updates: list[RowPlan]) -> None:
        """Hook: work that must precede the bulk writes (e.g. clearing a flag that must stay unique)."""

    def after_write(self, creates: list[RowPlan], updates: list[RowPlan]) -> None:
        """Hook: work that needs the new primary keys (tree parents, status changes)."""

    def audit(self, creates: list[RowPlan], updates: list[RowPlan]) -> None:
        entries = [(AuditAction.CREATE, plan.instance, None, snapshot(plan.instance)) for plan in creates]
        entries += [(AuditAction.UPDATE, plan.instance, snapshot(plan.before), snapshot(plan.instance))
                    for plan in updates if plan.changed]
        record_many(user=self.user, entries=entries, note=str(_("导入 %(file)s") % {"file": self.filename}))

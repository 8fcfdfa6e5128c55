"""Trees: departments (parent by code, cycles refused) and categories (hierarchical codes 2-2-3).

A parent may be a record of the database or another row of the same file.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ecerp.core import services as core_services
from ecerp.core.errors import DomainError
from ecerp.masterdata import services as md_services
from ecerp.masterdata.errors import MasterdataError
from ecerp.masterdata.importing.engine import BLANK, GENERATED, RecordImporter, RowPlan
from ecerp.masterdata.importing.problems import ImportFailed
from ecerp.masterdata.models import Category, Department


def _rolled_back(function, **kwargs):
    """Run a coding-rule check that also moves sequences, keeping none of its writes (dry run)."""
    with transaction.atomic():
        try:
            return function(**kwargs)
        finally:
            transaction.set_rollback(True)


class TreeImporter(RecordImporter):
    """Shared parent handling: the parent column holds a code (or unique name) of the same type."""

    unknown_code = ""

    def assign(self, plan: RowPlan, column, value) -> None:
        if column.field == "parent":
            plan.extra["parent_code"] = None if value is BLANK else value
            return
        super().assign(plan, column, value)

    def parent_header(self) -> str:
        return self.header_of("parent")

    def resolve_parent(self, plan: RowPlan, wanted: str | None, by_code: dict, in_db: dict) -> tuple[bool, str | None]:
        """(found, code) of the parent a row names: a code of the file, or a code or unique name in the database.

        An unknown parent is reported on the row and comes back as (False, None).
        """
        if not wanted or wanted in by_code:
            return True, wanted
        record = in_db.get(wanted)
        if record is None:
            self.add(plan.row, self.parent_header(), self.unknown_code,
                     _("%(what)s「%(key)s」不存在") % {"what": self.spec.model._meta.verbose_name, "key": wanted})
            return False, None
        return True, record.code


class DepartmentImporter(TreeImporter):
    unknown_code = MasterdataError.UNKNOWN_DEPARTMENT

    def check_batch(self) -> None:
        super().check_batch()
        in_db = self.ctx.lookup(Department)
        by_code = {plan.instance.code: plan for plan in self.plans if plan.instance.code}
        by_pk = {record.pk: record for record in in_db.values()}
        graph = {record.code: (by_pk[record.parent_id].code if record.parent_id in by_pk else None)
                 for record in in_db.values()}
        resolved: dict[int, str | None] = {}
        for plan in self.plans:
            if "parent_code" not in plan.extra:
                continue
            found, wanted = self.resolve_parent(plan, plan.extra["parent_code"], by_code, in_db)
            if not found:
                continue
            resolved[id(plan)] = wanted
            if plan.instance.code:
                graph[plan.instance.code] = wanted
        for plan in self.plans:
            if id(plan) not in resolved:
                continue
            code, parent = plan.instance.code, resolved[id(plan)]
            # A loop of other rows is reported on those rows, not on every row below it.
            if code and md_services.closes_tree_cycle(code, parent, graph.get, loops_count=False):
                self.add_error(plan.row, md_services.tree_cycle_error(), self.parent_header())
            if parent is None:
                plan.instance.parent_id = None
            elif parent in by_code and by_code[parent].before is None:
                plan.extra["parent_plan"] = by_code[parent]
                plan.instance.parent_id = None
                plan.extra["force_update"] = plan.before is not None
            else:
                plan.instance.parent_id = in_db[parent].pk

    def after_write(self, creates, updates) -> None:
        moved = [plan for plan in creates + updates if "parent_plan" in plan.extra]
        for plan in moved:
            plan.instance.parent_id = plan.extra["parent_plan"].instance.pk
            plan.changed.add("parent_id")
        Department.objects.bulk_update([plan.instance for plan in moved], ["parent"], batch_size=500)


class CategoryImporter(TreeImporter):
    """The code says where a category sits: 0101 is under 01. Blank codes are generated under the parent."""

    unknown_code = MasterdataError.UNKNOWN_CATEGORY

    def check_batch(self) -> None:
        super().check_batch()
        levels = core_services.level_lengths(core_services.get_rule("category"))
        in_db = self.ctx.lookup(Category)
        by_code = {plan.instance.code: plan for plan in self.plans if plan.instance.code}
        placed = []
        for plan in self.plans:
            code = plan.instance.code
            wanted = plan.extra.get("parent_code")
            if not wanted and code and len(code) in levels[1:]:
                wanted = code[:levels[levels.index(len(code)) - 1]]
            found, wanted = self.resolve_parent(plan, wanted, by_code, in_db)
            if found:
                plan.extra["parent_code"] = wanted
                placed.append(plan)
        refused = self.check_given_codes([plan for plan in placed if plan.instance.code])
        for plan in placed:
            if id(plan) in refused:
                continue
            wanted = plan.extra["parent_code"]
            if not plan.instance.code and plan.before is None:
                try:
                    # A code will be generated under the parent: is there a level (and a number) left there?
                    _rolled_back(core_services.next_child_code, target="category", parent_code=wanted)
                except DomainError as error:
                    self.add_error(plan.row, error)
                    continue
            if plan.before is None:
                plan.instance.level = (levels.index(len(wanted)) + 2) if wanted else 1

    def check_given_codes(self, plans: list[RowPlan], *, move_sequences: bool = False) -> set[int]:
        """Check the rows' hand-given codes under their parents in one batch; report and return the refused
        rows (as id(plan)). With move_sequences (when writing) each level's sequence moves past them.
        """
        try:
            core_services.check_codes(target="category", codes=[plan.instance.code for plan in plans],
                                      parent_codes=[plan.extra.get("parent_code") for plan in plans],
                                      move_sequences=move_sequences)
        except DomainError as error:
            refused = set()
            for detail in error.details:
                plan = plans[detail.params["index"]]
                self.add(plan.row, self.header_of(detail.field), detail.code, detail.message)
                refused.add(id(plan))
            return refused
        return set()

    def describe(self, plan) -> str:
        return plan.instance.code or f"{plan.extra.get('parent_code') or ''}{GENERATED}"

    def write(self) -> None:
        creates = [plan for plan in self.plans if plan.action == "create"]
        updates = [plan for plan in self.plans if plan.action == "update"]
        # Hand-given codes move their sequences first, so a generated code never takes one of them.
        if self.check_given_codes([plan for plan in creates if plan.instance.code], move_sequences=True):
            raise ImportFailed(self.problems)
        for plan in creates:
            if not plan.instance.code:
                plan.instance.code = core_services.next_child_code(target="category",
                                                                   parent_code=plan.extra.get("parent_code"))
        pks = {code: record.pk for code, record in self.ctx.lookup(Category).items() if record.code == code}
        for level in sorted({plan.instance.level for plan in creates}):
            batch = [plan for plan in creates if plan.instance.level == level]
            for plan in batch:
                parent = plan.extra.get("parent_code")
                plan.instance.parent_id = pks[parent] if parent else None
            Category.objects.bulk_create([plan.instance for plan in batch], batch_size=2000)
            pks.update({plan.instance.code: plan.instance.pk for plan in batch})
        self.bulk_update(updates)
        self.audit(creates, updates)

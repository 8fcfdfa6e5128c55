"""Importers with one extra rule each: employee status changes, one primary contact, one default account."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ecerp.core.errors import DomainError
from ecerp.core.states import check_transition
from ecerp.masterdata import services as md_services
from ecerp.masterdata.errors import MasterdataError
from ecerp.masterdata.importing.engine import BLANK, RecordImporter, RowPlan, chunks
from ecerp.masterdata.states import EMPLOYEE_TRANSITIONS, EmployeeStatus


class EmployeeImporter(RecordImporter):
    """A new employee takes the file's status; an existing one moves along the status machine."""

    special_fields = frozenset({"status"})

    def assign(self, plan: RowPlan, column, value) -> None:
        if column.field != "status" or plan.before is None:
            return super().assign(plan, column, value)
        current = plan.before.status
        wanted = current if value is BLANK else value
        if wanted == current:
            return None
        try:
            check_transition(EMPLOYEE_TRANSITIONS, current, wanted, labels=dict(EmployeeStatus.choices))
        except DomainError as error:
            self.add_error(plan.row, error, column.header)
            return None
        plan.extra["status"] = wanted
        plan.extra["force_update"] = True
        return None

    def after_write(self, creates, updates) -> None:
        reason = str(_("导入 %(file)s") % {"file": self.filename})
        for plan in updates:
            if "status" in plan.extra:
                md_services.change_employee_status(user=self.user, employee=plan.instance,
                                                   status=plan.extra["status"], reason=reason)


class SingleFlagImporter(RecordImporter):
    """Rows of a partner where at most one may carry a flag (primary contact, default account)."""

    flag = ""

    def check_batch(self) -> None:
        super().check_batch()
        first: dict[int, int] = {}
        column = self.spec.column(self.flag)
        for plan in self.plans:
            if not getattr(plan.instance, self.flag):
                continue
            partner = plan.instance.partner_id
            if partner in first:
                self.add(plan.row, column.header, MasterdataError.DUPLICATE_IN_FILE,
                         _("同一业务单位只能有一个「%(label)s」（第 %(first)s 行已指定）")
                         % {"label": column.header, "first": first[partner]})
            else:
                first[partner] = plan.row

    def before_write(self, creates, updates) -> None:
        # Like the single-record services: setting the flag clears it on the partner's other rows.
        flagged = [plan for plan in creates + updates if getattr(plan.instance, self.flag)]
        keep = [plan.instance.pk for plan in flagged if plan.instance.pk]
        partners = sorted({plan.instance.partner_id for plan in flagged})
        model = self.spec.model
        for part in chunks(partners):
            model.objects.filter(partner_id__in=part, **{self.flag: True}).exclude(pk__in=keep).update(
                **{self.flag: False})


class ContactImporter(SingleFlagImporter):
    flag = "is_primary"

    def describe(self, plan) -> str:
        return f"{plan.instance.partner.code} {plan.instance.name}"


class BankAccountImporter(SingleFlagImporter):
    flag = "is_default"

    def describe(self, plan) -> str:
        return f"{plan.instance.partner.code} {plan.instance.account_number}"

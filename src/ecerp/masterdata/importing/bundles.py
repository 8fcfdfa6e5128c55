"""Bundle lines (组合商品编码, 子商品编码, 数量): the file's lines of a bundle replace its components.

Refuses what set_bundle_components refuses: a missing component, a quantity
below one and a cycle, including cycles closed by the file and the database together.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ecerp.core.audit import record_many
from ecerp.core.models import AuditAction
from ecerp.masterdata import services as md_services
from ecerp.masterdata import validation
from ecerp.masterdata.errors import MasterdataError
from ecerp.masterdata.importing.engine import RecordImporter, RowPlan, chunks
from ecerp.masterdata.models import BundleComponent, Product


class BundleImporter(RecordImporter):
    """One plan per bundle; create = the bundle had no components, update = they differ."""

    def validate(self, table) -> None:
        if not self.readable(table):
            return
        component_header = self.header_of("component")
        groups: dict[str, dict] = {}
        for number, cells in table.rows:
            _number, values, bad = self.parse_row(number, cells)
            if bad:
                continue
            bundle, component, quantity = values["bundle"], values["component"], values["quantity"]
            group = groups.setdefault(bundle.code, {"bundle": bundle, "row": number, "lines": {}})
            if component.pk == bundle.pk:
                self.add(number, component_header, MasterdataError.BUNDLE_CYCLE,
                         _("组合商品出现循环：%(path)s") % {"path": f"{bundle.code} → {component.code}"})
                continue
            if component.code in group["lines"]:
                self.add(number, component_header, MasterdataError.DUPLICATE_IN_FILE,
                         _("组合商品「%(bundle)s」的子商品「%(component)s」与第 %(first)s 行重复")
                         % {"bundle": bundle.code, "component": component.code,
                            "first": group["lines"][component.code][2]})
                continue
            group["lines"][component.code] = (component, quantity, number)
        graph = md_services.component_graph()
        for code, group in groups.items():
            graph[code] = set(group["lines"])
        for code, group in groups.items():
            others = dict(graph)
            others.pop(code)
            path = validation.find_bundle_cycle(others, code, set(group["lines"]))
            if path:
                # Same code and message as set_bundle_components.
                self.add(group["row"], component_header, MasterdataError.BUNDLE_CYCLE,
                         _("组合商品出现循环：%(path)s") % {"path": " → ".join(path)})
        current: dict[int, dict[int, int]] = {}
        bundle_ids = [group["bundle"].pk for group in groups.values()]
        for part in chunks(bundle_ids):
            for bundle_id, component_id, quantity in BundleComponent.objects.filter(
                    bundle_id__in=part).values_list("bundle_id", "component_id", "quantity"):
                current.setdefault(bundle_id, {})[component_id] = quantity
        for group in groups.values():
            bundle = group["bundle"]
            wanted = {component.pk: quantity for component, quantity, _row in group["lines"].values()}
            before = current.get(bundle.pk)
            plan = RowPlan(row=group["row"], instance=bundle, extra={"components": wanted, "previous": before or {}})
            if not before:
                plan.action = "create"
            elif before != wanted or not bundle.is_bundle:
                plan.action = "update"
                plan.changed = {"components"}
            else:
                plan.action = "unchanged"
            self.plans.append(plan)

    def describe(self, plan: RowPlan) -> str:
        return plan.instance.code

    def write(self) -> None:
        changed = [plan for plan in self.plans if plan.action != "unchanged"]
        ids = [plan.instance.pk for plan in changed]
        for part in chunks(ids):
            BundleComponent.objects.filter(bundle_id__in=part).delete()
            Product.objects.filter(pk__in=part, is_bundle=False).update(is_bundle=True)
        BundleComponent.objects.bulk_create(
            [BundleComponent(bundle_id=plan.instance.pk, component_id=pk, quantity=quantity)
             for plan in changed for pk, quantity in plan.extra["components"].items()],
            batch_size=2000,
        )
        entries = [
            (AuditAction.UPDATE, plan.instance,
             {"components": sorted(plan.extra["previous"].items())},
             {"components": sorted(plan.extra["components"].items())})
            for plan in changed
        ]
        record_many(user=self.user, entries=entries, note=str(_("导入 %(file)s") % {"file": self.filename}))

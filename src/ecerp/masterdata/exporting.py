"""Export of every master data type to xlsx, and the downloadable import templates.

The export uses the import specs, so its headers are the template's and an export
re-imports unchanged. Text cells starting with = + - @ (or a tab / carriage return)
get a leading single quote so that a spreadsheet shows them instead of running them;
the importer drops that quote again. Personal data is masked unless the user may see it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ecerp.core.crypto import EncryptedTextField
from ecerp.core.permissions import has_permission
from ecerp.masterdata.importing.columns import NEUTRALISED, Column
from ecerp.masterdata.importing.engine import Spec
from ecerp.masterdata.importing.specs import get_spec
from ecerp.masterdata.models import BundleComponent, Location, PartnerRole, Store, Warehouse
from ecerp.masterdata.scopes import visible_stores, visible_warehouses

PERSONAL_PERMISSION = "masterdata.view_personal_data"


def neutralise(value):
    """Prefix text that a spreadsheet would run as a formula with a single quote."""
    if isinstance(value, str) and value and value[0] in NEUTRALISED:
        return "'" + value
    return value


def _ref_fields(spec: Spec) -> list[str]:
    return [column.field for column in spec.columns if column.kind in ("ref", "parent")]


def export_queryset(spec: Spec, user) -> QuerySet:
    """The records of a type the user may export (stores, warehouses, locations follow the user's data scope)."""
    model = spec.model
    queryset = model.objects.select_related(*_ref_fields(spec))
    if user is None:
        pass  # the operator's console (ecerp export without --user) sees every record
    elif model is Warehouse:
        queryset = visible_warehouses(user, queryset)
    elif model is Store:
        queryset = visible_stores(user, queryset)
    elif model is Location:
        queryset = queryset.filter(warehouse__in=visible_warehouses(user))
    if model is BundleComponent:
        return queryset.order_by("bundle__code", "component__code")
    if model is Location:
        return queryset.order_by("warehouse__code", "code")
    return queryset.order_by(*(["code"] if any(f.name == "code" for f in model._meta.fields) else ["pk"]))


def cell_value(spec: Spec, column: Column, record, show_personal: bool):
    """The value of one column of one record, as the importer reads it back."""
    if column.kind in ("ref", "parent"):
        related = getattr(record, column.field)
        return related.code if related is not None else None
    if column.field == "roles":
        return "、".join(str(PartnerRole(role).label) for role in record.roles)
    value = getattr(record, column.field)
    if column.kind == "choice":
        return str(column.choices(value).label) if value in column.choices.values else value
    if column.kind == "boolean":
        return "是" if value else "否"
    if column.kind == "personal":
        model_field = spec.model._meta.get_field(column.field)
        if isinstance(model_field, EncryptedTextField) and not show_personal:
            value = model_field.masked(value or "")
    return neutralise(value) if value != "" else None


def export_rows(spec: Spec, user) -> Iterable[list]:
    show_personal = has_permission(user, PERSONAL_PERMISSION)
    for record in export_queryset(spec, user).iterator(chunk_size=2000):
        yield [cell_value(spec, column, record, show_personal) for column in spec.columns]


def export_workbook(*, user, kind: str) -> bytes:
    """Return an xlsx file with every record of kind that user may see (one header row, one row per record)."""
    spec = get_spec(kind)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(spec.label))
    sheet.append([column.header for column in spec.columns])
    for row in export_rows(spec, user):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook(*, kind: str) -> bytes:
    """Return the import template of kind: a data sheet with the Chinese headers, an example and notes."""
    spec = get_spec(kind)
    workbook = Workbook()
    data = workbook.active
    data.title = str(spec.label)
    notes = workbook.create_sheet(_("填写说明"))
    example = workbook.create_sheet(_("示例"))
    bold = Font(bold=True)
    required_font = Font(bold=True, color="C00000")
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        cell = data.cell(row=1, column=index, value=column.header)
        cell.font = required_font if column.required else bold
        cell.fill = fill
        text = (_("必填。") if column.required else "") + str(column.note or "")
        if text:
            cell.comment = Comment(text, "ECERP")
        data.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        # Text format keeps leading zeros of codes (01, 035) when typed into Excel.
        data.column_dimensions[letter].number_format = "@"
        example.cell(row=1, column=index, value=column.header).font = bold
        example.cell(row=2, column=index, value=neutralise(column.example) or None)
        example.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
    data.freeze_panes = "A2"
    notes.append([_("列名"), _("英文名"), _("必填"), _("说明"), _("示例")])
    for cell in notes[1]:
        cell.font = bold
    for column in spec.columns:
        notes.append([column.header, column.field, _("是") if column.required else "", str(column.note or ""),
                      column.example])
    notes.append([])
    notes.append([_("导入时只读取第一个工作表；表头在第 1 行，数据从第 2 行开始；列的顺序不限。")])
    notes.append([_("先预检：列出将新增、更新、不变的条数和每个问题（行号 + 列名 + 说明）；"
                    "没有问题才能导入，导入要么全部成功，要么全部不写入。")])
    for letter, width in zip("ABCDE", (18, 22, 8, 60, 24), strict=True):
        notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""The customs console (报关控制台): declarations by state, exceptions first, batch recheck and submit; and the
declaration detail with its four documents, goods list, tax against the tax bill, pre-check findings,
actions, every message verbatim and a timeline.

Thin: reads through customs.queries_console / queries_declarations, writes through
customs.services.declarations; a DomainError becomes a message on the page. Personal data is masked unless
the user holds masterdata.view_personal_data, and so is the raw XML of the messages (it carries the same
data): users without the permission see a note instead.
"""

from __future__ import annotations

import datetime
import unicodedata

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecerp.core.errors import DomainError
from ecerp.core.permissions import has_permission, require_permission
from ecerp.core.views import page_context
from ecerp.customs import queries_console as console
from ecerp.customs.models import Declaration
from ecerp.customs.queries_declarations import can_see_personal_data, personal
from ecerp.customs.services import declarations as services
from ecerp.customs.states import DECLARATION_EDITABLE, DeclarationStatus
from ecerp.masterdata.scopes import visible_stores

PAGE_SIZE = 50
D = DeclarationStatus
CHANGE = "customs.change_declaration"
SUBMIT = "customs.submit_declaration"
OVERRIDE = "customs.override_declaration"


def _render(request, template: str, title, **context):
    return render(request, f"customs/declarations/{template}", page_context(request, title=title, **context))


def _report(request, error: DomainError, prefix: str = "") -> None:
    for detail in error.details:
        messages.error(request, f"{prefix}{detail.message}")


def _date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _filters(request) -> dict:
    return {"status": request.GET.get("status", ""), "store_id": _int(request.GET.get("store")),
            "q": request.GET.get("q", "").strip(), "date_from": _date(request.GET.get("date_from")),
            "date_to": _date(request.GET.get("date_to")), "finding": request.GET.get("finding", "").strip(),
            "exceptions": request.GET.get("exceptions") == "1"}


@require_permission("customs.view_declaration")
def console_page(request):
    """Declarations by state (clickable counts), exceptions first, with filters, batch actions and pages."""
    filters = _filters(request)
    rows = console.list_console_declarations(user=request.user, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = console.count_by_state(user=request.user)
    return _render(request, "console.html", _("报关控制台"), page=page, filters=filters, nav="console",
                   counts=counts, total=sum(row["count"] for row in counts), stores=visible_stores(request.user),
                   states=D.choices, finding_codes=console.finding_codes(),
                   can_recheck=has_permission(request.user, CHANGE),
                   can_submit=has_permission(request.user, SUBMIT))


def _batch_recheck(request, declaration) -> None:
    result = services.recheck_declaration(user=request.user, declaration=declaration)
    if result.passed:
        messages.success(request, _("%(cop_no)s：预检通过") % {"cop_no": declaration.cop_no})
    else:
        codes = ", ".join(sorted({finding.code for finding in result.findings}))
        messages.warning(request, _("%(cop_no)s：预检未通过（%(codes)s）") % {"cop_no": declaration.cop_no,
                                                                         "codes": codes})


def _batch_submit(request, declaration) -> None:
    sent = services.submit_declaration(user=request.user, declaration=declaration)
    messages.success(request, _("%(cop_no)s：已生成 %(count)s 份报文") % {"cop_no": declaration.cop_no,
                                                                    "count": len(sent)})


@require_permission("customs.view_declaration")
@require_POST
def declaration_batch(request):
    """Batch actions of the console on the ticked declarations (recheck or submit), one result per row."""
    action = request.POST.get("action", "")
    permission, handle = {"recheck": (CHANGE, _batch_recheck), "submit": (SUBMIT, _batch_submit)}.get(
        action, (None, None))
    if handle is None:
        messages.error(request, _("未知的操作"))
        return redirect("customs:console")
    if not has_permission(request.user, permission):
        messages.error(request, _("没有权限执行此操作"))
        return redirect("customs:console")
    ids = [pk for pk in (_int(value) for value in request.POST.getlist("declarations")) if pk]
    chosen = list(console.list_console_declarations(user=request.user).filter(pk__in=ids).order_by("id"))
    if not chosen:
        messages.error(request, _("请先勾选申报单"))
    for declaration in chosen:
        try:
            handle(request, declaration)
        except DomainError as error:
            _report(request, error, prefix=f"{declaration.cop_no}：")
    query = request.POST.get("query", "")
    return redirect(reverse("customs:console") + (f"?{query}" if query else ""))


def _declaration_or_404(request, pk: int):
    declaration = console.get_console_declaration(user=request.user, pk=pk)
    if declaration is None:
        raise Http404
    return declaration


# The fields a clerk corrects on the page before (re)submission: the buyer's and payer's identity (the
# usual pre-check failures) and the waybill's consignee (the usual rejection by customs).
CORRECTABLE_FIELDS = ("buyer_name", "buyer_id_number", "buyer_phone", "payer_name", "payer_id_number", "payer_phone",
                      "logistics_no", "waybill_consignee_name", "waybill_consignee_phone",
                      "waybill_consignee_address")


def _actions(user, declaration) -> dict[str, bool]:
    status = declaration.status
    return {
        # the form shows the values in clear, so only for those who may see personal data
        "correct": has_permission(user, CHANGE) and status in DECLARATION_EDITABLE and can_see_personal_data(user),
        "recheck": has_permission(user, CHANGE) and status in DECLARATION_EDITABLE,
        "override": has_permission(user, OVERRIDE) and status == D.PRECHECK_FAILED,
        "submit": has_permission(user, SUBMIT) and status == D.READY,
        "cancel": has_permission(user, SUBMIT) and status in services.CANCELLABLE,
        "return": has_permission(user, SUBMIT) and status in services.RETURNABLE,
    }


@require_permission("customs.view_declaration")
def declaration_detail(request, pk: int):
    """One declaration: header, documents, goods list, tax, findings, actions, messages and timeline."""
    declaration = _declaration_or_404(request, pk)
    revealed = can_see_personal_data(request.user)
    data = personal(request.user, declaration)
    sent = console.declaration_messages(declaration)
    shown = [{"message": message, "receipts": console.receipt_summaries(message),
              "xml": console.readable_xml(message.raw) if revealed else None,
              "decoded": console.decoded_json(message)} for message in sent]
    lines = list(declaration.lines.all())
    return _render(request, "detail.html", _("申报单 %(cop_no)s") % {"cop_no": declaration.cop_no},
                   declaration=declaration, personal=data, revealed=revealed,
                   documents=console.document_tables(declaration, data),
                   statuses=console.document_statuses(declaration), line_columns=console.line_columns(),
                   line_rows_with_lines=list(zip(console.line_rows(declaration), lines, strict=True)),
                   return_lines=[(line, line.qty - line.returned_qty) for line in lines],
                   exception_states=console.EXCEPTION_ORDER, nav="console",
                   tax=console.tax_comparison(declaration),
                   tax_notes=console.tax_notes(declaration), findings=list(declaration.findings.all()),
                   actions=_actions(request.user, declaration), messages_shown=shown,
                   correctable=[(name, Declaration._meta.get_field(name).verbose_name, getattr(declaration, name))
                                for name in CORRECTABLE_FIELDS] if revealed else [],
                   timeline=console.timeline(declaration, sent),
                   can_open_order=has_permission(request.user, "sales.view_salesorder"))


def _act(request, pk: int, action, success: str):
    declaration = _declaration_or_404(request, pk)
    try:
        action(declaration)
    except DomainError as error:
        _report(request, error)
    else:
        messages.success(request, success)
    return redirect("customs:declaration", pk)


@require_permission(CHANGE)
@require_POST
def declaration_recheck(request, pk: int):
    """Run the pre-checks of the declaration again (customs.change_declaration)."""
    return _act(request, pk, lambda declaration: services.recheck_declaration(
        user=request.user, declaration=declaration), _("已重新预检"))


@require_permission(CHANGE)
@require_POST
def declaration_correct(request, pk: int):
    """Correct the identity and waybill fields, then pre-check again (customs.change_declaration and the
    personal-data right, since the form shows the values in clear)."""
    if not can_see_personal_data(request.user):
        raise PermissionDenied
    identity = {name: request.POST[name] for name in CORRECTABLE_FIELDS if name in request.POST}
    return _act(request, pk, lambda declaration: services.update_identity(
        user=request.user, declaration=declaration, identity=identity), _("已更正并重新预检"))


@require_permission(OVERRIDE)
@require_POST
def declaration_override(request, pk: int):
    """Let failed pre-checks go on with a reason (customs.override_declaration; audited by the service)."""
    return _act(request, pk, lambda declaration: services.override_prechecks(
        user=request.user, declaration=declaration, reason=request.POST.get("reason", "")), _("已放行预检"))


@require_permission(SUBMIT)
@require_POST
def declaration_submit(request, pk: int):
    """Build, sign and queue the four messages of a ready declaration (customs.submit_declaration)."""
    return _act(request, pk, lambda declaration: services.submit_declaration(
        user=request.user, declaration=declaration), _("已生成报文，等待发送"))


@require_permission(SUBMIT)
@require_POST
def declaration_cancel(request, pk: int):
    """Ask customs to cancel the list (CEB623) with a reason (customs.submit_declaration)."""
    return _act(request, pk, lambda declaration: services.request_cancel(
        user=request.user, declaration=declaration, reason=request.POST.get("reason", "")), _("已提交撤销申请"))


def _return_lines(post) -> list[tuple[int, int]]:
    """(gnum, quantity) of each goods line with a quantity filled in (full-width digits read); an unreadable
    quantity is kept as -1 so the service names the line."""
    lines = []
    for name, value in post.items():
        gnum = _int(name.removeprefix("return_")) if name.startswith("return_") else None
        if gnum is None or not (value or "").strip():
            continue
        quantity = _int(unicodedata.normalize("NFKC", value).strip())
        if quantity != 0:
            lines.append((gnum, -1 if quantity is None else quantity))
    return sorted(lines)


@require_permission(SUBMIT)
@require_POST
def declaration_return(request, pk: int):
    """Ask customs to accept a return of released goods (CEB625): quantities per line and a reason."""
    return _act(request, pk, lambda declaration: services.request_return(
        user=request.user, declaration=declaration, lines=_return_lines(request.POST),
        reason=request.POST.get("reason", "")), _("已提交退货申请"))

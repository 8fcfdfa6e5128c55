"""Pages of after-sales: case list (type, status, store, dates, search), case detail with its timeline and
one button per verb the user may perform, and the new-case form opened from an order.

Thin: reads through aftersales.queries, writes through aftersales.services; a DomainError becomes a
message on the page. Stores and warehouses are limited to the user's data scope.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecerp.aftersales import queries, services
from ecerp.aftersales.states import TRANSITIONS, CaseStatus, CaseType
from ecerp.core.errors import DomainError, NotFound
from ecerp.core.permissions import has_permission, require_permission
from ecerp.core.views import page_context
from ecerp.masterdata.models import Product, WarehouseType
from ecerp.masterdata.scopes import visible_stores, visible_warehouses
from ecerp.sales import queries as sales_queries

PAGE_SIZE = 50


def _render(request, template: str, title, **context):
    return render(request, f"aftersales/{template}", page_context(request, title=title, **context))


def _report(request, error: DomainError) -> None:
    for detail in error.details:
        messages.error(request, detail.message)


def _date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value, default=None):
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


@require_permission("aftersales.view_aftersalescase")
def case_list(request):
    """Cases with filters: type, status, store, created date, search."""
    filters = {"type": request.GET.get("type", ""), "status": request.GET.get("status", ""),
               "store_id": _int(request.GET.get("store")), "q": request.GET.get("q", "").strip(),
               "date_from": _date(request.GET.get("date_from")), "date_to": _date(request.GET.get("date_to"))}
    cases = queries.list_cases(user=request.user, **filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "case_list.html", _("售后单"), page=page, filters=filters, types=CaseType.choices,
                   statuses=CaseStatus.choices, stores=visible_stores(request.user))


def _case_or_404(request, pk: int):
    try:
        return queries.get_case(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _can(request, case, to_state: str, permission: str) -> bool:
    return to_state in TRANSITIONS[case.type].get(case.status, ()) and has_permission(request.user, permission)


@require_permission("aftersales.view_aftersalescase")
def case_detail(request, pk: int):
    """One case: header, lines, the verbs the user may perform now, and its timeline."""
    case = _case_or_404(request, pk)
    approver, changer, receiver = ("aftersales.approve_refund", "aftersales.change_aftersalescase",
                                   "aftersales.receive_return")
    actions = {
        "approve": _can(request, case, CaseStatus.APPROVED, approver),
        "reject": _can(request, case, CaseStatus.REJECTED, approver),
        "refund": _can(request, case, CaseStatus.REFUNDED, approver),
        "cancel": _can(request, case, CaseStatus.CANCELLED, changer),
        "intercept": _can(request, case, CaseStatus.INTERCEPTING, changer),
        "reship": _can(request, case, CaseStatus.RESHIPPED, changer),
        "receive": _can(request, case, CaseStatus.RECEIVED, receiver),
        "intercept_return": _can(request, case, CaseStatus.RETURNED, receiver),
    }
    warehouses = visible_warehouses(request.user).filter(active=True)
    return _render(request, "case_detail.html", case.code, case=case, lines=case.lines.all(), actions=actions,
                   timeline=queries.timeline(case),
                   warehouses=warehouses.exclude(type=WarehouseType.DEFECTIVE),
                   defective_warehouses=warehouses.filter(type=WarehouseType.DEFECTIVE))


@require_permission("aftersales.add_aftersalescase")
def case_create(request):
    """Open a case on an order: type, lines (units and refund), refund amount, reason, platform refund id."""
    order_id = _int(request.GET.get("order") or request.POST.get("order"))
    if order_id is None:
        messages.info(request, _("请从订单详情页发起售后"))
        return redirect("sales:orders") if has_permission(request.user, "sales.view_salesorder") else redirect(
            "aftersales:cases")
    try:
        order = sales_queries.get_order(user=request.user, pk=order_id)
    except NotFound:
        raise Http404 from None
    lines = list(order.lines.all())
    if request.method == "POST":
        chosen = []
        for line in lines:
            quantity = _int(request.POST.get(f"quantity_{line.line_no}"), 0)
            if quantity:
                replacement = request.POST.get(f"replacement_{line.line_no}", "").strip()
                chosen.append(services.CaseLineInput(
                    line_no=line.line_no, quantity=quantity,
                    refund_amount=request.POST.get(f"refund_{line.line_no}", "").strip() or None,
                    replacement_product=Product.objects.filter(code=replacement).first() if replacement else None))
        try:
            case = services.create_case(
                user=request.user, order=order, type=request.POST.get("type", ""), lines=chosen,
                refund_amount=request.POST.get("refund_amount", "").strip() or None,
                reason=request.POST.get("reason", ""), platform_refund_id=request.POST.get("platform_refund_id", ""))
        except DomainError as error:
            _report(request, error)
        else:
            messages.success(request, _("售后单 %(code)s 已创建") % {"code": case.code})
            return redirect("aftersales:case", pk=case.pk)
    return _render(request, "case_create.html", _("发起售后"), order=order, lines=lines, types=CaseType.choices,
                   posted=request.POST)


def _verb(request, pk: int, run, done: str):
    case = _case_or_404(request, pk)
    try:
        run(case)
        messages.success(request, done)
    except DomainError as error:
        _report(request, error)
    return redirect("aftersales:case", pk=pk)


@require_permission("aftersales.approve_refund")
@require_POST
def case_approve(request, pk: int):
    return _verb(request, pk, lambda case: services.approve_case(
        user=request.user, case=case, note=request.POST.get("note", "")), _("已同意"))


@require_permission("aftersales.approve_refund")
@require_POST
def case_reject(request, pk: int):
    return _verb(request, pk, lambda case: services.reject_case(
        user=request.user, case=case, reason=request.POST.get("reason", "")), _("已拒绝"))


@require_permission("aftersales.approve_refund")
@require_POST
def case_refund(request, pk: int):
    return _verb(request, pk, lambda case: services.refund_case(
        user=request.user, case=case, note=request.POST.get("note", "")), _("已退款"))


@require_permission("aftersales.change_aftersalescase")
@require_POST
def case_cancel(request, pk: int):
    return _verb(request, pk, lambda case: services.cancel_case(
        user=request.user, case=case, reason=request.POST.get("reason", "")), _("售后单已取消"))


@require_permission("aftersales.change_aftersalescase")
@require_POST
def case_intercept(request, pk: int):
    return _verb(request, pk, lambda case: services.intercept_case(user=request.user, case=case),
                 _("已提交拦截"))


def _warehouse(request, name: str):
    pk = _int(request.POST.get(name))
    return visible_warehouses(request.user).filter(pk=pk).first() if pk else None


@require_permission("aftersales.change_aftersalescase")
@require_POST
def case_reship(request, pk: int):
    return _verb(request, pk, lambda case: services.reship_exchange(
        user=request.user, case=case, warehouse=_warehouse(request, "warehouse")), _("补发包裹已生成"))


@require_permission("aftersales.receive_return")
@require_POST
def case_receive(request, pk: int):
    def run(case):
        lines = [services.ReceiveLineInput(line_no=line.order_line.line_no,
                                           sellable=_int(request.POST.get(f"sellable_{line.order_line.line_no}"), 0),
                                           damaged=_int(request.POST.get(f"damaged_{line.order_line.line_no}"), 0))
                 for line in case.lines.all()]
        services.receive_return(user=request.user, case=case, lines=lines, note=request.POST.get("note", ""),
                                warehouse=_warehouse(request, "warehouse"),
                                damaged_warehouse=_warehouse(request, "damaged_warehouse"))
    return _verb(request, pk, run, _("退货已入库"))


@require_permission("aftersales.receive_return")
@require_POST
def case_intercept_return(request, pk: int):
    return _verb(request, pk, lambda case: services.record_intercept_return(user=request.user, case=case),
                 _("拦截包裹已入库"))

"""Pages of the stock ledger: stock per SKU x warehouse, a SKU's movements, the movement report,
and the documents (other receipts/issues, transfers, stocktakes): list, create, add lines, act.

Thin: reads through inventory.queries, writes through inventory.services; a DomainError becomes
a message on the page. Warehouses are limited to the user's data scope.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ecerp.core.errors import DomainError, NotFound
from ecerp.core.money import COST_PLACES, parse_decimal
from ecerp.core.permissions import has_permission, require_permission
from ecerp.core.views import page_context
from ecerp.inventory import queries, services
from ecerp.inventory.models import DocumentDirection, MoveKind
from ecerp.masterdata.models import Category, Location, Product
from ecerp.masterdata.scopes import visible_warehouses

PAGE_SIZE = 50


def _page(request, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _date(value, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _render(request, template: str, title, **context):
    return render(request, f"inventory/{template}", page_context(request, title=title, **context))


def _report_errors(request, error: DomainError) -> None:
    for detail in error.details:
        messages.error(request, detail.message)


def _found(getter, request, pk):
    try:
        return getter(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


# --- stock, movements, report -------------------------------------------------------------------------

@require_permission("inventory.view_stockbalance")
def stock(request):
    """Stock per SKU x warehouse with filters: warehouse, category, search, only with stock."""
    filters = {
        "warehouse_id": _int(request.GET.get("warehouse")),
        "category_id": _int(request.GET.get("category")),
        "q": request.GET.get("q", ""),
        "only_with_stock": request.GET.get("only_with_stock") == "1",
    }
    rows = queries.list_balances(user=request.user, **filters)
    transit = queries.in_transit(user=request.user) if has_permission(request.user, "inventory.view_transfer") else []
    return _render(request, "stock.html", _("库存查询"), page=_page(request, rows), filters=filters,
                   warehouses=visible_warehouses(request.user), categories=Category.objects.all(),
                   transit=transit)


@require_permission("inventory.view_stockmove")
def moves(request):
    """The movements of one SKU (or all), newest first, with the balance after each."""
    product = Product.objects.filter(code=request.GET.get("sku", "").strip()).first()
    warehouse_id = _int(request.GET.get("warehouse"))
    rows = queries.list_moves(user=request.user, product_id=product.pk if product else None,
                              warehouse_id=warehouse_id, kind=request.GET.get("kind") or None)
    if request.GET.get("sku") and product is None:
        rows = rows.none()
        messages.error(request, _("商品「%(sku)s」不存在") % {"sku": request.GET["sku"]})
    return _render(request, "moves.html", _("库存流水"), page=_page(request, rows), product=product,
                   warehouses=visible_warehouses(request.user), warehouse_id=warehouse_id,
                   kinds=MoveKind.choices, kind=request.GET.get("kind", ""), sku=request.GET.get("sku", ""))


@require_permission("inventory.view_stockbalance")
def report(request):
    """进销存报表 for a range of days (default: this month so far)."""
    today = timezone.localdate()
    start = _date(request.GET.get("start"), today.replace(day=1))
    end = _date(request.GET.get("end"), today)
    warehouse_id = _int(request.GET.get("warehouse"))
    rows = []
    try:
        rows = queries.movement_report(user=request.user, start=start, end=end, warehouse_id=warehouse_id,
                                       q=request.GET.get("q"))
    except DomainError as error:
        _report_errors(request, error)
    return _render(request, "report.html", _("进销存报表"), rows=rows, start=start, end=end,
                   warehouse_id=warehouse_id, q=request.GET.get("q", ""),
                   warehouses=visible_warehouses(request.user))


# --- shared line input ------------------------------------------------------------------------------

class LineForm(forms.Form):
    sku = forms.CharField(label=gettext_lazy("商品编码"), max_length=40)
    quantity = forms.IntegerField(label=gettext_lazy("数量"))
    unit_cost = forms.CharField(label=gettext_lazy("单位成本"), required=False)
    location = forms.CharField(label=gettext_lazy("库位编码"), required=False, max_length=40)


def _line_input(request, warehouse) -> dict | None:
    """The product, quantity, cost and location of a posted line form; None (with messages) when invalid."""
    form = LineForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}" if field in form.fields else error)
        return None
    product = Product.objects.filter(code=form.cleaned_data["sku"].strip()).first()
    if product is None:
        messages.error(request, _("商品「%(sku)s」不存在") % {"sku": form.cleaned_data["sku"]})
        return None
    location = None
    if form.cleaned_data["location"]:
        location = Location.objects.filter(warehouse=warehouse, code=form.cleaned_data["location"].strip()).first()
        if location is None:
            messages.error(request, _("库位「%(location)s」不属于仓库「%(warehouse)s」")
                           % {"location": form.cleaned_data["location"], "warehouse": warehouse.code})
            return None
    try:
        unit_cost = parse_decimal(form.cleaned_data["unit_cost"], field="unit_cost", places=COST_PLACES)
    except DomainError as error:
        _report_errors(request, error)
        return None
    return {"product": product, "quantity": form.cleaned_data["quantity"], "unit_cost": unit_cost,
            "location": location}


def _act(request, action, success, **kwargs) -> None:
    try:
        action(user=request.user, **kwargs)
    except DomainError as error:
        _report_errors(request, error)
    else:
        messages.success(request, success)


def _warehouse_from(request, name: str):
    return visible_warehouses(request.user).filter(pk=_int(request.POST.get(name))).first()


# --- other receipts and issues ----------------------------------------------------------------------

@require_permission("inventory.view_stockdocument")
def document_list(request):
    rows = queries.list_stock_documents(user=request.user, direction=request.GET.get("direction") or None)
    return _render(request, "document_list.html", _("其他出入库单"), page=_page(request, rows),
                   directions=DocumentDirection.choices, warehouses=visible_warehouses(request.user),
                   can_add=has_permission(request.user, "inventory.add_stockdocument"))


@require_permission("inventory.add_stockdocument")
@require_POST
def document_create(request):
    warehouse = _warehouse_from(request, "warehouse")
    if warehouse is None:
        messages.error(request, _("请选择仓库"))
        return redirect("inventory:documents")
    try:
        document = services.create_stock_document(user=request.user, direction=request.POST.get("direction", ""),
                                                  warehouse=warehouse, reason=request.POST.get("reason", ""))
    except DomainError as error:
        _report_errors(request, error)
        return redirect("inventory:documents")
    return redirect("inventory:document", pk=document.pk)


@require_permission("inventory.view_stockdocument")
def document_detail(request, pk: int):
    document = _found(queries.get_stock_document, request, pk)
    return _render(request, "document_detail.html", str(document), document=document,
                   lines=document.lines.select_related("product", "location"), form=LineForm(),
                   can_change=has_permission(request.user, "inventory.change_stockdocument"))


@require_permission("inventory.change_stockdocument")
@require_POST
def document_add_line(request, pk: int):
    document = _found(queries.get_stock_document, request, pk)
    data = _line_input(request, document.warehouse)
    if data is not None:
        _act(request, services.add_stock_document_line, _("已添加明细"), document=document, **data)
    return redirect("inventory:document", pk=pk)


@require_permission("inventory.change_stockdocument")
@require_POST
def document_action(request, pk: int, action: str):
    document = _found(queries.get_stock_document, request, pk)
    actions = {"confirm": (services.confirm_stock_document, _("已确认，库存已更新")),
               "cancel": (services.cancel_stock_document, _("已作废"))}
    if action not in actions:
        raise Http404
    _act(request, actions[action][0], actions[action][1], document=document)
    return redirect("inventory:document", pk=pk)


# --- transfers ----------------------------------------------------------------------------------------

@require_permission("inventory.view_transfer")
def transfer_list(request):
    rows = queries.list_transfers(user=request.user, status=request.GET.get("status") or None)
    return _render(request, "transfer_list.html", _("调拨单"), page=_page(request, rows),
                   warehouses=visible_warehouses(request.user),
                   can_add=has_permission(request.user, "inventory.add_transfer"))


@require_permission("inventory.add_transfer")
@require_POST
def transfer_create(request):
    source, target = _warehouse_from(request, "from_warehouse"), _warehouse_from(request, "to_warehouse")
    if source is None or target is None:
        messages.error(request, _("请选择调出仓库和调入仓库"))
        return redirect("inventory:transfers")
    try:
        transfer = services.create_transfer(user=request.user, from_warehouse=source, to_warehouse=target,
                                            reason=request.POST.get("reason", ""))
    except DomainError as error:
        _report_errors(request, error)
        return redirect("inventory:transfers")
    return redirect("inventory:transfer", pk=transfer.pk)


@require_permission("inventory.view_transfer")
def transfer_detail(request, pk: int):
    transfer = _found(queries.get_transfer, request, pk)
    return _render(request, "transfer_detail.html", str(transfer), transfer=transfer,
                   lines=transfer.lines.select_related("product"), form=LineForm(),
                   can_change=has_permission(request.user, "inventory.change_transfer"))


@require_permission("inventory.change_transfer")
@require_POST
def transfer_add_line(request, pk: int):
    transfer = _found(queries.get_transfer, request, pk)
    data = _line_input(request, transfer.from_warehouse)
    if data is not None:
        _act(request, services.add_transfer_line, _("已添加明细"), transfer=transfer, product=data["product"],
             quantity=data["quantity"])
    return redirect("inventory:transfer", pk=pk)


@require_permission("inventory.change_transfer")
@require_POST
def transfer_action(request, pk: int, action: str):
    transfer = _found(queries.get_transfer, request, pk)
    actions = {"ship": (services.ship_transfer, _("已发出，货物在途")),
               "receive": (services.receive_transfer, _("已收货，库存已更新")),
               "cancel": (services.cancel_transfer, _("已作废"))}
    if action not in actions:
        raise Http404
    _act(request, actions[action][0], actions[action][1], transfer=transfer)
    return redirect("inventory:transfer", pk=pk)


# --- stocktakes ---------------------------------------------------------------------------------------

@require_permission("inventory.view_stocktake")
def stocktake_list(request):
    rows = queries.list_stocktakes(user=request.user, status=request.GET.get("status") or None)
    return _render(request, "stocktake_list.html", _("盘点单"), page=_page(request, rows),
                   warehouses=visible_warehouses(request.user),
                   can_add=has_permission(request.user, "inventory.add_stocktake"))


@require_permission("inventory.add_stocktake")
@require_POST
def stocktake_create(request):
    warehouse = _warehouse_from(request, "warehouse")
    if warehouse is None:
        messages.error(request, _("请选择仓库"))
        return redirect("inventory:stocktakes")
    stocktake = services.create_stocktake(user=request.user, warehouse=warehouse,
                                          reason=request.POST.get("reason", ""))
    return redirect("inventory:stocktake", pk=stocktake.pk)


@require_permission("inventory.view_stocktake")
def stocktake_detail(request, pk: int):
    stocktake = _found(queries.get_stocktake, request, pk)
    return _render(request, "stocktake_detail.html", str(stocktake), stocktake=stocktake,
                   lines=stocktake.lines.select_related("product", "location"), form=LineForm(),
                   can_change=has_permission(request.user, "inventory.change_stocktake"),
                   can_approve=has_permission(request.user, "inventory.approve_stocktake"))


@require_permission("inventory.change_stocktake")
@require_POST
def stocktake_add_line(request, pk: int):
    stocktake = _found(queries.get_stocktake, request, pk)
    product = Product.objects.filter(code=request.POST.get("sku", "").strip()).first()
    if product is None:
        messages.error(request, _("商品「%(sku)s」不存在") % {"sku": request.POST.get("sku", "")})
    else:
        _act(request, services.add_stocktake_line, _("已添加明细"), stocktake=stocktake, product=product)
    return redirect("inventory:stocktake", pk=pk)


@require_permission("inventory.change_stocktake")
@require_POST
def stocktake_counts(request, pk: int):
    """Save the counted quantities typed into the sheet (blank: not counted yet)."""
    stocktake = _found(queries.get_stocktake, request, pk)
    counts = {}
    for line in stocktake.lines.select_related("product"):
        text = request.POST.get(f"count-{line.product_id}", "").strip()
        if text == "":
            continue
        try:
            counts[line.product_id] = int(text)
        except ValueError:
            messages.error(request, _("商品「%(sku)s」的实盘数量不是整数：%(value)s")
                           % {"sku": line.product.code, "value": text})
            return redirect("inventory:stocktake", pk=pk)
    with transaction.atomic():
        _act(request, services.record_counts, _("已保存实盘数量"), stocktake=stocktake, counts=counts)
    return redirect("inventory:stocktake", pk=pk)


@require_permission("inventory.change_stocktake")
@require_POST
def stocktake_action(request, pk: int, action: str):
    stocktake = _found(queries.get_stocktake, request, pk)
    actions = {"start": (services.start_stocktake, _("已开始盘点，账面数量已快照")),
               "cancel": (services.cancel_stocktake, _("已作废"))}
    if action not in actions:
        raise Http404
    _act(request, actions[action][0], actions[action][1], stocktake=stocktake)
    return redirect("inventory:stocktake", pk=pk)


@require_permission("inventory.approve_stocktake")
@require_POST
def stocktake_approve(request, pk: int):
    stocktake = _found(queries.get_stocktake, request, pk)
    _act(request, services.approve_stocktake, _("已审核，盘盈盘亏已入账"), stocktake=stocktake)
    return redirect("inventory:stocktake", pk=pk)

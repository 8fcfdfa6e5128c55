"""Pages of fulfilment: shipments (list with filters and batch actions, detail with timeline), the
scan page (验货) for a barcode scanner, pick waves, PDFs (labels, packing slip, pick list), and
available-to-sell per store with its policy.

Thin: reads through shipment_queries, writes through inventory.services; a DomainError becomes a
message on the page. Warehouses are limited to the user's data scope; the consignee is masked
unless the user may see personal data.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ecerp.core.errors import DomainError, NotFound
from ecerp.core.permissions import has_permission, require_permission
from ecerp.core.views import page_context
from ecerp.inventory import pdf, services
from ecerp.inventory import shipment_queries as queries
from ecerp.inventory.carriers import carriers
from ecerp.inventory.models import StoreStockPolicy
from ecerp.inventory.states import ShipmentStatus
from ecerp.masterdata.models import Product
from ecerp.masterdata.scopes import visible_stores, visible_warehouses

PAGE_SIZE = 50


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _render(request, template: str, title, **context):
    return render(request, f"inventory/{template}", page_context(request, title=title, **context))


def _errors(request, error: DomainError) -> None:
    for detail in error.details:
        messages.error(request, detail.message)


def _shipment(request, pk):
    try:
        return queries.get_shipment(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _selected(request):
    ids = [pk for pk in (_int(value) for value in request.POST.getlist("ids")) if pk]
    return list(queries.list_shipments(user=request.user).filter(pk__in=ids).order_by("pk"))


# --- shipments -----------------------------------------------------------------------------------------

@require_permission("inventory.view_shipment")
def shipment_list(request):
    """Shipments with filters (state, warehouse, carrier, search) and batch actions (wave, ship, labels)."""
    filters = {"status": request.GET.get("status") or None, "warehouse_id": _int(request.GET.get("warehouse")),
               "carrier": request.GET.get("carrier") or None, "q": request.GET.get("q", "")}
    rows = queries.list_shipments(user=request.user, **filters)
    return _render(request, "shipment_list.html", _("发货单"),
                   page=Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")), filters=filters,
                   statuses=ShipmentStatus.choices, warehouses=visible_warehouses(request.user),
                   carriers=carriers().values(), reveal=queries.may_reveal(request.user),
                   can_wave=has_permission(request.user, "inventory.add_pickwave"),
                   can_change=has_permission(request.user, "inventory.change_shipment"))


@require_permission("inventory.view_shipment")
def shipment_detail(request, pk: int):
    """One parcel: lines with scan progress, consignee (masked unless allowed), timeline, actions."""
    shipment = _shipment(request, pk)
    return _render(request, "shipment_detail.html", str(shipment), shipment=shipment,
                   lines=shipment.lines.select_related("product"),
                   consignee=queries.consignee(shipment, request.user), timeline=queries.timeline(shipment),
                   carriers=carriers().values(), can_change=has_permission(request.user, "inventory.change_shipment"))


ACTIONS = {
    "cancel": (services.cancel_shipment, gettext_lazy("已取消发货单")),
    "intercept": (services.intercept_shipment, gettext_lazy("已发起拦截")),
    "return": (services.record_return, gettext_lazy("拦截包裹已退回入库")),
    "sign": (services.record_sign_off, gettext_lazy("已记录签收")),
    "poll": (services.poll_carrier, gettext_lazy("已查询物流")),
    "reset": (services.reset_scans, gettext_lazy("已清空验货记录")),
}


@require_permission("inventory.change_shipment")
@require_POST
def shipment_action(request, pk: int, action: str):
    """cancel, intercept, return, sign, poll, reset (scans) or ship (with the carrier chosen)."""
    shipment = _shipment(request, pk)
    try:
        if action == "ship":
            services.ship_shipment(user=request.user, shipment=shipment, carrier_code=request.POST.get("carrier", ""))
            messages.success(request, _("已发货"))
        elif action in ACTIONS:
            service, success = ACTIONS[action]
            service(user=request.user, shipment=shipment)
            messages.success(request, success)
        else:
            raise Http404
    except DomainError as error:
        _errors(request, error)
    return redirect("inventory:shipment", pk=pk)


@require_permission("inventory.change_shipment")
@require_POST
def shipment_batch_ship(request):
    """Ship the ticked parcels with one carrier; each failure is listed, the rest ship."""
    shipments = _selected(request)
    if not shipments:
        messages.error(request, _("请选择发货单"))
        return redirect("inventory:shipments")
    results = services.ship_shipments(user=request.user, shipments=shipments,
                                      carrier_code=request.POST.get("carrier", ""))
    shipped = [result for result in results if result.error is None]
    if shipped:
        messages.success(request, _("已发货 %(count)s 个包裹") % {"count": len(shipped)})
    for result in results:
        if result.error is not None:
            messages.error(request, f"{result.shipment.code}: {result.error}")
    return redirect("inventory:shipments")


@require_permission("inventory.change_shipment")
@require_POST
def shipment_batch_pack(request):
    """Confirm the ticked parcels packed as a whole (整单验货); each refusal is listed, the rest are packed."""
    shipments = _selected(request)
    if not shipments:
        messages.error(request, _("请选择发货单"))
        return redirect("inventory:shipments")
    results = services.confirm_packed(user=request.user, shipments=shipments)
    packed = [result for result in results if result.error is None]
    if packed:
        messages.success(request, _("已整单验货 %(count)s 个包裹") % {"count": len(packed)})
    for result in results:
        if result.error is not None:
            messages.error(request, f"{result.shipment.code}: {result.error}")
    return redirect("inventory:shipments")


@require_permission("inventory.add_pickwave")
@require_POST
def wave_create(request):
    """Make a pick wave of the ticked parcels (all of one warehouse)."""
    shipments = _selected(request)
    if not shipments:
        messages.error(request, _("请选择发货单"))
        return redirect("inventory:shipments")
    try:
        wave = services.create_pick_wave(user=request.user, warehouse=shipments[0].warehouse, shipments=shipments)
    except DomainError as error:
        _errors(request, error)
        return redirect("inventory:shipments")
    messages.success(request, _("已生成拣货波次 %(code)s") % {"code": wave.code})
    return redirect("inventory:wave", pk=wave.pk)


@require_permission("inventory.view_shipment")
@require_POST
def labels_batch(request):
    """The labels of the ticked parcels in one PDF, one page each."""
    shipments = _selected(request)
    if not shipments:
        messages.error(request, _("请选择发货单"))
        return redirect("inventory:shipments")
    return _pdf(pdf.labels_pdf(shipments, reveal=queries.may_reveal(request.user)), "labels.pdf")


@require_permission("inventory.view_shipment")
def shipment_label(request, pk: int):
    shipment = _shipment(request, pk)
    return _pdf(pdf.label_pdf(shipment, reveal=queries.may_reveal(request.user)), f"{shipment.code}-label.pdf")


@require_permission("inventory.view_shipment")
def shipment_slip(request, pk: int):
    shipment = _shipment(request, pk)
    return _pdf(pdf.packing_slip_pdf(shipment, reveal=queries.may_reveal(request.user)), f"{shipment.code}-slip.pdf")


# --- scan (验货) ----------------------------------------------------------------------------------------

@require_permission("inventory.change_shipment")
def shipment_scan(request, pk: int):
    """The scan page: an autofocused input a keyboard-wedge scanner types into and submits with Enter.

    Each POST checks one barcode; the page shows the progress per line, flashes red and beeps on a
    refused barcode. Scans are stored, so a reload continues where the packer stopped.
    """
    shipment = _shipment(request, pk)
    refused = None
    if request.method == "POST":
        barcode = request.POST.get("barcode", "")
        try:
            result = services.scan_item(user=request.user, shipment=shipment, barcode=barcode)
        except DomainError as error:
            refused = error.details[0].message
        else:
            if result.complete:
                messages.success(request, _("验货完成，可以发货"))
            return redirect("inventory:shipment_scan", pk=pk)
    # a packer can jump to the next parcel by scanning its shipment code or waybill into "next"
    next_code = request.GET.get("next", "").strip()
    if next_code:
        found = queries.list_shipments(user=request.user, q=next_code).filter(code=next_code).first()
        if found is not None:
            return redirect("inventory:shipment_scan", pk=found.pk)
        messages.error(request, _("发货单「%(code)s」不存在") % {"code": next_code})
    lines = list(shipment.lines.select_related("product"))
    total = sum(line.quantity for line in lines)
    scanned = sum(line.scanned_quantity for line in lines)
    status = 400 if refused else 200
    response = _render(request, "shipment_scan.html", _("验货 %(code)s") % {"code": shipment.code},
                       shipment=shipment, lines=lines, total=total, scanned=scanned, refused=refused,
                       carriers=carriers().values(), open=shipment.status in (ShipmentStatus.CREATED,
                                                                              ShipmentStatus.PICKING))
    response.status_code = status
    return response


# --- pick waves -----------------------------------------------------------------------------------------

@require_permission("inventory.view_pickwave")
def wave_list(request):
    rows = queries.list_pick_waves(user=request.user, warehouse_id=_int(request.GET.get("warehouse")))
    return _render(request, "wave_list.html", _("拣货波次"),
                   page=Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
                   warehouses=visible_warehouses(request.user))


@require_permission("inventory.view_pickwave")
def wave_detail(request, pk: int):
    try:
        wave = queries.get_pick_wave(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    return _render(request, "wave_detail.html", str(wave), wave=wave,
                   lines=wave.lines.select_related("product", "location"),
                   shipments=wave.shipments.order_by("code"))


@require_permission("inventory.view_pickwave")
def wave_pdf(request, pk: int):
    try:
        wave = queries.get_pick_wave(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    return _pdf(pdf.pick_list_pdf(wave), f"{wave.code}.pdf")


# --- available-to-sell ------------------------------------------------------------------------------------

@require_permission("inventory.view_storestockpolicy")
def available(request):
    """Available-to-sell of a store, with its policy (editable with change_storestockpolicy)."""
    stores = visible_stores(request.user)
    store = stores.filter(pk=_int(request.GET.get("store"))).first() or stores.first()
    policy = StoreStockPolicy.objects.filter(store=store).prefetch_related("warehouses").first() if store else None
    rows = []
    if policy is not None:
        rows = services.available_to_sell(store)
    return _render(request, "available.html", _("可售库存"), stores=stores, store=store, policy=policy, rows=rows,
                   warehouses=visible_warehouses(request.user),
                   policy_warehouses=set(policy.warehouses.values_list("pk", flat=True)) if policy else set(),
                   can_change=has_permission(request.user, "inventory.change_storestockpolicy"))


@require_permission("inventory.change_storestockpolicy")
@require_POST
def available_policy(request):
    """Save a store's policy: warehouses, share ratio, default safety stock, per-SKU lines "SKU=qty"."""
    store = visible_stores(request.user).filter(pk=_int(request.POST.get("store"))).first()
    if store is None:
        raise Http404
    warehouses = list(visible_warehouses(request.user).filter(pk__in=[
        pk for pk in (_int(value) for value in request.POST.getlist("warehouses")) if pk]))
    safety, problems = {}, []
    for number, text in enumerate(request.POST.get("safety_stocks", "").splitlines(), start=1):
        if not text.strip():
            continue
        code, _sep, quantity = text.partition("=")
        product = Product.objects.filter(code=code.strip()).first()
        if product is None or not quantity.strip().isdigit():
            problems.append(_("第 %(row)s 行「%(text)s」应为「商品编码=数量」") % {"row": number, "text": text.strip()})
            continue
        safety[product] = int(quantity.strip())
    default = request.POST.get("default_safety_stock", "0").strip() or "0"
    if not default.isdigit():
        problems.append(_("默认安全库存必须是非负整数：%(value)s") % {"value": default})
    for problem in problems:
        messages.error(request, problem)
    if not problems:
        try:
            services.save_store_stock_policy(user=request.user, store=store, warehouses=warehouses,
                                             share_ratio=request.POST.get("share_ratio", "1"),
                                             default_safety_stock=int(default), safety_stocks=safety)
        except DomainError as error:
            _errors(request, error)
        else:
            messages.success(request, _("已保存库存同步策略"))
    return redirect(f"{reverse('inventory:available')}?store={store.pk}")

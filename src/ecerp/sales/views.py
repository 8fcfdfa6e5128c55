"""Pages of order ingest: order list and detail (timeline), file upload with a result summary,
quarantine (list, edit and retry, discard), and SKU mapping (unmapped codes, map to a product);
review and allocation: batch actions on the list (review, allocate, merge), hold/release and split
on the detail page, and the review rules page (rules, blacklist, preview).

Thin: reads through sales.queries, writes through sales.services; a DomainError becomes a message
on the page. Stores are limited to the user's data scope.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ecerp.core.errors import DomainError, NotFound
from ecerp.core.permissions import check_permission, has_permission, require_permission
from ecerp.core.views import page_context
from ecerp.masterdata.models import Product, Warehouse
from ecerp.masterdata.scopes import visible_stores
from ecerp.sales import queries, services
from ecerp.sales.adapters.files import FORMAT_LABELS, FORMATS, parse_order_file, template_csv
from ecerp.sales.models import AllocationRule, Blacklist, QuarantinedRecord, ReviewRule, StoreSalesSetting
from ecerp.sales.privacy import mask_record, restore_masked
from ecerp.sales.states import (
    MERGEABLE_STATES,
    REVIEWABLE_STATES,
    BlacklistKind,
    IngestOutcome,
    OrderStatus,
    PaymentTerms,
    QuarantineStatus,
    RuleAction,
    RuleKind,
)

PAGE_SIZE = 50
MAX_UPLOAD = 20 * 1024 * 1024


def _render(request, template: str, title, **context):
    return render(request, f"sales/{template}", page_context(request, title=title, **context))


def _report(request, error: DomainError) -> None:
    for detail in error.details:
        messages.error(request, detail.message)


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


@require_permission("sales.view_salesorder")
def order_list(request):
    """Orders with filters: status, store, dates, exception flag, pending mapping, search."""
    exception = {"1": True, "0": False}.get(request.GET.get("exception", ""))
    filters = {"status": request.GET.get("status", ""), "store_id": _int(request.GET.get("store")),
               "q": request.GET.get("q", "").strip(), "date_from": _date(request.GET.get("date_from")),
               "date_to": _date(request.GET.get("date_to")), "exception": exception,
               "pending_mapping": request.GET.get("pending_mapping") == "1"}
    orders = queries.list_orders(user=request.user, **filters)
    hold = request.GET.get("hold", "").strip()
    if hold:
        orders = orders.filter(hold_reason__icontains=hold)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "order_list.html", _("销售订单"), page=page, filters=filters,
                   statuses=OrderStatus.choices, stores=visible_stores(request.user),
                   exception=request.GET.get("exception", ""), hold=hold,
                   can_change=has_permission(request.user, "sales.change_salesorder"))


@require_permission("sales.view_salesorder")
def order_detail(request, pk: int):
    """One order: header, consignee (masked unless allowed), lines, parcels, after-sales cases, timeline."""
    try:
        order = queries.get_order(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    can_change = has_permission(request.user, "sales.change_salesorder")
    return _render(request, "order_detail.html", order.code, order=order, personal=queries.personal(request.user,
                   order), lines=order.lines.all(), timeline=queries.timeline(order),
                   can_cancel=order.is_open and can_change, can_change=can_change,
                   holds=order.holds.select_related("rule").order_by("-id"),
                   can_split=can_change and order.status in MERGEABLE_STATES,
                   merged_from=order.merged_from.all(), split_children=order.split_children.all(),
                   payment_terms=PaymentTerms.choices, parcels=queries.parcels(order),
                   cases=order.aftersales_cases.order_by("-id"))


@require_permission("sales.change_salesorder")
@require_POST
def order_cancel(request, pk: int):
    try:
        order = queries.get_order(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    try:
        services.cancel_order(user=request.user, order=order, reason=request.POST.get("reason", "").strip())
        messages.success(request, _("订单已取消"))
    except DomainError as error:
        _report(request, error)
    return redirect("sales:order", pk=pk)


@require_permission("sales.change_salesorder")
@require_POST
def order_cancel_lines(request, pk: int):
    """取消部分商品: the quantities typed per line (cancel_<line no>) leave the order; refund optional."""
    order = _order_or_404(request, pk)
    lines, bad = [], []
    for key, value in request.POST.items():
        if not key.startswith("cancel_") or not value.strip():
            continue
        line_no, quantity = _int(key.removeprefix("cancel_")), _int(value.strip())
        if line_no is None or quantity is None:
            bad.append(_("第 %(line)s 行的取消数量「%(value)s」不是整数") % {"line": key.removeprefix("cancel_"),
                                                                         "value": value.strip()})
        elif quantity:
            lines.append((line_no, quantity))
    refund_text = request.POST.get("refund_amount", "").strip()
    refund = None
    if refund_text:
        try:
            refund = Decimal(refund_text)
        except InvalidOperation:
            bad.append(_("退款金额「%(value)s」不是有效金额") % {"value": refund_text})
    if bad:
        for message in bad:
            messages.error(request, message)
        return redirect("sales:order", pk=pk)
    try:
        services.cancel_order_lines(user=request.user, order=order, lines=sorted(lines),
                                    reason=request.POST.get("reason", ""), refund_amount=refund)
        messages.success(request, _("已取消 %(units)s 件商品") % {"units": sum(q for _n, q in lines)})
    except DomainError as error:
        _report(request, error)
    return redirect("sales:order", pk=pk)


class UploadForm(forms.Form):
    store = forms.ModelChoiceField(label=gettext_lazy("店铺"), queryset=None)
    file_format = forms.ChoiceField(label=gettext_lazy("格式"), initial="auto")
    file = forms.FileField(label=gettext_lazy("订单文件"))
    items = forms.FileField(label=gettext_lazy("宝贝报表（仅淘宝/天猫）"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = visible_stores(user)
        self.fields["file_format"].choices = [("auto", _("自动识别"))] + [(name, FORMAT_LABELS[name])
                                                                          for name in FORMATS]


@require_permission("sales.add_salesorder")
def upload(request):
    """Upload an order file (ECERP template or a platform export); show created / updated / unchanged /
    stale / quarantined."""
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    result = None
    file_format = ""
    if request.method == "POST" and form.is_valid():
        upload_file, items = form.cleaned_data["file"], form.cleaned_data["items"]
        if upload_file.size > MAX_UPLOAD:
            messages.error(request, _("文件过大（上限 20 MB）"))
        else:
            store = form.cleaned_data["store"]
            try:
                parsed = parse_order_file(upload_file.read(), upload_file.name, store=store.code,
                                          file_format=form.cleaned_data["file_format"],
                                          items_content=items.read() if items else None,
                                          items_filename=items.name if items else "")
                result = services.ingest_orders(user=request.user, source="file", records=parsed.records,
                                                default_store=store.code,
                                                store_scope=visible_stores(request.user))
                file_format = FORMAT_LABELS[parsed.file_format]
            except DomainError as error:
                _report(request, error)
    return _render(request, "upload.html", _("导入订单"), form=form, result=result, file_format=file_format,
                   outcomes=IngestOutcome.choices)


@require_permission("sales.add_salesorder")
def template_download(request):
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ecerp-orders-template.csv"'
    return response


@require_permission("sales.view_quarantinedrecord")
def quarantine_list(request):
    status = request.GET.get("status", QuarantineStatus.OPEN)
    page = Paginator(queries.list_quarantined(status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "quarantine_list.html", _("隔离区"), page=page, status=status,
                   statuses=QuarantineStatus.choices)


@require_permission("sales.view_quarantinedrecord")
def quarantine_detail(request, pk: int):
    """A quarantined record: its errors, its raw JSON to edit, retry and discard."""
    record = QuarantinedRecord.objects.filter(pk=pk).first()
    if record is None:
        raise Http404
    shown = record.raw if queries.can_see_personal_data(request.user) else mask_record(record.raw)
    raw_text = json.dumps(shown, ensure_ascii=False, indent=2)
    if request.method == "POST":
        if not has_permission(request.user, "sales.change_quarantinedrecord"):
            return HttpResponse(status=403)
        raw_text = request.POST.get("raw", "")
        try:
            raw = restore_masked(json.loads(raw_text), record.raw)
        except json.JSONDecodeError as error:
            messages.error(request, _("原始记录不是有效的 JSON：%(reason)s") % {"reason": str(error)})
        else:
            try:
                result = services.retry_quarantined(user=request.user, record=record, raw=raw)
                outcome = result.results[0]
                if outcome.outcome == IngestOutcome.QUARANTINED:
                    for error in outcome.errors:
                        messages.error(request, error["message"])
                else:
                    messages.success(request, _("已导入订单 %(code)s") % {"code": outcome.order_code})
                    return redirect("sales:quarantine")
            except DomainError as error:
                _report(request, error)
            record.refresh_from_db()
    return _render(request, "quarantine_detail.html", _("隔离记录 %(id)s") % {"id": record.pk}, record=record,
                   raw_text=raw_text, can_change=has_permission(request.user, "sales.change_quarantinedrecord"))


@require_permission("sales.change_quarantinedrecord")
@require_POST
def quarantine_discard(request, pk: int):
    record = QuarantinedRecord.objects.filter(pk=pk).first()
    if record is None:
        raise Http404
    try:
        services.discard_quarantined(user=request.user, record=record, reason=request.POST.get("reason", ""))
        messages.success(request, _("已丢弃"))
    except DomainError as error:
        _report(request, error)
    return redirect("sales:quarantine")


@require_permission("sales.view_storeskumapping")
def mappings(request):
    """商品对应: unmapped platform SKU codes with waiting orders; map one to a product (store or platform)."""
    if request.method == "POST":
        if not has_permission(request.user, "sales.add_storeskumapping"):
            return HttpResponse(status=403)
        if request.POST.get("action") == "rematch":
            released = services.rematch_waiting_lines(user=request.user)
            messages.success(request, _("已重新匹配，释放 %(count)s 个订单") % {"count": released})
            return redirect("sales:mappings")
        product = Product.objects.filter(code=request.POST.get("product", "").strip()).first()
        store = visible_stores(request.user).filter(pk=_int(request.POST.get("store"))).first()
        platform_wide = request.POST.get("scope") == "platform"
        if product is None:
            messages.error(request, _("商品「%(code)s」不存在") % {"code": request.POST.get("product", "")})
        else:
            try:
                _mapping, released = services.map_platform_sku(
                    user=request.user, sku_code=request.POST.get("sku_code", ""), product=product,
                    store=None if platform_wide else store,
                    platform=store.platform if (platform_wide and store) else "")
                messages.success(request, _("已对应，释放 %(count)s 个订单") % {"count": released})
            except DomainError as error:
                _report(request, error)
        return redirect("sales:mappings")
    return _render(request, "mappings.html", _("商品对应"), unmapped=queries.unmapped_skus(user=request.user),
                   mappings=queries.list_mappings(user=request.user)[:200],
                   can_add=has_permission(request.user, "sales.add_storeskumapping"))


# --- review, allocation, merge and split ---------------------------------------------------------------

def _selected(request) -> list:
    ids = [pk for pk in (_int(value) for value in request.POST.getlist("orders")) if pk]
    return list(queries.list_orders(user=request.user).filter(pk__in=ids))


def _summary(request, results, verb) -> None:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    labels = {"reviewed": _("通过"), "held": _("挂起"), "skipped": _("跳过"), "allocated": _("已分配"),
              "out_of_stock": _("缺货"), "created": _("已生成"), "failed": _("失败")}
    messages.success(request, _("%(verb)s：%(counts)s") % {"verb": verb, "counts": "，".join(
        f"{labels.get(outcome, outcome)} {count}" for outcome, count in counts.items())})


@require_permission("sales.change_salesorder")
@require_POST
def order_batch(request):
    """Batch actions of the order list: review, allocate or merge the ticked orders."""
    orders = _selected(request)
    action = request.POST.get("action", "")
    if not orders:
        messages.error(request, _("请先勾选订单"))
        return redirect("sales:orders")
    try:
        if action == "review":
            _summary(request, services.review_orders(user=request.user, orders=orders), _("审单"))
        elif action == "allocate":
            _summary(request, services.allocate_orders(user=request.user, orders=orders), _("分配库存"))
        elif action == "ship":
            check_permission(request.user, "inventory.add_shipment")
            results = services.create_order_shipments(user=request.user, orders=orders)
            _summary(request, results, _("生成发货单"))
            for result in results:
                for detail in result.errors or ():
                    messages.error(request, f"{result.order_code}：{detail.message}")
        elif action == "merge":
            merged = services.merge_orders(user=request.user, orders=orders)
            messages.success(request, _("已合并为订单 %(code)s") % {"code": merged.code})
            return redirect("sales:order", pk=merged.pk)
        else:
            messages.error(request, _("未知的操作"))
    except DomainError as error:
        _report(request, error)
    return redirect("sales:orders")


def _order_or_404(request, pk: int):
    try:
        return queries.get_order(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


@require_permission("sales.change_salesorder")
@require_POST
def order_hold(request, pk: int):
    """Hold (or, with action=release, release) an order by hand with a reason."""
    order = _order_or_404(request, pk)
    reason = request.POST.get("reason", "")
    try:
        if request.POST.get("action") == "release":
            services.release_order(user=request.user, order=order, reason=reason)
            messages.success(request, _("订单已放行"))
        else:
            services.hold_order(user=request.user, order=order, reason=reason)
            messages.success(request, _("订单已挂起"))
    except DomainError as error:
        _report(request, error)
    return redirect("sales:order", pk=pk)


@require_permission("sales.change_salesorder")
@require_POST
def order_split(request, pk: int):
    """Split an order by the ticked lines, or by warehouse."""
    order = _order_or_404(request, pk)
    try:
        if request.POST.get("action") == "warehouse":
            children = services.split_order_by_warehouse(user=request.user, order=order)
        else:
            line_nos = [number for number in (_int(v) for v in request.POST.getlist("lines")) if number]
            children = services.split_order_lines(user=request.user, order=order, line_nos=line_nos)
        messages.success(request, _("已拆分为 %(codes)s") % {"codes": "、".join(child.code for child in children)})
    except DomainError as error:
        _report(request, error)
    return redirect("sales:order", pk=pk)


# What each write of the review rules page needs (the page itself needs sales.view_reviewrule).
STORE_SETTING_PERMISSIONS = ("sales.change_allocationrule", "sales.change_storesalessetting")


def _review_page_permissions(user) -> dict[str, bool]:
    return {
        "can_add_rule": has_permission(user, "sales.add_reviewrule"),
        "can_change_rule": has_permission(user, "sales.change_reviewrule"),
        "can_blacklist": has_permission(user, "sales.add_blacklist"),
        "can_unblacklist": has_permission(user, "sales.delete_blacklist"),
        "can_change_store": all(has_permission(user, name) for name in STORE_SETTING_PERMISSIONS),
    }


def _may_post(action: str, rule_id, allowed: dict[str, bool]) -> bool:
    if action == "preview":
        return True
    if action == "blacklist":
        return allowed["can_blacklist"]
    if action == "unblacklist":
        return allowed["can_unblacklist"]
    if action == "store":
        return allowed["can_change_store"]
    return allowed["can_change_rule"] if rule_id else allowed["can_add_rule"]


@require_permission("sales.view_reviewrule")
def review_rules(request):
    """审单规则: rules in the order they run, add or change one, blacklist, and a preview on open orders.

    Each write needs its own permission: add/change review rules, add/delete blacklist entries,
    change allocation rules and store sales settings (the store section).
    """
    allowed = _review_page_permissions(request.user)
    preview = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if not _may_post(action, _int(request.POST.get("rule")), allowed):
            return HttpResponse(status=403)
        try:
            if action == "preview":
                rule = ReviewRule.objects.filter(pk=_int(request.POST.get("rule"))).first()
                orders = queries.list_orders(user=request.user).filter(status__in=REVIEWABLE_STATES)[:200]
                preview = services.preview_rules(orders=orders, rule=rule)
            elif action == "blacklist":
                services.add_to_blacklist(user=request.user, kind=request.POST.get("kind", ""),
                                          value=request.POST.get("value", ""), reason=request.POST.get("reason", ""))
                messages.success(request, _("已加入黑名单"))
                return redirect("sales:review_rules")
            elif action == "store":
                _save_store_settings(request)
                return redirect("sales:review_rules")
            elif action == "unblacklist":
                entry = Blacklist.objects.filter(pk=_int(request.POST.get("entry"))).first()
                if entry is not None:
                    services.delete_blacklist_entry(user=request.user, entry=entry)
                return redirect("sales:review_rules")
            else:
                rule = ReviewRule.objects.filter(pk=_int(request.POST.get("rule"))).first()
                threshold = request.POST.get("threshold", "").strip()
                services.save_review_rule(
                    user=request.user, rule=rule, name=request.POST.get("name", ""), kind=request.POST.get("kind", ""),
                    parameters={"threshold": threshold} if threshold else {}, action=request.POST.get("rule_action",
                                                                                                   "hold"),
                    priority=_int(request.POST.get("priority")) or 100, active=request.POST.get("active") == "1")
                messages.success(request, _("审单规则已保存"))
                return redirect("sales:review_rules")
        except DomainError as error:
            _report(request, error)
    stores = list(visible_stores(request.user).select_related("default_warehouse"))
    terms = dict(StoreSalesSetting.objects.values_list("store_id", "payment_terms"))
    orders_of = {}
    for store_id, code in AllocationRule.objects.order_by("priority").values_list("store_id", "warehouse__code"):
        orders_of.setdefault(store_id, []).append(code)
    store_rows = [{"store": store, "terms": terms.get(store.pk, PaymentTerms.PREPAID),
                   "terms_label": PaymentTerms(terms.get(store.pk, PaymentTerms.PREPAID)).label,
                   "warehouses": " ".join(orders_of.get(store.pk, []))} for store in stores]
    return _render(request, "review_rules.html", _("审单规则"), rules=ReviewRule.objects.order_by("priority", "id"),
                   store_rows=store_rows, payment_terms=PaymentTerms.choices,
                   kinds=RuleKind.choices, actions=RuleAction.choices, blacklist=Blacklist.objects.all(),
                   blacklist_kinds=BlacklistKind.choices, preview=preview, **allowed)


def _save_store_settings(request) -> None:
    """A store's default payment terms and warehouse order (codes separated by spaces or commas)."""
    store = visible_stores(request.user).filter(pk=_int(request.POST.get("store"))).first()
    if store is None:
        raise Http404
    codes = [code for code in request.POST.get("warehouses", "").replace(",", " ").replace("，", " ").split() if code]
    by_code = {warehouse.code: warehouse for warehouse in Warehouse.objects.filter(code__in=codes, active=True)}
    unknown = [code for code in codes if code not in by_code]
    if unknown:
        messages.error(request, _("仓库「%(codes)s」不存在或已停用") % {"codes": "、".join(unknown)})
        return
    services.set_allocation_rules(user=request.user, store=store, warehouses=[by_code[code] for code in codes])
    services.set_store_payment_terms(user=request.user, store=store,
                                     payment_terms=request.POST.get("payment_terms", PaymentTerms.PREPAID))
    messages.success(request, _("店铺「%(store)s」的分仓顺序和付款条件已保存") % {"store": store.name})


@require_permission("sales.change_salesorder")
@require_POST
def order_payment_terms(request, pk: int):
    """Set an order's payment terms, customer (partner code) and deposit."""
    from ecerp.core.money import parse_decimal
    from ecerp.masterdata.models import Partner
    order = _order_or_404(request, pk)
    try:
        code = request.POST.get("customer", "").strip()
        customer = Partner.objects.filter(code=code).first() if code else None
        if code and customer is None:
            raise NotFound(_("客户"), code, field="customer")
        deposit = parse_decimal(request.POST.get("deposit_amount", ""), field="deposit_amount")
        services.set_order_payment_terms(user=request.user, order=order,
                                         payment_terms=request.POST.get("payment_terms", ""), customer=customer,
                                         deposit_amount=deposit)
        messages.success(request, _("付款条件已保存，请重新审单"))
    except DomainError as error:
        _report(request, error)
    return redirect("sales:order", pk=pk)

"""Pages of product filings, store channel profiles, reference data and the customs settings.

Thin: reads through customs.queries, writes through customs.services.filings; a DomainError becomes
messages on the page, each naming its field. Reference rows are edited in the admin (through the
reference services); these pages list them with their validity.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ecerp.core.errors import DomainError
from ecerp.core.models import StateHistory
from ecerp.core.permissions import has_permission, require_permission
from ecerp.core.views import page_context
from ecerp.customs import queries
from ecerp.customs.models import (
    CrossBorderLimit,
    CustomsChannel,
    PositiveListLine,
    ProductFiling,
    ReferenceCode,
    ReferenceKind,
    TaxRate,
)
from ecerp.customs.services import filings as services
from ecerp.customs.states import FILING_EDITABLE_STATES, FILING_TRANSITIONS, FilingState
from ecerp.masterdata.models import Partner, Product, Store, StoreType

PAGE_SIZE = 50
POSITIVE_CHOICES = [("yes", gettext_lazy("在正面清单内")), ("no", gettext_lazy("不在正面清单内"))]


def _render(request, template: str, title, **context):
    return render(request, f"customs/filings/{template}", page_context(request, title=title, **context))


def _report(request, error: DomainError) -> dict[str, str]:
    for detail in error.details:
        messages.error(request, detail.message)
    return {detail.field: detail.message for detail in error.details if detail.field}


def _rows(form: forms.Form, errors: dict[str, str]) -> list[tuple]:
    return [(field, errors.get(field.name, "")) for field in form]


# --- filings --------------------------------------------------------------------------------------------

class FilingForm(forms.ModelForm):
    """Renders a filing's fields (the service checks them; the form only shows)."""

    class Meta:
        model = ProductFiling
        fields = services.FILING_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = [("", "—"), *queries.reference_choices(ReferenceKind.CUSTOMS_UNIT)]
        for name in ("unit", "unit1", "unit2"):
            self.fields[name] = forms.ChoiceField(label=self.fields[name].label, choices=units, required=False)
        self.fields["origin_country"] = forms.ChoiceField(
            label=self.fields["origin_country"].label, required=False,
            choices=[("", "—"), *queries.reference_choices(ReferenceKind.COUNTRY)])
        # room for the way people write HS codes (3304.99.0099, with spaces): the service removes the dots,
        # while the model's max_length of 10 would make the browser cut "3304.99.0099" to "3304.99.00"
        self.fields["hs_code"].widget.attrs["maxlength"] = "20"


def _filing_data(post) -> dict:
    data = {name: post.get(name, "") for name in services.FILING_FIELDS if name != "inspection_required"}
    data["inspection_required"] = bool(post.get("inspection_required"))
    return data


@require_permission("customs.view_productfiling")
def filing_list(request):
    """Filings with filters: state, HS code prefix, positive-list status today, search."""
    filters = {"state": request.GET.get("state", ""), "hs_code": request.GET.get("hs_code", "").strip(),
               "positive": request.GET.get("positive", ""), "search": request.GET.get("q", "").strip()}
    today = datetime.date.today()
    page = Paginator(queries.list_filings(**filters, on_date=today), PAGE_SIZE).get_page(request.GET.get("page"))
    positive = queries.positive_codes_on(today)
    rows = [(filing, filing.hs_code[:8] in positive) for filing in page]
    unfiled = (Product.objects.filter(is_cross_border=True, is_bundle=False, customs_filing__isnull=True)
               .order_by("code")[:200])
    return _render(request, "filing_list.html", _("商品备案"), page=page, rows=rows, filters=filters,
                   states=FilingState.choices, positive_choices=POSITIVE_CHOICES, unfiled=unfiled,
                   can_add=has_permission(request.user, "customs.add_productfiling"),
                   can_import=has_permission(request.user, "customs.import_productfiling"))


@require_permission("customs.add_productfiling")
def filing_create(request):
    """The form of a new filing for a cross-border product, filled from its master data."""
    chosen = request.POST.get("product") or request.GET.get("product")
    if not chosen:  # the address typed or bookmarked without a product: choose one on the list
        messages.info(request, _("请在商品备案列表下方的「未备案的跨境商品」中选择商品"))
        return redirect("customs:filings")
    product = get_object_or_404(Product, pk=chosen)
    if ProductFiling.objects.filter(product=product).exists():
        return redirect("customs:filing", product.customs_filing.pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            filing = services.save_filing(user=request.user, product=product, data=_filing_data(request.POST))
        except DomainError as error:
            errors = _report(request, error)
            form = FilingForm(data=request.POST)
        else:
            messages.success(request, _("已保存商品备案草稿"))
            return redirect("customs:filing", filing.pk)
    else:
        form = FilingForm(initial=services.filing_defaults(product))
    return _render(request, "filing_form.html", _("新建商品备案"), product=product, rows=_rows(form, errors),
                   editable=True, filing=None)


def _actions(request, filing: ProductFiling) -> dict[str, bool]:
    allowed = FILING_TRANSITIONS[filing.state]
    change = has_permission(request.user, "customs.change_productfiling")
    approve = has_permission(request.user, "customs.approve_productfiling")
    return {"submit": change and FilingState.SUBMITTED in allowed,
            "approve": approve and FilingState.APPROVED in allowed,
            "reject": approve and FilingState.REJECTED in allowed,
            "reopen": change and filing.state == FilingState.APPROVED}


@require_permission("customs.view_productfiling")
def filing_detail(request, pk: int):
    """One filing: its fields (editable while draft or rejected), positive-list status, actions, timeline."""
    filing = get_object_or_404(ProductFiling.objects.select_related("product", "approved_by"), pk=pk)
    editable = filing.state in FILING_EDITABLE_STATES and has_permission(request.user, "customs.change_productfiling")
    errors: dict[str, str] = {}
    form = FilingForm(instance=filing)
    if request.method == "POST":
        if not editable:
            messages.error(request, _("当前状态或权限不允许修改"))
            return redirect("customs:filing", pk)
        try:
            services.save_filing(user=request.user, product=filing.product, data=_filing_data(request.POST))
        except DomainError as error:
            errors = _report(request, error)
            form = FilingForm(data=request.POST, instance=filing)
        else:
            messages.success(request, _("已保存"))
            return redirect("customs:filing", pk)
    timeline = StateHistory.objects.filter(model="customs.productfiling", object_id=str(filing.pk)).order_by("at")
    line = queries.positive_list_line(filing.hs_code, datetime.date.today())
    return _render(request, "filing_form.html", _("商品备案 %(sku)s") % {"sku": filing.product.code},
                   filing=filing, product=filing.product, rows=_rows(form, errors), editable=editable,
                   actions=_actions(request, filing), positive_line=line, timeline=timeline)


def _filing_action(request, pk: int, action, success: str):
    filing = get_object_or_404(ProductFiling, pk=pk)
    try:
        action(filing)
    except DomainError as error:
        _report(request, error)
    else:  # say what happened: the state line alone is easy to miss
        messages.success(request, success)
    return redirect("customs:filing", pk)


@require_permission("customs.change_productfiling")
@require_POST
def filing_submit(request, pk: int):
    """Submit a draft filing for approval."""
    return _filing_action(request, pk, lambda filing: services.submit_filing(user=request.user, filing=filing),
                          _("已提交备案，等待审核"))


@require_permission("customs.approve_productfiling")
@require_POST
def filing_approve(request, pk: int):
    """Approve a submitted filing (with the filing number customs gave, if any)."""
    return _filing_action(request, pk, lambda filing: services.approve_filing(
        user=request.user, filing=filing, filing_no=request.POST.get("filing_no", "")), _("已审核通过，商品已备案"))


@require_permission("customs.approve_productfiling")
@require_POST
def filing_reject(request, pk: int):
    """Reject a submitted filing with a reason."""
    return _filing_action(request, pk, lambda filing: services.reject_filing(
        user=request.user, filing=filing, reason=request.POST.get("reason", "")), _("已驳回备案"))


@require_permission("customs.change_productfiling")
@require_POST
def filing_reopen(request, pk: int):
    """Reopen an approved filing as a new draft version, with a reason."""
    return _filing_action(request, pk, lambda filing: services.reopen_filing(
        user=request.user, filing=filing, reason=request.POST.get("reason", "")),
        _("已变更为新版本草稿，修改后重新提交"))


@require_permission("customs.import_productfiling")
@require_POST
def filing_import(request):
    """Import filings from an uploaded xlsx/csv sheet (all or nothing; problems listed by row and column)."""
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要导入的文件"))
        return redirect("customs:filings")
    try:
        result = services.import_filings(user=request.user, content=upload.read(), filename=upload.name)
    except DomainError as error:
        for detail in error.details[:50]:
            row = _("第 %(row)s 行") % {"row": detail.row} if detail.row else ""
            messages.error(request, f"{row} {detail.field or ''} {detail.message}".strip())
    else:
        messages.success(request, _("已导入：新建 %(created)s 条，更新 %(updated)s 条") % {
            "created": result.created, "updated": result.updated})
    return redirect("customs:filings")


# --- channel profiles -----------------------------------------------------------------------------------

CHANNEL_PARTNER_FIELDS = {"platform": "is_platform", "ecommerce_company": "is_ecommerce",
                          "logistics": "is_logistics", "payment": "is_payment", "agent": "is_customs_broker",
                          "guarantor": None, "area": None}
CHANNEL_TEXT_FIELDS = ("ems_no", "loct_no")
CHANNEL_CODE_FIELDS = {"customs_code": ReferenceKind.CUSTOMS_DISTRICT, "port_code": ReferenceKind.CUSTOMS_DISTRICT,
                       "departure_country": ReferenceKind.COUNTRY, "transport_mode": ReferenceKind.TRANSPORT_MODE,
                       "wrap_type": ReferenceKind.WRAP_TYPE}


@require_permission("customs.view_customschannel")
def channel_list(request):
    """The cross-border stores and their customs channel profiles."""
    stores = Store.objects.exclude(type=StoreType.DOMESTIC).order_by("code")
    channels = {channel.store_id: channel for channel in CustomsChannel.objects.select_related(
        "platform", "ecommerce_company", "logistics", "agent", "guarantor")}
    rows = [(store, channels.get(store.pk)) for store in stores]
    return _render(request, "channel_list.html", _("店铺关务通道"), rows=rows,
                   can_change=has_permission(request.user, "customs.change_customschannel"))


def _channel_fields(channel: CustomsChannel | None, store: Store, post=None) -> list[dict]:
    """The form rows: (name, label, kind: select/text, options, value)."""
    defaults = services.channel_defaults(store)
    partners = list(Partner.objects.filter(active=True).order_by("code"))
    rows = []

    def value_of(name):
        if post is not None:
            return post.get(name, "")
        if channel is not None:
            value = getattr(channel, f"{name}_id" if name in CHANNEL_PARTNER_FIELDS else name)
        else:
            value = defaults.get(name, "")
            value = getattr(value, "pk", value)
        return "" if value is None else str(value)

    def label(name):
        return str(CustomsChannel._meta.get_field(name).verbose_name)

    for name, choices in (("trade_mode", CustomsChannel._meta.get_field("trade_mode").choices),
                          ("regime", CustomsChannel._meta.get_field("regime").choices)):
        rows.append({"name": name, "label": label(name), "options": [(str(v), str(t)) for v, t in choices],
                     "value": value_of(name)})
    for name, kind in CHANNEL_CODE_FIELDS.items():
        rows.append({"name": name, "label": label(name), "options": [("", "—"), *queries.reference_choices(kind)],
                     "value": value_of(name)})
    for name, flag in CHANNEL_PARTNER_FIELDS.items():
        options = [("", "—")] + [(str(partner.pk), str(partner)) for partner in partners
                                 if flag is None or getattr(partner, flag)]
        rows.append({"name": name, "label": label(name), "options": options, "value": value_of(name)})
    for name in CHANNEL_TEXT_FIELDS:
        rows.append({"name": name, "label": label(name), "options": None, "value": value_of(name)})
    return rows


def _channel_data(post) -> dict:
    partners = Partner.objects.in_bulk([post.get(name) for name in CHANNEL_PARTNER_FIELDS
                                        if (post.get(name) or "").isdigit()])
    data = {name: partners.get(int(post[name])) if (post.get(name) or "").isdigit() else None
            for name in CHANNEL_PARTNER_FIELDS}
    for name in ("trade_mode", "regime", *CHANNEL_CODE_FIELDS, *CHANNEL_TEXT_FIELDS):
        data[name] = post.get(name, "")
    data["active"] = True
    return data


@require_permission("customs.view_customschannel")
def channel_edit(request, store_id: int):
    """The customs channel profile of one cross-border store (saved through the service)."""
    store = get_object_or_404(Store, pk=store_id)
    channel = CustomsChannel.objects.filter(store=store).first()
    can_change = has_permission(request.user, "customs.change_customschannel")
    errors: dict[str, str] = {}
    post = None
    if request.method == "POST":
        if not can_change:
            messages.error(request, _("没有权限修改关务通道"))
            return redirect("customs:channel", store.pk)
        try:
            services.save_channel(user=request.user, store=store, data=_channel_data(request.POST))
        except DomainError as error:
            errors, post = _report(request, error), request.POST
        else:
            messages.success(request, _("已保存"))
            return redirect("customs:channels")
    fields = _channel_fields(channel, store, post)
    for row in fields:
        row["error"] = errors.get(row["name"], "")
    return _render(request, "channel_form.html", _("关务通道 %(store)s") % {"store": store.name}, store=store,
                   fields=fields, can_change=can_change)


# --- reference data and settings ------------------------------------------------------------------------

@require_permission("customs.view_referencecode")
def reference_data(request):
    """The reference tables: codes by kind, dated tax rates, limits and the positive-list lines."""
    kind = request.GET.get("kind", ReferenceKind.CUSTOMS_UNIT)
    return _render(request, "reference.html", _("海关参数"), kinds=ReferenceKind.choices, kind=kind,
                   codes=ReferenceCode.objects.filter(kind=kind), rates=TaxRate.objects.all(),
                   limits=CrossBorderLimit.objects.all(), lines=PositiveListLine.objects.all(),
                   can_edit=has_permission(request.user, "customs.change_referencecode"))


@require_permission("customs.view_customschannel")
def customs_settings(request):
    """The transmitting enterprise (copCode, copName) and the DXP id used in every message's BaseTransfer."""
    can_change = has_permission(request.user, "customs.change_customschannel")
    current = queries.get_customs_settings()
    values = {"cop_code": current.cop_code, "cop_name": current.cop_name, "dxp_id": current.dxp_id}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not can_change:
            messages.error(request, _("没有权限修改关务设置"))
            return redirect("customs:settings")
        values = {name: request.POST.get(name, "") for name in values}
        try:
            services.save_customs_settings(user=request.user, **values)
        except DomainError as error:
            errors = _report(request, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("customs:settings")
    labels = {"cop_code": _("传输企业代码 (copCode)"), "cop_name": _("传输企业名称 (copName)"),
              "dxp_id": _("DXP 编号 (dxpId)")}
    fields = [{"name": name, "label": labels[name], "value": value, "error": errors.get(name, "")}
              for name, value in values.items()]
    return _render(request, "settings.html", _("关务设置"), fields=fields, can_change=can_change)

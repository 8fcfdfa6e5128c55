"""Admin screens of the shared kernel, and the ECERP look of the admin site itself.

The site: Chinese branding, the index grouped by business area, the same
throttled login page as /login/ (no second, unthrottled door), and entry for
every active signed-in user (what each one sees is decided per model by
ecerp.core.permissions.has_permission, not by is_staff).
"""

from __future__ import annotations

import types

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ecerp.core import services
from ecerp.core.admin_base import (
    AuditHistoryMixin,
    PermissionMixin,
    ReadOnlyAdmin,
    RejectionMixin,
    ServiceModelForm,
    absorb,
    bind_form,
)
from ecerp.core.admin_history import describe_entry
from ecerp.core.models import ApiToken, AuditLog, CodingRule, CodingRuleKind, StateHistory
from ecerp.core.permissions import has_permission

# The admin index, grouped by business area: (key, title, [app_label.model_name, ...]).
INDEX_GROUPS = [
    ("organisation", _("组织与人员"), ["masterdata.department", "masterdata.employee"]),
    ("partners", _("业务单位"), ["masterdata.partner"]),
    ("products", _("商品"), ["masterdata.category", "masterdata.product"]),
    ("storage", _("仓库与店铺"), ["masterdata.warehouse", "masterdata.location", "masterdata.store"]),
    ("users", _("用户与权限"), ["auth.user", "auth.group"]),
    ("system", _("系统设置"), ["core.codingrule", "core.apitoken"]),
    ("logs", _("日志"), ["core.auditlog", "core.statehistory"]),
    ("inventory", _("库存"), ["inventory.stockmove", "inventory.stockbalance", "inventory.reservation",
                             "inventory.stockdocument", "inventory.transfer", "inventory.stocktake",
                             "inventory.shipment", "inventory.pickwave", "inventory.storestockpolicy"]),
    ("sales", _("订单"), ["sales.salesorder", "sales.orderversion", "sales.quarantinedrecord",
                         "sales.storeskumapping", "sales.reviewrule", "sales.blacklist", "sales.allocationrule",
                         "sales.storesalessetting"]),
    ("aftersales", _("售后"), ["aftersales.aftersalescase"]),
    ("customs", _("关务"), ["customs.productfiling", "customs.customschannel", "customs.referencecode",
                           "customs.positivelistline", "customs.taxrate", "customs.crossborderlimit",
                           "customs.declaration", "customs.customsmessage"]),
]


def site_has_permission(site, request) -> bool:
    """Any active signed-in user may enter; each screen then checks its own permission."""
    return request.user.is_active and request.user.is_authenticated


def site_get_app_list(site, request, app_label=None):
    """Group the admin's models by business area instead of by Django app."""
    app_dict = site._build_app_dict(request, app_label)
    if app_label:
        return [app for app in (app_dict.get(app_label),) if app]
    models_by_key = {
        f"{app['app_label']}.{model['object_name'].lower()}": (app, model)
        for app in app_dict.values()
        for model in app["models"]
    }
    groups, placed = [], set()
    for key, title, names in INDEX_GROUPS:
        members = [models_by_key[name] for name in names if name in models_by_key]
        extra = _system_mode_entry(request) if key == "system" else None
        if not members and extra is None:
            continue
        placed.update(name for name in names if name in models_by_key)
        models = [model for _app, model in members] + ([extra] if extra else [])
        groups.append({
            "name": str(title),
            "app_label": key,
            "app_url": members[0][0]["app_url"] if members else "",
            "has_module_perms": True,
            "models": models,
        })
    rest = [entry for name, entry in models_by_key.items() if name not in placed]
    if rest:
        groups.append({"name": str(_("其他")), "app_label": "other", "app_url": "", "has_module_perms": True,
                       "models": [model for _app, model in rest]})
    return groups


def _system_mode_entry(request) -> dict | None:
    if not has_permission(request.user, "core.change_systemsetting"):
        return None
    try:
        url = reverse("core:system_mode")
    except NoReverseMatch:
        return None
    return {"name": str(_("系统模式")), "object_name": "SystemMode", "perms": {"change": True, "view": True},
            "admin_url": url, "add_url": None, "view_only": False}


def site_login(site, request, extra_context=None):
    """/admin/login/ is the same throttled login as /login/."""
    from ecerp.core.views import login_view

    return login_view(request)


def configure_site(site: admin.AdminSite) -> None:
    """Give the default admin site ECERP's name, grouping, entry rule and login."""
    site.site_header = _("ECERP 电商ERP")
    site.site_title = _("ECERP 电商ERP")
    site.index_title = _("基础资料与系统设置")
    site.site_url = "/"
    site.has_permission = types.MethodType(site_has_permission, site)
    site.get_app_list = types.MethodType(site_get_app_list, site)
    site.login = types.MethodType(site_login, site)


configure_site(admin.site)


# --- coding rules ----------------------------------------------------------------------------------

class CodingRuleForm(ServiceModelForm):
    class Meta:
        model = CodingRule
        fields = ("name", "prefix", "date_part", "sequence_length", "segment_lengths", "allow_manual")


@admin.register(CodingRule)
class CodingRuleAdmin(RejectionMixin, AuditHistoryMixin, PermissionMixin, admin.ModelAdmin):
    form = CodingRuleForm
    list_display = ("name", "target", "kind", "prefix", "date_part", "sequence_length", "segment_lengths",
                    "allow_manual", "example")
    list_filter = ("kind",)
    search_fields = ("name", "target", "prefix")
    readonly_fields = ("target", "kind", "example")
    fields = ("target", "kind", "name", "prefix", "date_part", "sequence_length", "segment_lengths",
              "allow_manual", "example")
    ordering = ("target",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        return bind_form(super().get_form(request, obj, change=change, **kwargs), request, self.model)

    @admin.display(description=_("示例编码"))
    def example(self, obj):
        if obj.kind == CodingRuleKind.HIERARCHICAL:
            codes, total = [], ""
            for length in obj.segments:
                total += "1".zfill(length)
                codes.append(total)
            return "、".join(codes)
        date = timezone.localdate().strftime(obj.date_part) if obj.date_part else ""
        return f"{obj.prefix}{date}{1:0{obj.sequence_length}d}"

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        absorb(obj, services.update_coding_rule(user=request.user, target=obj.target, **changes))


# --- audit log and state history -------------------------------------------------------------------

class AuditModelFilter(admin.SimpleListFilter):
    title = _("对象类型")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        choices = []
        for label in AuditLog.objects.values_list("model", flat=True).distinct().order_by("model"):
            try:
                choices.append((label, str(apps.get_model(label)._meta.verbose_name)))
            except (LookupError, ValueError):
                choices.append((label, label))
        return choices

    def queryset(self, request, queryset):
        return queryset.filter(model=self.value()) if self.value() else queryset


class AuditUserFilter(admin.SimpleListFilter):
    title = _("用户")
    parameter_name = "username"

    def lookups(self, request, model_admin):
        names = AuditLog.objects.values_list("username", flat=True).distinct().order_by("username")
        return [(name, name) for name in names[:200]]

    def queryset(self, request, queryset):
        return queryset.filter(username=self.value()) if self.value() else queryset


def _model_label(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "action", "model_name", "object_repr", "summary")
    list_filter = (AuditModelFilter, "action", AuditUserFilter, "at")
    search_fields = ("object_repr", "=object_id", "username", "note")
    date_hierarchy = "at"
    fields = ("at", "username", "action", "model_name", "object_id", "object_repr", "note", "changes")
    readonly_fields = fields

    @admin.display(description=_("对象类型"), ordering="model")
    def model_name(self, obj):
        return _model_label(obj.model)

    def _changes(self, obj):
        try:
            model = apps.get_model(obj.model)
        except (LookupError, ValueError):
            return []
        return describe_entry(obj, model).changes

    @admin.display(description=_("修改内容"))
    def summary(self, obj):
        changes = self._changes(obj)
        if obj.action == "create":
            parts = [f"{change.label}: {change.after}" for change in changes[:3]]
        elif obj.action == "delete":
            parts = [f"{change.label}: {change.before}" for change in changes[:3]]
        else:
            parts = [f"{change.label}: {change.before} → {change.after}" for change in changes[:3]]
        text = "；".join(parts)
        return text + ("…" if len(changes) > 3 else "")

    @admin.display(description=_("修改内容（修改前 → 修改后）"))
    def changes(self, obj):
        rows = format_html_join(
            "", "<tr><th>{}</th><td>{}</td><td>→ {}</td></tr>",
            ((change.label, change.before, change.after) for change in self._changes(obj)))
        return format_html('<table class="ecerp-changes">{}</table>', rows)


@admin.register(StateHistory)
class StateHistoryAdmin(ReadOnlyAdmin):
    list_display = ("at", "model_name", "object_id", "field", "from_state", "to_state", "user", "reason")
    list_filter = ("model", "field", "to_state")
    search_fields = ("=object_id", "reason")
    list_select_related = ("user",)
    date_hierarchy = "at"

    @admin.display(description=_("对象类型"), ordering="model")
    def model_name(self, obj):
        return _model_label(obj.model)


# --- API tokens ------------------------------------------------------------------------------------

class ApiTokenCreateForm(forms.ModelForm):
    days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=3650, initial=365,
                              help_text=_("到期后令牌自动失效"))

    class Meta:
        model = ApiToken
        fields = ("user", "name")


@admin.register(ApiToken)
class ApiTokenAdmin(AuditHistoryMixin, PermissionMixin, admin.ModelAdmin):
    """Tokens are created through create_api_token (the secret is shown once) and revoked, never edited."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked")
    actions = ("revoke",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenCreateForm
            kwargs["fields"] = ("user", "name", "days")
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name", "days")
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            users = get_user_model().objects.filter(is_active=True)
            # Nobody but a superuser may hold a superuser's API key.
            kwargs["queryset"] = users if request.user.is_superuser else users.filter(is_superuser=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        token, secret = services.create_api_token(
            user=request.user, owner=form.cleaned_data["user"], name=form.cleaned_data["name"],
            days=form.cleaned_data["days"])
        absorb(obj, token)
        request._ecerp_token_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        # The secret exists only in this response: it is never stored and never put in a message cookie.
        context = {
            **self.admin_site.each_context(request),
            "title": _("API 令牌已创建"),
            "opts": self.opts,
            "token": obj,
            "secret": request._ecerp_token_secret,
        }
        return TemplateResponse(request, "admin/core/apitoken/created.html", context)

    def has_revoke_permission(self, request):
        return has_permission(request.user, "core.change_apitoken")

    @admin.action(description=_("吊销所选令牌"), permissions=["revoke"])
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked=False):
            services.revoke_api_token(user=request.user, token_id=token.pk)
            count += 1
        self.message_user(request, _("已吊销 %(count)s 个令牌") % {"count": count}, messages.SUCCESS)

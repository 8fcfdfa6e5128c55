"""Pages of the shared kernel: home with the modules, login (throttled), logout, system mode.

Every page declares its permission with @require_permission; the login page is
public and says so with @public (listed in PUBLIC), so the permission matrix
test can tell a deliberate public page from a forgotten declaration.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ecerp.core import services
from ecerp.core.errors import DomainError
from ecerp.core.models import SystemMode
from ecerp.core.permissions import AUTHENTICATED, has_permission, require_permission

PUBLIC: set[str] = set()

IMPORT_PATH = "/masterdata/import/"
EXPORT_PATH = "/masterdata/export/"


def public(view):
    """Mark a page that needs no sign-in (only the login page)."""
    view.public = True
    PUBLIC.add(f"{view.__module__}.{view.__qualname__}")
    return view


def page_context(request, **extra) -> dict:
    """The admin's context (side navigation, user links) so every ECERP page looks like one application."""
    return {**admin.site.each_context(request), **extra}


# --- login and logout ------------------------------------------------------------------------------

class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


@public
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    """Sign in with username and password; refused for a while after too many failures."""
    next_url = _safe_next(request)
    if request.method != "POST" and request.user.is_authenticated:
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    form = LoginForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.throttled_authenticate(request, username=form.cleaned_data["username"],
                                                   password=form.cleaned_data["password"])
        except DomainError as error:
            form.add_error(None, error.details[0].message)
        else:
            if user is None:
                form.add_error(None, _("用户名或密码错误"))
            else:
                auth_login(request, user)
                return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    context = page_context(request, form=form, next=next_url, app_path=request.get_full_path(),
                           title=_("登录"), username=request.user.get_username())
    return render(request, "core/login.html", context)


@require_POST
@require_permission(AUTHENTICATED)
def logout_view(request):
    """Sign out (POST only, so a link cannot sign anyone out)."""
    auth_logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- home ------------------------------------------------------------------------------------------

# key, name, description, the module's start page (URL name) and the permission to open it.
# A module whose page is not installed yet is shown as coming.
MODULES = [
    ("orders", _("订单"), _("平台订单接入、审单、合并拆分"), "sales:orders", "sales.view_salesorder"),
    ("aftersales", _("售后"), _("仅退款、退货退款、换货、拦截"), "aftersales:cases", "aftersales.view_aftersalescase"),
    ("inventory", _("库存"), _("出入库流水、拣货发货、调拨、盘点"), "inventory:stock", "inventory.view_stockbalance"),
    ("purchasing", _("采购"), _("补货建议、采购订单、收货与退货"), None, None),
    ("customs", _("关务"), _("商品备案、清单申报、回执、税款"), "customs:console", "customs.view_declaration"),
    ("finance", _("财务"), _("应收应付、对账、月结、报表"), None, None),
    ("insights", _("报表"), _("核心指标与经营看板"), None, None),
]


def _modules(user) -> tuple[list[dict], list[dict]]:
    """Split the modules into live ones (installed; url only when the user may open them) and coming ones."""
    live, coming = [], []
    for key, name, description, url_name, permission in MODULES:
        try:
            url = reverse(url_name) if url_name else None
        except NoReverseMatch:
            url = None
        card = {"key": key, "name": name, "description": description}
        if url is None:
            coming.append(card)
        else:
            live.append({**card, "url": url if has_permission(user, permission) else None})
    return live, coming


def _masterdata_entries(user) -> list[dict]:
    from ecerp.masterdata.models import Category, Department, Employee, Location, Partner, Product, Store, Warehouse
    from ecerp.masterdata.scopes import visible_stores, visible_warehouses

    counts = {
        Department: lambda: Department.objects.count(),
        Employee: lambda: Employee.objects.count(),
        Partner: lambda: Partner.objects.count(),
        Category: lambda: Category.objects.count(),
        Product: lambda: Product.objects.count(),
        Warehouse: lambda: visible_warehouses(user).count(),
        Location: lambda: Location.objects.filter(warehouse__in=visible_warehouses(user)).count(),
        Store: lambda: visible_stores(user).count(),
    }
    entries = []
    for model, count in counts.items():
        opts = model._meta
        can_view = has_permission(user, f"{opts.app_label}.view_{opts.model_name}") or has_permission(
            user, f"{opts.app_label}.change_{opts.model_name}")
        if not can_view:
            continue
        can_add = has_permission(user, f"{opts.app_label}.add_{opts.model_name}")
        entries.append({
            "key": opts.model_name,
            "name": opts.verbose_name,
            "count": count(),
            "url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
            "add_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_add") if can_add else None,
        })
    return entries


def _page_exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@require_permission(AUTHENTICATED)
def home(request):
    """The modules of ECERP as cards: master data with counts and links, the modules still to come."""
    user = request.user
    live, coming = _modules(user)
    context = page_context(
        request,
        title=_("首页"),
        masterdata=_masterdata_entries(user),
        can_import=has_permission(user, "masterdata.import_masterdata"),
        import_url=IMPORT_PATH,
        can_export=has_permission(user, "masterdata.export_masterdata") and _page_exists(EXPORT_PATH),
        export_url=EXPORT_PATH,
        modules=live,
        coming=coming,
        can_change_mode=has_permission(user, "core.change_systemsetting"),
        admin_url=reverse("admin:index"),
    )
    return render(request, "core/home.html", context)


# --- system mode -----------------------------------------------------------------------------------

class SystemModeForm(forms.Form):
    mode = forms.ChoiceField(label=_("系统模式"), choices=SystemMode.choices, widget=forms.RadioSelect)


@require_permission("core.change_systemsetting")
def system_mode(request):
    """Show and set the system mode: training (培训), trial run (试运行) or live (正式运行)."""
    form = SystemModeForm(request.POST or None, initial={"mode": services.get_system_mode()})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_system_mode(user=request.user, mode=form.cleaned_data["mode"])
        except DomainError as error:
            form.add_error("mode", error.details[0].message)
        else:
            messages.success(request, _("系统模式已改为「%(mode)s」") % {
                "mode": SystemMode(form.cleaned_data["mode"]).label})
            return redirect("core:system_mode")
    try:
        history_url = reverse("admin:core_auditlog_changelist") + "?model=core.systemsetting"
    except NoReverseMatch:
        history_url = ""
    return render(request, "core/system_mode.html",
                  page_context(request, title=_("系统模式"), form=form, history_url=history_url))

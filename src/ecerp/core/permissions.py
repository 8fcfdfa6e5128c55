"""Permissions: the built-in roles, and the one place that checks what a page or endpoint declares.

Every page view is wrapped by @require_permission("app.codename") and every API
operation by @api_permission("app.codename"); both call check_permission().
The declared permission is kept on the function (required_permission) and in
DECLARED, so the role x endpoint matrix test can walk them all.
"""

from __future__ import annotations

import functools

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseForbidden
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from ecerp.core.errors import PermissionDenied

# Sentinel for pages any signed-in user may open (home page, own profile).
AUTHENTICATED = "authenticated"

DECLARED: dict[str, str] = {}

MASTERDATA_TYPES = [
    "department", "employee", "partner", "partnercontact", "partnerbankaccount", "category",
    "product", "bundlecomponent", "warehouse", "location", "store",
]


def _model_perms(app: str, models: list[str], actions=("view", "add", "change", "delete")) -> list[str]:
    return [f"{app}.{action}_{model}" for model in models for action in actions]


VIEW_ALL_MASTERDATA = _model_perms("masterdata", MASTERDATA_TYPES, ("view",))
INVENTORY_VIEW = _model_perms("inventory", ["stockbalance", "stockmove", "reservation", "stockdocument", "transfer",
                                            "stocktake", "shipment", "pickwave", "storestockpolicy"], ("view",))
INVENTORY_OPERATE = INVENTORY_VIEW + _model_perms("inventory", ["stockdocument", "transfer", "stocktake", "shipment",
                                                                "pickwave", "storestockpolicy"],
                                                  ("add", "change")) + ["inventory.approve_stocktake"]
# Order-review configuration: review rules, blacklist, allocation rules, store sales settings.
SALES_CONFIG_TYPES = ["reviewrule", "blacklist", "allocationrule", "storesalessetting"]
SALES_CONFIG_VIEW = _model_perms("sales", SALES_CONFIG_TYPES, ("view",))
SALES_CONFIG_EDIT = _model_perms("sales", SALES_CONFIG_TYPES, ("add", "change", "delete"))
SALES_VIEW = (_model_perms("sales", ["salesorder", "quarantinedrecord", "storeskumapping"], ("view",))
              + SALES_CONFIG_VIEW)
SALES_OPERATE = SALES_VIEW + _model_perms("sales", ["salesorder", "storeskumapping"], ("add", "change")) + [
    "sales.change_quarantinedrecord"]
OPERATIONS_PERMS = (VIEW_ALL_MASTERDATA
                    + _model_perms("masterdata", ["product", "bundlecomponent", "store"], ("add", "change"))
                    + ["masterdata.export_masterdata", "masterdata.import_masterdata"]
                    + INVENTORY_VIEW + ["inventory.add_shipment"] + SALES_OPERATE)

ROLES: dict[str, dict] = {
    "admin": {
        "name": "管理员",
        "perms": _model_perms("masterdata", MASTERDATA_TYPES)
        + _model_perms("masterdata", ["userscope"])
        + _model_perms("core", ["codingrule", "systemsetting", "apitoken"])
        + ["core.view_auditlog", "core.view_statehistory", "masterdata.import_masterdata",
           "masterdata.export_masterdata", "masterdata.view_personal_data",
           "auth.view_user", "auth.add_user", "auth.change_user", "auth.view_group", "auth.change_group"]
        + INVENTORY_OPERATE + ["inventory.rebuild_stockbalance"] + SALES_OPERATE + SALES_CONFIG_EDIT,
    },
    # order clerks (运营/客服): work the orders, see the review configuration
    "operations": {
        "name": "运营",
        "perms": OPERATIONS_PERMS,
    },
    # the operations supervisor also sets the review rules, blacklist, allocation order and store terms
    "ops_supervisor": {
        "name": "运营主管",
        "perms": OPERATIONS_PERMS + SALES_CONFIG_EDIT,
    },
    "warehouse": {
        "name": "仓库",
        "perms": _model_perms("masterdata", ["product", "category", "bundlecomponent", "warehouse", "location",
                                             "store"], ("view",))
        + _model_perms("masterdata", ["location"], ("add", "change"))
        + ["masterdata.export_masterdata"]
        + INVENTORY_OPERATE + SALES_VIEW,
    },
    "purchasing": {
        "name": "采购",
        "perms": VIEW_ALL_MASTERDATA
        + _model_perms("masterdata", ["partner", "partnercontact", "partnerbankaccount", "product", "category"],
                       ("add", "change"))
        + ["masterdata.import_masterdata", "masterdata.export_masterdata"]
        + INVENTORY_VIEW,
    },
    "finance": {
        "name": "财务",
        "perms": VIEW_ALL_MASTERDATA
        + _model_perms("masterdata", ["partner", "partnerbankaccount"], ("add", "change"))
        + ["masterdata.export_masterdata", "core.view_auditlog"]
        + INVENTORY_VIEW + SALES_VIEW,
    },
    "customs": {
        "name": "关务",
        "perms": VIEW_ALL_MASTERDATA
        + _model_perms("masterdata", ["product", "partner", "partnercontact"], ("change",))
        + ["masterdata.export_masterdata", "masterdata.view_personal_data"],
    },
    "management": {
        "name": "管理层",
        "perms": VIEW_ALL_MASTERDATA + ["masterdata.export_masterdata", "core.view_auditlog"] + INVENTORY_VIEW
        + SALES_VIEW,
    },
}


# After-sales (售后): customer service (operations) opens, cancels, intercepts and reships cases; finance (and
# the operations supervisor) approve cases and record refunds; the warehouse receives and inspects returns.
AFTERSALES_VIEW = ["aftersales.view_aftersalescase"]
AFTERSALES_OPERATE = AFTERSALES_VIEW + ["aftersales.add_aftersalescase", "aftersales.change_aftersalescase"]
AFTERSALES_BY_ROLE = {
    "admin": AFTERSALES_OPERATE + ["aftersales.approve_refund", "aftersales.receive_return"],
    "operations": AFTERSALES_OPERATE,
    "ops_supervisor": AFTERSALES_OPERATE + ["aftersales.approve_refund"],
    "warehouse": AFTERSALES_VIEW + ["aftersales.receive_return"],
    "finance": AFTERSALES_VIEW + ["aftersales.approve_refund"],
    "management": AFTERSALES_VIEW,
}
for _role, _perms in AFTERSALES_BY_ROLE.items():
    if _role in ROLES:
        ROLES[_role]["perms"] = ROLES[_role]["perms"] + _perms


# Customs (关务). Each part of the customs app fills its own block once its models exist: product filings,
# reference data and channel profiles; declarations, messages and receipts.
CUSTOMS_FILING_TYPES = ["productfiling", "customschannel", "referencecode", "positivelistline", "taxrate",
                        "crossborderlimit"]
CUSTOMS_FILINGS_VIEW = _model_perms("customs", CUSTOMS_FILING_TYPES, ("view",))
CUSTOMS_FILINGS_EDIT = (CUSTOMS_FILINGS_VIEW + _model_perms("customs", CUSTOMS_FILING_TYPES, ("add", "change"))
                        + ["customs.approve_productfiling", "customs.import_productfiling"])
CUSTOMS_FILINGS_BY_ROLE: dict[str, list[str]] = {
    "admin": CUSTOMS_FILINGS_EDIT,
    "customs": CUSTOMS_FILINGS_EDIT,
    "management": CUSTOMS_FILINGS_VIEW,
    "finance": CUSTOMS_FILINGS_VIEW,
}
# declarations: the customs role works them (create, correct, submit, override failed pre-checks with a
# reason); operations may open and correct them; finance and management read them.
CUSTOMS_DECLARATIONS_VIEW = _model_perms("customs", ["declaration", "customsmessage"], ("view",))
CUSTOMS_DECLARATIONS_WORK = (CUSTOMS_DECLARATIONS_VIEW + _model_perms("customs", ["declaration"], ("add", "change"))
                             + ["customs.submit_declaration", "customs.override_declaration"])
CUSTOMS_DECLARATIONS_BY_ROLE: dict[str, list[str]] = {
    "admin": CUSTOMS_DECLARATIONS_WORK,
    "customs": CUSTOMS_DECLARATIONS_WORK,
    "operations": CUSTOMS_DECLARATIONS_VIEW + ["customs.add_declaration", "customs.change_declaration"],
    "ops_supervisor": CUSTOMS_DECLARATIONS_VIEW + ["customs.add_declaration", "customs.change_declaration"],
    "finance": CUSTOMS_DECLARATIONS_VIEW,
    "management": CUSTOMS_DECLARATIONS_VIEW,
}
for _block in (CUSTOMS_FILINGS_BY_ROLE, CUSTOMS_DECLARATIONS_BY_ROLE):
    for _role, _perms in _block.items():
        ROLES[_role]["perms"] = ROLES[_role]["perms"] + _perms


def role_group_name(role: str) -> str:
    return ROLES[role]["name"]


def sync_roles() -> list[Group]:
    """Create the built-in role groups and set their permissions (idempotent)."""
    groups = []
    wanted = {perm for role in ROLES.values() for perm in role["perms"]}
    by_name = {}
    for perm in Permission.objects.select_related("content_type"):
        name = f"{perm.content_type.app_label}.{perm.codename}"
        if name in wanted:
            by_name[name] = perm
    for role in ROLES.values():
        group, _created = Group.objects.get_or_create(name=role["name"])
        group.permissions.set([by_name[name] for name in role["perms"] if name in by_name])
        groups.append(group)
    return groups


def has_permission(user, permission: str) -> bool:
    """True when user holds permission (AUTHENTICATED: any active signed-in user)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if permission == AUTHENTICATED:
        return True
    return user.has_perm(permission)


def check_permission(user, permission: str) -> None:
    """Raise PermissionDenied unless user holds permission."""
    if not has_permission(user, permission):
        raise PermissionDenied(permission)


def _declare(func, permission: str) -> None:
    func.required_permission = permission
    DECLARED[f"{func.__module__}.{func.__qualname__}"] = permission


def require_permission(permission: str):
    """Decorate a page view: anonymous users go to login, others need permission (else 403 page)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_permission(request.user, permission):
                html = render_to_string(
                    "core/forbidden.html",
                    {"permission": permission, "message": _("没有权限访问此页面")},
                    request=request,
                )
                return HttpResponseForbidden(html)
            return view(request, *args, **kwargs)

        _declare(wrapped, permission)
        return wrapped

    return decorate


def api_permission(permission: str):
    """Decorate an API operation (django-ninja): request.auth is the user; raise 403 otherwise."""

    def decorate(operation):
        @functools.wraps(operation)
        def wrapped(request, *args, **kwargs):
            user = request.auth if hasattr(request.auth, "is_authenticated") else request.user
            check_permission(user, permission)
            request.user = user
            return operation(request, *args, **kwargs)

        _declare(wrapped, permission)
        return wrapped

    return decorate

"""The django-ninja API at /api/ (OpenAPI at /api/openapi.json).

Authentication: a bearer token (POST /api/auth/token) or, for pages calling the API, the Django
session with its CSRF token. Every operation declares its permission with
ecerp.core.permissions.api_permission; a view decorator checks it before the input is validated,
so a caller without the permission learns nothing about the input rules. Every failure answers
{"errors": [{"field", "code", "message"}]}.
"""

import functools
import logging

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from ecerp.aftersales.api import router as aftersales_router
from ecerp.core import services as core_services
from ecerp.core.api import router as core_router
from ecerp.core.errors import DomainError, ErrorCode, ErrorDetail, PermissionDenied
from ecerp.core.permissions import has_permission
from ecerp.customs.api import router as customs_router
from ecerp.inventory.api import router as inventory_router
from ecerp.masterdata.api import router as masterdata_router
from ecerp.sales.api import router as sales_router

logger = logging.getLogger("ecerp.api")

# Operations anyone may call (the OpenAPI document and docs page are not operations).
PUBLIC_OPERATIONS = frozenset({"ecerp.core.api.obtain_token"})

# A plain DomainError whose code implies a status other than 400.
STATUS_BY_CODE = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.LOGIN_THROTTLED: 429,
}

_NOT_CACHED = object()


class BearerTokenAuth(HttpBearer):
    """Authorization: Bearer <token> (see POST /api/auth/token)."""

    def authenticate(self, request: HttpRequest, token: str):
        # The permission check and ninja's own authentication both ask; look the token up once.
        cached = getattr(request, "_ecerp_token_user", _NOT_CACHED)
        if cached is _NOT_CACHED:
            cached = core_services.authenticate_token(token)
            request._ecerp_token_user = cached
        return cached


class CsrfFailed(DomainError):
    http_status = 403

    def __init__(self):
        super().__init__(ErrorCode.CSRF_FAILED, gettext_lazy("CSRF 校验失败，请刷新页面后重试"))


class SessionUserAuth(APIKeyCookie):
    """The signed-in page user (Django session); unsafe methods need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def _get_key(self, request: HttpRequest):
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed()
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


class ReadableJSONRenderer(JSONRenderer):
    """JSON with Chinese text as UTF-8, not \\u escapes; Decimal renders as a string (DjangoJSONEncoder)."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="ECERP API",
    version="1.0",
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionUserAuth()],
    renderer=ReadableJSONRenderer(),
    description="ECERP master data and kernel API. See docs/api.md for tokens, errors, paging and filters.",
)


# --- the error shape -------------------------------------------------------------------------------

def errors_response(request: HttpRequest, status: int, details: list[ErrorDetail], headers: dict | None = None):
    response = api.create_response(request, {"errors": [d.as_dict() for d in details]}, status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


@api.exception_handler(DomainError)
def on_domain_error(request, error: DomainError):
    status = error.http_status
    if status == 400:
        status = STATUS_BY_CODE.get(error.code, 400)
    headers = {"Retry-After": str(settings.ECERP_LOGIN_WINDOW_SECONDS)} if status == 429 else None
    return errors_response(request, status, error.details, headers)


_VALIDATION_MESSAGES = {
    "string_type": gettext_lazy("应为文本"),
    "int_type": gettext_lazy("应为整数"),
    "int_parsing": gettext_lazy("应为整数"),
    "int_from_float": gettext_lazy("应为整数"),
    "bool_type": gettext_lazy("应为 true 或 false"),
    "bool_parsing": gettext_lazy("应为 true 或 false"),
    "date_type": gettext_lazy("应为日期（YYYY-MM-DD）"),
    "date_parsing": gettext_lazy("应为日期（YYYY-MM-DD）"),
    "date_from_datetime_parsing": gettext_lazy("应为日期（YYYY-MM-DD）"),
    "list_type": gettext_lazy("应为列表"),
    "dict_type": gettext_lazy("应为对象"),
    "model_type": gettext_lazy("应为对象"),
    "model_attributes_type": gettext_lazy("应为对象"),
    "json_invalid": gettext_lazy("请求体不是有效的 JSON"),
    "enum": gettext_lazy("应为以下值之一：%(expected)s"),
    "literal_error": gettext_lazy("应为以下值之一：%(expected)s"),
    "greater_than_equal": gettext_lazy("不能小于 %(ge)s"),
    "greater_than": gettext_lazy("必须大于 %(gt)s"),
    "less_than_equal": gettext_lazy("不能大于 %(le)s"),
    "string_too_long": gettext_lazy("最长 %(max_length)s 个字符"),
    "string_too_short": gettext_lazy("至少 %(min_length)s 个字符"),
    "extra_forbidden": gettext_lazy("不是可用的字段"),
}


def _validation_detail(error: dict) -> ErrorDetail:
    location = [str(part) for part in error.get("loc", ())]
    source, path = (location[0], location[1:]) if location else ("", [])
    if source == "body" and len(path) > 1:
        path = path[1:]  # drop the name of the body parameter ("payload")
    field = ".".join(path) or None
    label = field or _("请求体")
    kind = error.get("type", "")
    if kind == "missing":
        return ErrorDetail(code=ErrorCode.REQUIRED, field=field,
                           message=_("「%(label)s」不能为空") % {"label": label})
    context = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    if kind == "value_error" and "error" in context:
        reason = context["error"]
    elif kind in _VALIDATION_MESSAGES:
        try:
            reason = str(_VALIDATION_MESSAGES[kind]) % context
        except KeyError:
            reason = error.get("msg", kind)
    else:
        reason = error.get("msg", kind)
    return ErrorDetail(code=ErrorCode.INVALID_VALUE, field=field,
                       message=_("「%(label)s」无效：%(reason)s") % {"label": label, "reason": reason})


@api.exception_handler(ValidationError)
def on_validation_error(request, error: ValidationError):
    return errors_response(request, 400, [_validation_detail(item) for item in error.errors])


@api.exception_handler(DjangoValidationError)
def on_model_validation_error(request, error: DjangoValidationError):
    details = []
    items = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
    for field, messages in items:
        for message in messages:
            details.append(ErrorDetail(code=ErrorCode.INVALID_VALUE, message=str(message),
                                       field=None if field == "__all__" else field))
    return errors_response(request, 400, details)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, error: AuthenticationError):
    detail = ErrorDetail(code=ErrorCode.NOT_AUTHENTICATED,
                         message=_("请先登录，或在 Authorization 头中提供有效的 API 令牌"))
    return errors_response(request, 401, [detail], {"WWW-Authenticate": 'Bearer realm="ecerp"'})


_HTTP_ERRORS = {
    400: (ErrorCode.INVALID_VALUE, gettext_lazy("请求体无法解析，应为有效的 JSON")),
    401: (ErrorCode.NOT_AUTHENTICATED, gettext_lazy("请先登录，或在 Authorization 头中提供有效的 API 令牌")),
    403: (ErrorCode.PERMISSION_DENIED, gettext_lazy("没有权限执行此操作")),
    404: (ErrorCode.NOT_FOUND, gettext_lazy("资源不存在")),
    409: (ErrorCode.CONFLICT, gettext_lazy("与现有数据冲突")),
}


@api.exception_handler(HttpError)
def on_http_error(request, error: HttpError):
    code, message = _HTTP_ERRORS.get(error.status_code, (ErrorCode.INVALID_VALUE, str(error)))
    return errors_response(request, error.status_code, [ErrorDetail(code=code, message=str(message))])


@api.exception_handler(Http404)
def on_not_found(request, error: Http404):
    return errors_response(request, 404, [ErrorDetail(code=ErrorCode.NOT_FOUND, message=_("资源不存在"))])


@api.exception_handler(Exception)
def on_unexpected_error(request, error: Exception):
    logger.exception("API %s %s failed", request.method, request.path)
    detail = ErrorDetail(code=ErrorCode.SERVER_ERROR, message=_("服务器内部错误，请稍后再试或联系管理员"))
    return errors_response(request, 500, [detail])


# --- permission before validation ------------------------------------------------------------------

def _authenticated_user(request: HttpRequest, callbacks):
    for callback in callbacks:
        try:
            user = callback(request)
        except Exception:  # the operation's own authentication reports it
            return None
        if user:
            return user
    return None


def check_permission_first(run):
    """Wrap an operation's run(): an authenticated caller lacking the declared permission gets 403
    before the path, query and body are validated. Anonymous callers fall through to 401."""
    operation = getattr(run, "__self__", None)
    permission = getattr(getattr(operation, "view_func", None), "required_permission", None)
    if permission is None:
        return run
    # The OpenAPI document tells callers what the operation needs, from the same declaration.
    operation.description = f"{operation.description or ''}\n\nPermission: `{permission}`".strip()

    @functools.wraps(run)
    def checked(request, *args, **kwargs):
        user = _authenticated_user(request, operation.auth_callbacks)
        if user is not None and not has_permission(user, permission):
            return operation.api.on_exception(request, PermissionDenied(permission))
        return run(request, *args, **kwargs)

    return checked


api.add_decorator(check_permission_first, mode="view")

api.add_router("", core_router)
api.add_router("/masterdata", masterdata_router)
api.add_router("/inventory", inventory_router)
api.add_router("", sales_router)
api.add_router("/aftersales", aftersales_router)
api.add_router("/customs", customs_router)

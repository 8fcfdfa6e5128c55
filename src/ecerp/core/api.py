"""API of the shared kernel: tokens, who am I, system mode, coding rules; and the pieces every app's API shares.

Shared pieces: ErrorsOut (the error shape), Pagination (limit/offset with a count) and
ME_SECTIONS, a registry through which higher apps add their part to GET /api/me without core
importing them. The codes the HTTP edge produces are in ecerp.core.errors.ErrorCode.
"""

import datetime
from collections.abc import Callable

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.responses import Status

from ecerp.core import services
from ecerp.core.errors import DomainError, ErrorCode, NotFound
from ecerp.core.models import ApiToken, CodingRule, SystemMode
from ecerp.core.permissions import AUTHENTICATED, ROLES, api_permission

router = Router(tags=["core"])


class InvalidCredentials(DomainError):
    http_status = 401

    def __init__(self):
        super().__init__(ErrorCode.INVALID_CREDENTIALS, _("用户名或密码错误"), field="password")


# --- shared schemas --------------------------------------------------------------------------------

class ErrorOut(Schema):
    field: str | None = Field(None, description="the input field concerned (dotted for nested), or null")
    code: str = Field(..., description="stable UPPER_SNAKE code, e.g. CODE_TAKEN")
    message: str = Field(..., description="human-readable message (Chinese by default)")


class ErrorsOut(Schema):
    errors: list[ErrorOut]


class Pagination(LimitOffsetPagination):
    """limit (1-500, default 50) and offset (>= 0) query parameters; the answer carries items and count."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=500, description="page size (1-500)")
        offset: int = Field(0, ge=0, description="rows to skip")

    def __init__(self, **kwargs):
        super().__init__(max_limit=500, **kwargs)


# Each entry takes the user and returns a dict merged into GET /api/me (e.g. masterdata adds "scope").
ME_SECTIONS: list[Callable[[object], dict]] = []


# --- tokens ----------------------------------------------------------------------------------------

class TokenIn(Schema):
    username: str
    password: str
    name: str = Field("API", max_length=100, description="a label to recognise the token by")
    days: int | None = Field(365, ge=1, le=3650, description="validity in days")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    expires_at: datetime.datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(..., description="the secret; shown once, send it as 'Authorization: Bearer <token>'")


@router.post("/auth/token", auth=None, response={201: NewTokenOut, 401: ErrorsOut, 429: ErrorsOut},
             summary="Get an API token with username and password")
def obtain_token(request: HttpRequest, payload: TokenIn):
    """Exchange username and password for a bearer token (public).

    Repeated failures for one username or address are throttled (LOGIN_THROTTLED, 429);
    wrong credentials answer INVALID_CREDENTIALS (401).
    """
    user = services.throttled_authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise InvalidCredentials()
    token, secret = services.create_api_token(user=user, owner=user, name=payload.name, days=payload.days)
    return Status(201, {**_token_dict(token), "token": secret})


def _token_dict(token: ApiToken) -> dict:
    return {field: getattr(token, field) for field in TokenOut.model_fields}


@router.get("/tokens", response=list[TokenOut], summary="List my active tokens")
@api_permission(AUTHENTICATED)
def list_my_tokens(request: HttpRequest):
    """The calling user's tokens that are not revoked (secrets are never shown again)."""
    return ApiToken.objects.filter(user=request.user, revoked=False).order_by("-created_at", "-id")


@router.delete("/tokens/{token_id}", response={204: None, 404: ErrorsOut}, summary="Revoke one of my tokens")
@api_permission(AUTHENTICATED)
def revoke_my_token(request: HttpRequest, token_id: int):
    """Revoke a token of the calling user; another user's token answers 404."""
    if not ApiToken.objects.filter(pk=token_id, user=request.user, revoked=False).exists():
        raise NotFound(str(_("API 令牌")), token_id)
    services.revoke_api_token(user=request.user, token_id=token_id)
    return Status(204, None)


# --- who am I, system ------------------------------------------------------------------------------

class RoleOut(Schema):
    key: str
    name: str


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    is_superuser: bool
    roles: list[RoleOut]
    permissions: list[str]
    scope: dict | None = Field(None, description="data scope: stores and warehouses the user may see")


@router.get("/me", response=MeOut, summary="The calling user, roles, permissions and data scope")
@api_permission(AUTHENTICATED)
def me(request: HttpRequest):
    """Who the caller is: roles (built-in groups), effective permissions and data scope."""
    user = request.user
    keys_by_name = {role["name"]: key for key, role in ROLES.items()}
    roles = [
        {"key": keys_by_name.get(name, ""), "name": name}
        for name in user.groups.order_by("name").values_list("name", flat=True)
    ]
    data = {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "is_superuser": user.is_superuser,
        "roles": roles,
        "permissions": sorted(user.get_all_permissions()),
    }
    for section in ME_SECTIONS:
        data.update(section(user))
    return data


class SystemOut(Schema):
    mode: str = Field(..., description="training / trial / live")
    mode_label: str


@router.get("/system", response=SystemOut, summary="System mode")
@api_permission(AUTHENTICATED)
def system(request: HttpRequest):
    """The system mode (培训 training, 试运行 trial, 正式运行 live)."""
    mode = services.get_system_mode()
    return {"mode": mode, "mode_label": str(SystemMode(mode).label)}


# --- coding rules ----------------------------------------------------------------------------------

class CodingRuleOut(Schema):
    target: str
    name: str
    kind: str
    prefix: str
    date_part: str
    sequence_length: int
    segment_lengths: str
    allow_manual: bool
    updated_at: datetime.datetime


class CodingRuleIn(Schema):
    """Fields given are changed; the kind of a rule is fixed."""

    name: str = None
    prefix: str = None
    date_part: str = Field(None, description="'', '%Y', '%Y%m' or '%Y%m%d'")
    sequence_length: int = None
    segment_lengths: str = Field(None, description="hierarchical rules: e.g. 2-2-3")
    allow_manual: bool = None


@router.get("/coding-rules", response=list[CodingRuleOut], summary="List coding rules")
@api_permission("core.view_codingrule")
def list_coding_rules(request: HttpRequest):
    """Every coding rule (编码规则), by target."""
    services.ensure_default_rules()
    return CodingRule.objects.order_by("target")


@router.put("/coding-rules/{target}", response={200: CodingRuleOut, 400: ErrorsOut, 404: ErrorsOut},
            summary="Change a coding rule")
@api_permission("core.change_codingrule")
def update_coding_rule(request: HttpRequest, target: str, payload: CodingRuleIn):
    """Change prefix, date part, lengths of a rule; codes already given stay as they are."""
    if not CodingRule.objects.filter(target=target).exists():
        raise NotFound(str(_("编码规则")), target, field="target")
    changes = payload.dict(exclude_unset=True)
    return services.update_coding_rule(user=request.user, target=target, **changes)

"""The role x endpoint matrix: every API operation and every page, as every built-in role.

Operations and pages are discovered, not listed: API operations from the ninja api object,
pages from Django's URL resolver. Each declares its permission (required_permission, set by
api_permission / require_permission); the roles' permission sets in ecerp.core.permissions.ROLES
are the specification. A role lacking the permission gets 403, a role holding it never does,
and an anonymous caller gets 401 (API) or is sent to the login page (pages).
"""

import re
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from ecerp.api import PUBLIC_OPERATIONS, api
from ecerp.core.permissions import AUTHENTICATED, ROLES
from ecerp.core.services import create_api_token

MISSING_ID = "999999"


def _qualified(func) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def api_operations() -> list[tuple[str, str, object]]:
    """(method, path, view function) of every API operation, paths with placeholders filled."""
    api.urls  # noqa: B018 - binds the routers, filling api._routers
    found = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                full = re.sub(r"/+", "/", f"/api/{prefix}/{path}")
                full = re.sub(r"\{[^}]+\}", MISSING_ID, full).rstrip("/")
                for method in operation.methods:
                    found.append((method, full, operation.view_func))
    return found


OPERATIONS = api_operations()
GUARDED = [(method, path, func) for method, path, func in OPERATIONS if _qualified(func) not in PUBLIC_OPERATIONS]


def _allowed(role: str, permission: str) -> bool:
    return permission == AUTHENTICATED or permission in ROLES[role]["perms"]


def _call(client: Client, method: str, path: str, **extra):
    if method in ("POST", "PUT", "PATCH"):
        return getattr(client, method.lower())(path, data="{}", content_type="application/json", **extra)
    return getattr(client, method.lower())(path, **extra)


def test_operations_were_discovered():
    paths = {path for _method, path, _func in OPERATIONS}
    assert "/api/auth/token" in paths and "/api/masterdata/products" in paths
    assert len(OPERATIONS) >= 50
    # every path built from the routers is one Django routes to the API
    assert [path for path in sorted(paths) if resolve(path).namespace != "api"] == []


def test_every_operation_declares_a_permission():
    # given every operation but the explicit public list
    undeclared = [f"{method} {path}" for method, path, func in GUARDED
                  if not getattr(func, "required_permission", None)]
    # then each declares the permission it needs
    assert undeclared == []
    # and the public list names operations that exist
    assert PUBLIC_OPERATIONS <= {_qualified(func) for _m, _p, func in OPERATIONS}


@pytest.mark.django_db
def test_every_declared_permission_exists():
    # a misspelt permission would silently lock everybody out
    declared = {func.required_permission for _m, _p, func in GUARDED} | set(page_permissions())
    existing = {f"{app}.{codename}" for app, codename in
                Permission.objects.values_list("content_type__app_label", "codename")}
    assert sorted(declared - existing - {AUTHENTICATED}) == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(ROLES))
def test_api_role_matrix(role, make_user):
    # given a user holding the role and a token
    user = make_user(f"matrix-{role}", role=role)
    _token, secret = create_api_token(user=user, owner=user, name="matrix")
    client = Client(headers={"authorization": f"Bearer {secret}"})
    wrong = []
    for method, path, func in GUARDED:
        # when the role calls the operation (with an empty body and ids of nothing)
        response = _call(client, method, path)
        allowed = _allowed(role, func.required_permission)
        # then it is forbidden exactly when the role lacks the permission
        if (response.status_code == 403) == allowed:
            wrong.append(f"{method} {path} -> {response.status_code} (needs {func.required_permission})")
        elif response.status_code == 403:
            assert response.json()["errors"][0]["code"] == "PERMISSION_DENIED"
        if response.status_code >= 500 or response["Content-Type"] != "application/json; charset=utf-8":
            wrong.append(f"{method} {path} -> {response.status_code} {response['Content-Type']}")
    assert wrong == []


@pytest.mark.django_db
def test_anonymous_gets_401_everywhere():
    client = Client()
    wrong = []
    for method, path, _func in GUARDED:
        response = _call(client, method, path)
        if response.status_code != 401 or response.json()["errors"][0]["code"] != "NOT_AUTHENTICATED":
            wrong.append(f"{method} {path} -> {response.status_code}")
    assert wrong == []


@pytest.mark.django_db
def test_public_operations_need_no_login():
    response = Client().post("/api/auth/token", data='{"username": "nobody", "password": "x"}',
                             content_type="application/json")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert Client().get("/api/openapi.json").status_code == 200


# --- pages -----------------------------------------------------------------------------------------

# Sample values for URL parameters, by converter; an id of nothing is fine: the permission is
# checked before the view looks anything up, so a permitted role gets 404 (not 403).
CONVERTER_SAMPLES = {"int": MISSING_ID, "str": "product", "slug": "product", "uuid": str(uuid.UUID(int=1)),
                     "path": "product"}
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _fill(route: str) -> str | None:
    def sample(match):
        return CONVERTER_SAMPLES.get(match.group("converter") or "str", "x")
    if route.startswith("^"):  # a regex pattern (admin, i18n): not a page with a declared permission
        return None
    return PARAMETER.sub(sample, route)


def pages(resolver: URLResolver | None = None, prefix: str = "/") -> list[tuple[str, object]]:
    """(url, view) of every URL pattern whose view declares required_permission."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        route = _fill(str(entry.pattern))
        if route is None:
            continue
        if isinstance(entry, URLResolver):
            found.extend(pages(entry, prefix + route))
        elif isinstance(entry, URLPattern) and getattr(entry.callback, "required_permission", None):
            found.append((prefix + route, entry.callback))
    return found


def page_permissions() -> list[str]:
    return [view.required_permission for _url, view in pages()]


def test_pages_were_discovered():
    assert "/" in {url for url, _view in pages()}


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(ROLES))
def test_page_role_matrix(role, make_user):
    # given a signed-in user holding the role
    make_user(f"pages-{role}", role=role)
    client = Client()
    assert client.login(username=f"pages-{role}", password="Secret-pass-123")
    wrong = []
    for url, view in pages():
        # when the role opens the page
        response = client.get(url)
        allowed = _allowed(role, view.required_permission)
        # then it is forbidden exactly when the role lacks the permission
        if (response.status_code == 403) == allowed or response.status_code >= 500:
            wrong.append(f"GET {url} -> {response.status_code} (needs {view.required_permission})")
    assert wrong == []


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_from_every_page():
    # (a page that only accepts POST, such as logout, may refuse the GET itself: 405)
    client = Client()
    wrong = []
    for url, _view in pages():
        response = client.get(url)
        if response.status_code == 405:
            continue
        if response.status_code != 302 or "/login/" not in response["Location"]:
            wrong.append(f"GET {url} -> {response.status_code}")
    assert wrong == []

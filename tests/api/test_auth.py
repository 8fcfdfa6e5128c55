"""POST /api/auth/token, GET/DELETE /api/tokens, GET /api/me, GET /api/system, session auth."""

import pytest
from django.test import Client

from ecerp.core.models import ApiToken
from ecerp.masterdata import services
from ecerp.masterdata.models import Store, Warehouse
from tests.api.conftest import ApiClient, error_codes

pytestmark = pytest.mark.django_db
PASSWORD = "Secret-pass-123"


def test_token_for_good_credentials_opens_the_api(make_user, anonymous):
    # given a user of the operations role
    make_user("ops1", role="operations")
    # when they ask for a token
    response = anonymous.post("/api/auth/token", {"username": "ops1", "password": PASSWORD, "name": "脚本"})
    # then they get a secret once, and it authenticates
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("ecerp_") and body["name"] == "脚本"
    assert ApiToken.objects.get(pk=body["id"]).token_hash != body["token"]
    me = ApiClient(secret=body["token"]).get("/api/me")
    assert me.status_code == 200
    assert me.json()["username"] == "ops1"
    assert me.json()["roles"] == [{"key": "operations", "name": "运营"}]


def test_wrong_password_is_invalid_credentials(make_user, anonymous):
    make_user("ops1", role="operations")
    response = anonymous.post("/api/auth/token", {"username": "ops1", "password": "nope"})
    assert response.status_code == 401
    assert error_codes(response) == [("password", "INVALID_CREDENTIALS")]
    assert not ApiToken.objects.exists()


def test_repeated_failures_are_throttled(make_user, anonymous, settings):
    # given a limit of 3 failures per window
    settings.ECERP_LOGIN_MAX_FAILURES = 3
    make_user("ops1", role="operations")
    for _attempt in range(3):
        assert anonymous.post("/api/auth/token", {"username": "ops1", "password": "nope"}).status_code == 401
    # when even the right password comes next
    response = anonymous.post("/api/auth/token", {"username": "ops1", "password": PASSWORD})
    # then the login is refused as throttled
    assert response.status_code == 429
    assert error_codes(response) == [("username", "LOGIN_THROTTLED")]
    assert int(response["Retry-After"]) > 0


def test_token_request_validation_error_shape(anonymous):
    response = anonymous.post("/api/auth/token", {"username": "ops1"})
    assert response.status_code == 400
    assert error_codes(response) == [("password", "REQUIRED")]
    assert "password" in response.json()["errors"][0]["message"]


def test_anonymous_and_bad_token_get_401(anonymous):
    for client in (anonymous, ApiClient(secret="ecerp_not-a-token")):
        response = client.get("/api/me")
        assert response.status_code == 401
        assert error_codes(response) == [(None, "NOT_AUTHENTICATED")]


def test_list_and_revoke_own_tokens(api_as):
    # given two users with tokens
    alice, bob = api_as("operations"), api_as("finance")
    tokens = alice.get("/api/tokens").json()
    assert [token["name"] for token in tokens] == ["test"]
    assert "token" not in tokens[0] and "token_hash" not in tokens[0]
    # when bob tries to revoke alice's token, it does not exist for him
    assert bob.delete(f"/api/tokens/{tokens[0]['id']}").status_code == 404
    # when alice revokes it
    assert alice.delete(f"/api/tokens/{tokens[0]['id']}").status_code == 204
    # then it no longer authenticates
    assert alice.get("/api/me").status_code == 401
    assert ApiToken.objects.get(pk=tokens[0]["id"]).revoked


def test_me_shows_permissions_and_data_scope(api_as, admin_user):
    # given a warehouse clerk limited to one of two warehouses
    clerk = api_as("warehouse")
    first = services.save_warehouse(user=admin_user, data={"name": "上海仓"})
    services.save_warehouse(user=admin_user, data={"name": "广州仓"})
    services.set_user_scope(user=admin_user, target_user=clerk.user, all_stores=True, all_warehouses=False,
                            stores=[], warehouses=[first])
    # when they ask who they are
    body = clerk.get("/api/me").json()
    # then the role's permissions and the scope are listed
    assert "masterdata.view_warehouse" in body["permissions"]
    assert "masterdata.add_product" not in body["permissions"]
    assert body["scope"]["all_stores"] is True and body["scope"]["all_warehouses"] is False
    assert [w["code"] for w in body["scope"]["warehouses"]] == [first.code]
    assert Warehouse.objects.count() == 2 and Store.objects.count() == 0


def test_system_mode(api_as):
    response = api_as("management").get("/api/system")
    assert response.status_code == 200
    assert response.json() == {"mode": "training", "mode_label": "培训"}


def test_session_user_may_call_the_api_with_csrf(make_user):
    # given a signed-in page user (session) on a client that enforces CSRF
    make_user("ops1", role="operations")
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="ops1", password=PASSWORD)
    # then reading works
    assert client.get("/api/me").json()["username"] == "ops1"
    # and a write without the CSRF token is refused before anything happens
    response = client.post("/api/masterdata/products", data="{}", content_type="application/json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "CSRF_FAILED"

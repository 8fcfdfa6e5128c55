"""Logins are audited: every attempt through the page, the admin and the API token endpoint writes a row."""

import json

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from ecerp.core import services
from ecerp.core.errors import DomainError
from ecerp.core.models import AuditAction, AuditLog

PASSWORD = "Secret-pass-123"
WRONG = "Wrong-guess-987"

pytestmark = pytest.mark.django_db


def login_rows():
    return list(AuditLog.objects.filter(action=AuditAction.LOGIN).order_by("id"))


def assert_no_password_kept():
    every_value = json.dumps(list(AuditLog.objects.values()), default=str, ensure_ascii=False)
    assert PASSWORD not in every_value and WRONG not in every_value


def test_success_failure_and_throttle_each_write_a_login_row(make_user, settings):
    # given a user and a limit of two failures
    settings.ECERP_LOGIN_MAX_FAILURES = 2
    user = make_user("bob")
    request = RequestFactory().post("/login/", REMOTE_ADDR="10.0.0.7")
    # when the right password is given, then a wrong one twice, then the right one once more (throttled)
    with translation.override("zh-hans"):
        assert services.throttled_authenticate(request, username="bob", password=PASSWORD) == user
        for _ in range(2):
            assert services.throttled_authenticate(request, username="Bob", password=WRONG) is None
        with pytest.raises(DomainError):
            services.throttled_authenticate(request, username="bob", password=PASSWORD)
    # then four login rows tell who, from where, through which door and whether it worked
    success, first_failure, second_failure, throttled = login_rows()
    assert (success.user, success.username, success.object_id) == (user, "bob", str(user.pk))
    assert success.model == "auth.user"
    assert success.after == {"success": True, "address": "10.0.0.7", "path": "/login/"}
    # and failures keep the username tried, without a user
    for row in (first_failure, second_failure, throttled):
        assert row.user is None and row.after["success"] is False and row.after["address"] == "10.0.0.7"
    assert [first_failure.username, throttled.username] == ["Bob", "bob"]
    assert first_failure.note == "用户名或密码错误" and throttled.note.startswith("登录失败次数过多")
    assert success.note == ""
    # and no password is kept anywhere
    assert_no_password_kept()


def test_failed_login_of_an_unknown_username_is_audited(db):
    assert services.throttled_authenticate(None, username="nobody", password=WRONG) is None
    (row,) = login_rows()
    assert (row.username, row.object_repr, row.object_id, row.user) == ("nobody", "nobody", "", None)
    assert row.after == {"success": False, "address": "", "path": ""}


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_page_and_admin_logins_are_audited(admin_user, path):
    # given a wrong and then the right password on the login page or the admin's login
    client = Client()
    client.post(path, {"username": "admin1", "password": WRONG})
    response = client.post(path, {"username": "admin1", "password": PASSWORD})
    # then the user is signed in and both attempts were audited with the path
    assert response.status_code == 302
    failure, success = login_rows()
    assert (failure.after["success"], failure.after["path"]) == (False, path)
    assert (success.after["success"], success.after["path"], success.user) == (True, path, admin_user)
    assert_no_password_kept()


def test_api_token_logins_are_audited(admin_user):
    # given a wrong and then the right password at the token endpoint
    client = Client()
    wrong = client.post("/api/auth/token", data={"username": "admin1", "password": WRONG},
                        content_type="application/json")
    right = client.post("/api/auth/token", data={"username": "admin1", "password": PASSWORD},
                        content_type="application/json")
    # then the answers are unchanged and both attempts were audited
    assert (wrong.status_code, right.status_code) == (401, 201)
    failure, success = login_rows()
    assert (failure.username, failure.after["success"], failure.after["path"]) == ("admin1", False, "/api/auth/token")
    assert (success.user, success.after["success"]) == (admin_user, True)
    assert_no_password_kept()
    assert right.json()["token"] not in json.dumps(list(AuditLog.objects.values()), default=str)

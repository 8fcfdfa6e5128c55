"""Login throttling and API tokens (the services behind the login page and the API's auth)."""

import datetime

import pytest
from django.test import RequestFactory
from django.utils import timezone

from ecerp.core import services
from ecerp.core.errors import DomainError
from ecerp.core.models import ApiToken, AuditLog, LoginFailure

PASSWORD = "Secret-pass-123"


def login_request(address="10.0.0.1"):
    return RequestFactory().post("/login/", REMOTE_ADDR=address)


@pytest.mark.django_db
def test_throttled_after_max_failures_even_with_the_right_password(make_user, settings):
    # given a user and the configured limit of failures
    settings.ECERP_LOGIN_MAX_FAILURES = 3
    make_user("bob")
    # when the password is wrong three times
    for _ in range(3):
        assert services.throttled_authenticate(login_request(), username="bob", password="wrong") is None
    # then even the right password is refused as LOGIN_THROTTLED
    with pytest.raises(DomainError) as error:
        services.throttled_authenticate(login_request(), username="bob", password=PASSWORD)
    assert error.value.code == "LOGIN_THROTTLED" and error.value.field == "username"
    assert "15" in str(error.value)  # the default 900 s window, in minutes


@pytest.mark.django_db
def test_username_case_does_not_bypass_the_throttle(make_user, settings):
    settings.ECERP_LOGIN_MAX_FAILURES = 2
    make_user("bob")
    services.throttled_authenticate(login_request(), username="bob", password="wrong")
    services.throttled_authenticate(login_request(), username="BOB", password="wrong")
    assert services.login_throttled(username="Bob", address="")


@pytest.mark.django_db
def test_success_clears_the_failures(make_user, settings):
    # given two failures below a limit of three
    settings.ECERP_LOGIN_MAX_FAILURES = 3
    user = make_user("bob")
    for _ in range(2):
        services.throttled_authenticate(login_request(), username="bob", password="wrong")
    # when the right password is given
    assert services.throttled_authenticate(login_request(), username="bob", password=PASSWORD) == user
    # then the failures are forgotten: two more wrong tries are still not throttled
    assert not LoginFailure.objects.filter(username="bob").exists()
    for _ in range(2):
        services.throttled_authenticate(login_request(), username="bob", password="wrong")
    assert services.throttled_authenticate(login_request(), username="bob", password=PASSWORD) == user


@pytest.mark.django_db
def test_old_failures_fall_out_of_the_window(make_user, settings):
    settings.ECERP_LOGIN_MAX_FAILURES = 2
    user = make_user("bob")
    for _ in range(2):
        services.record_login_failure(username="bob", address="10.0.0.1")
    LoginFailure.objects.update(at=timezone.now() - datetime.timedelta(seconds=settings.ECERP_LOGIN_WINDOW_SECONDS + 1))
    assert services.throttled_authenticate(login_request(), username="bob", password=PASSWORD) == user


@pytest.mark.django_db
def test_one_address_guessing_many_usernames_is_throttled(make_user, settings):
    # given a limit of 2 per user, so 8 per address
    settings.ECERP_LOGIN_MAX_FAILURES = 2
    make_user("carol")
    for number in range(8):
        services.throttled_authenticate(login_request("10.9.9.9"), username=f"guess{number}", password="x")
    # then that address is throttled even for a user with no failures, another address is not
    with pytest.raises(DomainError):
        services.throttled_authenticate(login_request("10.9.9.9"), username="carol", password=PASSWORD)
    assert services.throttled_authenticate(login_request("10.1.1.1"), username="carol", password=PASSWORD)


@pytest.mark.django_db
def test_api_token_create_authenticate_and_revoke(admin_user, make_user):
    # given a token issued by an admin for an operations user
    owner = make_user("ops", role="operations")
    token, secret = services.create_api_token(user=admin_user, owner=owner, name="ERP 对接")
    # then only a hash is kept and the secret authenticates the owner
    assert secret.startswith("ecerp_") and secret not in {token.token_hash, token.prefix}
    assert ApiToken.objects.filter(token_hash__contains=secret).count() == 0
    assert services.authenticate_token(secret) == owner
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    # and a wrong or empty secret does not
    assert services.authenticate_token(secret + "x") is None
    assert services.authenticate_token("") is None
    # when it is revoked
    services.revoke_api_token(user=admin_user, token_id=token.pk)
    # then it no longer authenticates, and issue and revocation are audited
    assert services.authenticate_token(secret) is None
    assert list(AuditLog.objects.filter(model="core.apitoken").order_by("id").values_list("action", flat=True)) == [
        "create", "update"]


@pytest.mark.django_db
def test_expired_token_and_inactive_owner_are_refused(admin_user, make_user):
    owner = make_user("ops")
    token, secret = services.create_api_token(user=admin_user, owner=owner, name="临时", days=1)
    assert token.expires_at > timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert services.authenticate_token(secret) is None
    # a token of a deactivated user is refused too
    _other, other_secret = services.create_api_token(user=admin_user, owner=owner, name="长期", days=None)
    assert services.authenticate_token(other_secret) == owner
    owner.is_active = False
    owner.save()
    assert services.authenticate_token(other_secret) is None

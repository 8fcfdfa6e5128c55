"""ECERP's own pages: login (throttled, also behind /admin/login/), logout, home with the modules, system mode."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ecerp.core import services as core_services
from ecerp.core.models import AuditLog, LoginFailure, SystemMode
from ecerp.core.views import PUBLIC, home, login_view
from ecerp.masterdata import services
from ecerp.masterdata.models import Store
from tests.core.factories import make_product, make_store, make_warehouse

PASSWORD = "Secret-pass-123"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- login -----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_login_signs_in_and_follows_next(admin_user):
    # given the login page
    client = Client()
    page = client.get("/login/?next=/admin/")
    assert page.status_code == 200 and "用户名" in page.content.decode()
    # when the right password is posted
    response = client.post("/login/", {"username": "admin1", "password": PASSWORD, "next": "/admin/"})
    # then the user is signed in and sent on
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_login_ignores_next_to_another_site(admin_user):
    response = Client().post("/login/", {"username": "admin1", "password": PASSWORD,
                                         "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_wrong_password_says_so_in_chinese_and_counts(admin_user):
    response = Client().post("/login/", {"username": "admin1", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert LoginFailure.objects.filter(username="admin1").count() == 1


@pytest.mark.django_db
def test_throttled_after_max_failures_even_with_the_right_password(admin_user, settings):
    # given three allowed failures
    settings.ECERP_LOGIN_MAX_FAILURES = 3
    client = Client()
    for _attempt in range(3):
        client.post("/login/", {"username": "admin1", "password": "wrong"})
    # when the right password comes next
    response = client.post("/login/", {"username": "admin1", "password": PASSWORD})
    # then it is refused with the throttling message and nobody is signed in
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_throttling_window_passes(admin_user, settings):
    # given a user throttled by earlier failures that are now outside the window
    settings.ECERP_LOGIN_MAX_FAILURES = 2
    client = Client()
    for _attempt in range(2):
        client.post("/login/", {"username": "admin1", "password": "wrong"})
    settings.ECERP_LOGIN_WINDOW_SECONDS = 0
    # then the right password works again
    response = client.post("/login/", {"username": "admin1", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_admin_login_is_the_same_throttled_door(admin_user, settings):
    # given failures through the admin's own login URL
    settings.ECERP_LOGIN_MAX_FAILURES = 2
    client = Client()
    for _attempt in range(2):
        response = client.post("/admin/login/", {"username": "admin1", "password": "wrong"})
        assert "用户名或密码错误" in response.content.decode()
    # then the admin login refuses the right password too
    response = client.post("/admin/login/?next=/admin/", {"username": "admin1", "password": PASSWORD})
    assert "登录失败次数过多" in response.content.decode()
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_admin_sends_anonymous_users_to_the_ecerp_login():
    response = Client().get("/admin/masterdata/product/", follow=True)
    assert response.status_code == 200
    assert response.resolver_match.func.__name__ in ("login_view", "site_login")
    assert "登录 ECERP" in response.content.decode()


@pytest.mark.django_db
def test_logout_needs_post(admin_user):
    client = signed_in(admin_user)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_login_is_declared_public_and_home_declares_its_permission():
    assert login_view.public is True
    assert "ecerp.core.views.login_view" in PUBLIC
    assert home.required_permission == "authenticated"


# --- home ------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_home_links_a_module_only_for_roles_that_may_open_it(make_user):
    # given the customs role, which has no stock permission
    user = make_user("guan", role="customs")
    # when it opens the home page
    response = signed_in(user).get("/")
    # then the stock module is shown without a link
    live = {module["key"]: module for module in response.context["modules"]}
    assert live["inventory"]["url"] is None
    assert 'href="/inventory/"' not in response.content.decode()


@pytest.mark.django_db
def test_home_needs_sign_in():
    response = Client().get("/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/"


@pytest.mark.django_db
def test_home_shows_modules_counts_and_links(admin_user):
    # given two products
    make_product(admin_user, name="面霜")
    make_product(admin_user, name="乳液")
    # when the admin opens the home page
    response = signed_in(admin_user).get("/")
    page = response.content.decode()
    # then every module is there, those to come marked as such
    for module in ("基础资料", "订单", "库存", "采购", "关务", "财务", "报表"):
        assert module in page
    coming = {module["key"] for module in response.context["coming"]}
    assert {"purchasing", "finance", "insights"} <= coming
    assert page.count("即将上线") == len(coming)
    # and a module that is installed links to its start page
    live = {module["key"]: module for module in response.context["modules"]}
    assert live["inventory"]["url"] == "/inventory/" and 'href="/inventory/"' in page
    assert live["customs"]["url"] == "/customs/"
    # and each master-data type is counted and linked to its list
    products = next(entry for entry in response.context["masterdata"] if entry["key"] == "product")
    assert products["count"] == 2 and products["url"] == "/admin/masterdata/product/"
    assert {entry["key"] for entry in response.context["masterdata"]} == {
        "department", "employee", "partner", "category", "product", "warehouse", "location", "store"}
    assert 'href="/masterdata/import/"' in page
    # and the brand and the system mode are shown
    assert "ECERP 电商ERP" in page
    assert "培训" in page


@pytest.mark.django_db
def test_home_shows_only_what_the_role_may_see(make_user, admin_user):
    # given two stores and a warehouse clerk whose scope holds one of them
    warehouse = make_warehouse(admin_user)
    first = make_store(admin_user, shop_id="1")
    make_store(admin_user, name="京东店", platform="jd", shop_id="2")
    clerk = make_user("clerk", role="warehouse")
    services.set_user_scope(user=admin_user, target_user=clerk, all_stores=False, all_warehouses=True,
                            stores=[first], warehouses=[warehouse])
    # when the clerk opens the home page
    response = signed_in(clerk).get("/")
    entries = {entry["key"]: entry for entry in response.context["masterdata"]}
    # then types without view permission are absent and stores are counted inside the scope
    assert "employee" not in entries and "partner" not in entries
    assert entries["store"]["count"] == 1 and Store.objects.count() == 2
    assert entries["location"]["add_url"] is not None and entries["product"]["add_url"] is None
    # and the import link is not offered to a role that may not import
    assert 'href="/masterdata/import/"' not in response.content.decode()


# --- system mode -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_admin_sets_system_mode_and_every_page_shows_it(admin_user):
    client = signed_in(admin_user)
    # when the admin switches to the trial run
    response = client.post("/system-mode/", {"mode": SystemMode.TRIAL})
    assert response.status_code == 302
    # then the setting is stored, audited and shown as the banner
    assert core_services.get_system_mode() == SystemMode.TRIAL
    assert AuditLog.objects.filter(model="core.systemsetting", action="setting").exists()
    page = client.get("/").content.decode()
    assert "ecerp-mode-trial" in page and "试运行" in page
    assert "ecerp-mode-trial" in client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_system_mode_refuses_unknown_mode(admin_user):
    response = signed_in(admin_user).post("/system-mode/", {"mode": "party"})
    assert response.status_code == 200
    assert core_services.get_system_mode() == SystemMode.TRAINING


@pytest.mark.django_db
def test_system_mode_page_is_forbidden_to_operations(make_user):
    response = signed_in(make_user("op", role="operations")).get("/system-mode/")
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


# --- language --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_language_switch_to_english_and_back(admin_user):
    client = signed_in(admin_user)
    assert 'lang="zh-hans"' in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert 'lang="en"' in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert 'lang="zh-hans"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_inactive_user_cannot_sign_in(admin_user):
    User.objects.filter(pk=admin_user.pk).update(is_active=False)
    response = Client().post("/login/", {"username": "admin1", "password": PASSWORD})
    assert response.status_code == 200 and "用户名或密码错误" in response.content.decode()

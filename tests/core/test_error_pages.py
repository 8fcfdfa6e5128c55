"""Error pages speak the user's language inside the ECERP frame (404), or stand alone (500)."""

import pytest
from django.template.loader import get_template
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_not_found_is_an_ecerp_page_in_chinese(make_user):
    make_user("nf-ops", role="operations")
    client = Client()
    assert client.login(username="nf-ops", password="Secret-pass-123")
    response = client.get("/sales/orders/999999/")
    page = response.content.decode()
    assert response.status_code == 404 and "页面不存在" in page and "返回首页" in page and "Not Found" not in page
    english = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 404 and "Page not found" in english.content.decode()


def test_server_error_page_renders_without_a_request():
    with translation.override("zh-hans"):
        html = get_template("500.html").render()
    assert "服务器错误" in html and "返回首页" in html

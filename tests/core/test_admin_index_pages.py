"""The admin index groups every model by business area: none is left in 其他 (other)."""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from ecerp.core.admin import site_get_app_list

pytestmark = pytest.mark.django_db


def test_every_admin_model_has_a_business_area(make_user):
    user = make_user("index-admin", role="admin")
    request = RequestFactory().get("/admin/")
    request.user = user
    groups = {group["app_label"]: group for group in site_get_app_list(admin.site, request)}
    assert "other" not in groups, [model["object_name"] for model in groups["other"]["models"]]
    assert {"inventory", "sales", "aftersales"} <= set(groups)
    client = Client()
    assert client.login(username="index-admin", password="Secret-pass-123")
    page = client.get("/admin/").content.decode()
    assert "售后单" in page and "发货单" in page and "审单规则" in page

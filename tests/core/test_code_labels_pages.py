"""Pages name stored codes in Chinese: import job types, upload outcomes, the 系统 user of history rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ecerp.masterdata.models_import import ImportJob
from tests.sales.helpers import SAMPLES, store

pytestmark = pytest.mark.django_db


def _client(make_user, username, role):
    user = make_user(username, role=role)
    client = Client()
    assert client.login(username=username, password="Secret-pass-123")
    return client, user


def test_import_jobs_show_the_type_by_name(make_user):
    client, user = _client(make_user, "codes-admin", "admin")
    ImportJob.objects.create(kind="product", filename="goods.xlsx", content=b"", created_by=user)
    page = client.get("/masterdata/import/").content.decode()
    assert "<td>商品</td><td>goods.xlsx</td>" in page and "<td>product</td>" not in page


def test_upload_results_show_the_outcome_by_name(make_user):
    client, _user = _client(make_user, "codes-ops", "operations")
    shop = store(code="DY1", platform="douyin")
    content = (SAMPLES / "douyin_orders.csv").read_bytes()
    page = client.post("/sales/upload/", {"store": shop.pk, "file_format": "auto",
                                          "file": SimpleUploadedFile("douyin_orders.csv", content)}).content.decode()
    assert "<td>新建</td>" in page and "<td>created</td>" not in page


def test_admin_history_names_work_without_a_user_as_system(make_user):
    client, _user = _client(make_user, "codes-admin2", "admin")
    shop = store(code="HX1")  # created by a service call without a user
    page = client.get(f"/admin/masterdata/store/{shop.pk}/history/").content.decode()
    assert "<td>系统</td>" in page and "<td>system</td>" not in page

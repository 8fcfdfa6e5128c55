"""The import page: upload -> preview with errors -> fix -> commit; permission denied without the import right."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ecerp.masterdata.models import Product
from ecerp.masterdata.models_import import ImportJob
from tests.masterdata.importhelpers import csv_bytes, xlsx_rows

pytestmark = pytest.mark.django_db


def upload(client, rows, encoding="utf-8"):
    content = SimpleUploadedFile("products.csv", csv_bytes(rows, encoding), content_type="text/csv")
    return client.post(reverse("masterdata:import"), {"kind": "product", "file": content}, follow=True)


def test_upload_preview_errors_then_commit(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("masterdata:import")).status_code == 200
    # a file with one bad row: the preview lists row + column + message and offers no commit
    page = upload(client, [["商品编码", "名称", "销售价"], ["SKU1", "面霜", "9.9"], ["SKU2", "坏", "abc"]], "gbk")
    html = page.content.decode()
    assert page.status_code == 200 and "import-problems" in html
    assert "<td>3</td><td>销售价</td><td>「abc」不是有效的数字</td>" in html
    assert "确认导入" not in html
    job = ImportJob.objects.get()
    assert client.post(reverse("masterdata:import_commit", args=[job.pk])).status_code == 302
    assert not Product.objects.exists()
    # the fixed file previews clean and commits
    page = upload(client, [["商品编码", "名称", "销售价"], ["SKU1", "面霜", "9.9"], ["SKU2", "好", "5"]])
    assert "确认导入" in page.content.decode()
    job = ImportJob.objects.order_by("-id").first()
    page = client.post(reverse("masterdata:import_commit", args=[job.pk]), follow=True)
    assert "导入完成" in page.content.decode()
    assert Product.objects.count() == 2
    job.refresh_from_db()
    assert job.status == "committed"
    # committing twice writes nothing more
    client.post(reverse("masterdata:import_commit", args=[job.pk]))
    assert Product.objects.count() == 2


def test_template_and_export_downloads(client, admin_user):
    client.force_login(admin_user)
    template = client.get(reverse("masterdata:import_template", args=["product"]))
    assert template.status_code == 200 and xlsx_rows(template.content)[0][0] == "商品编码"
    Product.objects.create(code="SKU1", name="面霜")
    export = client.get(reverse("masterdata:export_download", args=["product"]))
    assert xlsx_rows(export.content)[1][0] == "SKU1"


def test_permission_denied_without_import_right(client, make_user):
    client.force_login(make_user("keeper", role="warehouse"))
    assert client.get(reverse("masterdata:import")).status_code == 403
    assert client.get(reverse("masterdata:import_template", args=["product"])).status_code == 403
    content = SimpleUploadedFile("p.csv", csv_bytes([["名称"], ["x"]]))
    assert client.post(reverse("masterdata:import"), {"kind": "product", "file": content}).status_code == 403
    assert not ImportJob.objects.exists()
    # the warehouse role may export
    assert client.get(reverse("masterdata:export_download", args=["product"])).status_code == 200


def test_other_users_job_is_not_visible(client, make_user):
    owner = make_user("owner", role="admin")
    client.force_login(owner)
    upload(client, [["商品编码", "名称"], ["SKU1", "面霜"]])
    job = ImportJob.objects.get()
    client.force_login(make_user("other", role="operations"))
    assert client.get(reverse("masterdata:import_job", args=[job.pk])).status_code == 404

"""Pages: order list and detail, upload with its summary, quarantine edit/retry/discard, SKU mapping."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ecerp.sales import services
from ecerp.sales.models import QuarantinedRecord, SalesOrder
from ecerp.sales.privacy import mask_record
from tests.sales.helpers import SAMPLES, product, record, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(make_user):
    make_user("ops", role="operations")
    client = Client()
    assert client.login(username="ops", password="Secret-pass-123")
    return client


def test_upload_shows_the_summary_and_twice_creates_nothing(client):
    shop = store(code="DY1", platform="douyin")

    def upload():
        content = (SAMPLES / "douyin_orders.csv").read_bytes()
        return client.post("/sales/upload/", {"store": shop.pk, "file_format": "auto",
                                              "file": SimpleUploadedFile("douyin_orders.csv", content)})

    first = upload().content.decode()
    assert 'data-outcome="created">3<' in first
    second = upload().content.decode()
    assert 'data-outcome="unchanged">3<' in second
    assert SalesOrder.objects.count() == 3


def test_template_download_is_the_ecerp_template(client):
    response = client.get("/sales/upload/template/")
    assert response.status_code == 200
    assert "平台订单号" in response.content.decode("utf-8-sig")


def test_order_list_filters_and_detail_timeline(client):
    product("SKU-A")
    store()
    services.ingest_orders(user=None, source="api", records=[
        record("T1"), record("T2", lines=[{"sku_code": "X", "quantity": 1, "unit_price": "1"}])])
    services.ingest_orders(user=None, source="api", records=[record("T1", updated="2024-05-02 10:00:00",
                                                                    address="新地址")])
    page = client.get("/sales/", {"pending_mapping": "1"}).content.decode()
    assert "T2" in page and ">T1<" not in page
    order = SalesOrder.objects.get(platform_order_no="T1")
    detail = client.get(f"/sales/orders/{order.pk}/").content.decode()
    assert order.code in detail and "已更新" in detail and "新建" in detail
    assert "138****0001" in detail  # operations sees the masked phone


def test_quarantine_edit_retry_and_discard(client):
    store()
    product("SKU-A")
    services.ingest_orders(user=None, source="api", records=[record("T1", paid_amount="x"), record("T2", lines=[])])
    first, second = QuarantinedRecord.objects.order_by("pk")
    listing = client.get("/sales/quarantine/").content.decode()
    assert "实付金额" in listing
    page = client.get(f"/sales/quarantine/{first.pk}/").content.decode()
    assert "INVALID_AMOUNT" in page
    bad_json = client.post(f"/sales/quarantine/{first.pk}/", {"raw": "{"})
    assert "不是有效的 JSON" in bad_json.content.decode()
    fixed = json.dumps(dict(first.raw, paid_amount="90"))
    response = client.post(f"/sales/quarantine/{first.pk}/", {"raw": fixed})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == "fixed"
    client.post(f"/sales/quarantine/{second.pk}/discard/")
    second.refresh_from_db()
    assert second.status == "discarded"


def test_mapping_page_maps_and_releases(client):
    shop = store()
    product("CREAM")
    services.ingest_orders(user=None, source="api", records=[
        record(f"T{n}", lines=[{"sku_code": "TB-9", "quantity": 1, "unit_price": "1"}]) for n in range(2)])
    page = client.get("/sales/mappings/").content.decode()
    assert "TB-9" in page
    client.post("/sales/mappings/", {"store": shop.pk, "sku_code": "TB-9", "product": "CREAM"})
    assert set(SalesOrder.objects.values_list("status", flat=True)) == {"received"}


def test_view_only_role_cannot_upload(make_user):
    make_user("fin", role="finance")
    client = Client()
    client.login(username="fin", password="Secret-pass-123")
    assert client.get("/sales/").status_code == 200
    assert client.get("/sales/upload/").status_code == 403
    assert client.post("/sales/mappings/", {"sku_code": "x"}).status_code == 403


def test_masked_quarantine_edit_keeps_the_real_personal_values(client):
    # given a quarantined record with a phone the operations user only sees masked
    store()
    product("SKU-A")
    services.ingest_orders(user=None, source="api", records=[record("T1", paid_amount="x")])
    quarantined = QuarantinedRecord.objects.get()
    page = client.get(f"/sales/quarantine/{quarantined.pk}/").content.decode()
    assert "138****0001" in page and "13800000001" not in page
    # when the user fixes the amount in the masked JSON and retries
    shown = dict(mask_record(quarantined.raw), paid_amount="90")
    client.post(f"/sales/quarantine/{quarantined.pk}/", {"raw": json.dumps(shown)})
    # then the order keeps the real phone, not the mask
    assert SalesOrder.objects.get().consignee_phone == "13800000001"


def test_rematch_button_releases_orders(client):
    store()
    services.ingest_orders(user=None, source="api", records=[
        record("T1", lines=[{"sku_code": "LATER", "quantity": 1, "unit_price": "1"}])])
    product("LATER")
    client.post("/sales/mappings/", {"action": "rematch"})
    assert SalesOrder.objects.get().status == "received"

"""Pages show stored English codes in Chinese: the source of quarantined records and order versions."""

import pytest
from django.test import Client

from ecerp.core.admin_history import describe_changes
from ecerp.sales import services
from ecerp.sales.models import QuarantinedRecord, SalesOrder
from ecerp.sales.queries import actor_label, platform_status_label, source_label
from tests.sales.helpers import product, record, store

pytestmark = pytest.mark.django_db


def test_source_and_actor_labels():
    assert source_label("api") == "接口" and source_label("file") == "文件导入"
    assert source_label("pull:taobao") == "平台拉取 taobao" and source_label("other") == "other"
    assert actor_label("system") == "系统" and actor_label("") == "系统" and actor_label("wang") == "wang"


def test_quarantine_pages_show_the_source_in_chinese(make_user):
    make_user("labels-ops", role="operations")
    client = Client()
    assert client.login(username="labels-ops", password="Secret-pass-123")
    store()
    services.ingest_orders(user=None, source="api", records=[record("T1", paid_amount="x")])
    quarantined = QuarantinedRecord.objects.get()
    listing = client.get("/sales/quarantine/").content.decode()
    assert "<td>接口</td>" in listing and "<td>api</td>" not in listing
    assert "来源: 接口" in client.get(f"/sales/quarantine/{quarantined.pk}/").content.decode()


def test_audit_times_in_the_timeline_are_local_and_to_the_second(make_user):
    [change] = describe_changes(SalesOrder, None, {"received_at": "2026-11-29T22:48:47.446029+00:00"})
    assert change.after == "2026-11-30 06:48:47"  # Asia/Shanghai
    [untouched] = describe_changes(SalesOrder, None, {"received_at": "not a time"})
    assert untouched.after == "not a time"


def test_order_version_times_are_local(make_user):
    make_user("labels-ops2", role="operations")
    client = Client()
    assert client.login(username="labels-ops2", password="Secret-pass-123")
    store()
    product("SKU-A")
    services.ingest_orders(user=None, source="api", records=[record("T1", updated="2024-05-02 10:00:00")])
    order = SalesOrder.objects.get(platform_order_no="T1")
    page = client.get(f"/sales/orders/{order.pk}/").content.decode()
    assert "2024-05-02 10:00:00" in page and "+00:00" not in page


def test_platform_status_codes_are_shown_in_chinese(make_user):
    assert platform_status_label("WAIT_SELLER_SEND_GOODS") == "等待卖家发货"
    assert platform_status_label("待发货") == "待发货" and platform_status_label("NEW_CODE") == "NEW_CODE"
    make_user("labels-ops3", role="operations")
    client = Client()
    assert client.login(username="labels-ops3", password="Secret-pass-123")
    store()
    product("SKU-A")
    services.ingest_orders(user=None, source="api", records=[record("T1", status="WAIT_SELLER_SEND_GOODS")])
    order = SalesOrder.objects.get(platform_order_no="T1")
    assert ">等待卖家发货<" in client.get("/sales/").content.decode()
    assert ">等待卖家发货 " in client.get(f"/sales/orders/{order.pk}/").content.decode()


def test_read_only_rules_page_names_the_payment_terms(make_user):
    make_user("labels-wh", role="warehouse")
    client = Client()
    assert client.login(username="labels-wh", password="Secret-pass-123")
    store()
    page = client.get("/sales/review-rules/").content.decode()
    assert "<td>款到发货</td>" in page and "<td>prepaid</td>" not in page

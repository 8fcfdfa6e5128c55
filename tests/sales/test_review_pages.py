"""Pages: batch review/allocate/merge on the order list, hold/release and split on the detail page,
review rules (add, preview, blacklist)."""

import pytest
from django.test import Client

from ecerp.sales.models import Blacklist, ReviewRule
from ecerp.sales.states import OrderStatus
from tests.sales.orderflow import balance, fresh, order, shop, sku, stock, warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(make_user):
    make_user("ops", role="operations")
    client = Client()
    assert client.login(username="ops", password="Secret-pass-123")
    return client


@pytest.fixture
def supervisor(make_user):
    # review rules, blacklist and store settings are the operations supervisor's
    make_user("ops-lead", role="ops_supervisor")
    client = Client()
    assert client.login(username="ops-lead", password="Secret-pass-123")
    return client


@pytest.fixture
def setup():
    wh = warehouse("WH1")
    item = sku("SKU-A")
    sku("SKU-B")
    shop(warehouse=wh)
    stock(item, wh, 5)
    return {"wh": wh, "item": item}


def test_batch_review_then_allocate(client, setup):
    first, second = order(), order()
    page = client.get("/sales/")
    assert f'name="orders" value="{first.pk}"' in page.content.decode()
    response = client.post("/sales/orders/batch/", {"action": "review", "orders": [first.pk, second.pk]}, follow=True)
    assert "通过 2" in response.content.decode()
    client.post("/sales/orders/batch/", {"action": "allocate", "orders": [first.pk]})
    assert fresh(first).status == OrderStatus.ALLOCATED and balance(setup["item"], setup["wh"]) == (5, 1)


def test_batch_merge_opens_the_merged_order(client, setup):
    first, second = order(), order()
    response = client.post("/sales/orders/batch/", {"action": "merge", "orders": [first.pk, second.pk]})
    merged_id = fresh(first).merged_into_id
    assert merged_id and response["Location"] == f"/sales/orders/{merged_id}/"
    page = client.get(response["Location"]).content.decode()
    assert first.code in page and second.code in page


def test_hold_and_release_by_hand(client, setup):
    item = order()
    client.post(f"/sales/orders/{item.pk}/hold/", {"action": "hold", "reason": "等买家确认颜色"})
    assert fresh(item).status == OrderStatus.HELD
    page = client.get(f"/sales/orders/{item.pk}/").content.decode()
    assert "等买家确认颜色" in page and "手工挂起" in page
    response = client.post(f"/sales/orders/{item.pk}/hold/", {"action": "release", "reason": ""}, follow=True)
    assert "请填写原因" in response.content.decode() and fresh(item).status == OrderStatus.HELD
    client.post(f"/sales/orders/{item.pk}/hold/", {"action": "release", "reason": "已确认"})
    assert fresh(item).status == OrderStatus.REVIEWED


def test_split_ticked_lines(client, setup):
    item = order(lines=[("SKU-A", 1, "30.00"), ("SKU-B", 1, "60.00")])
    client.post(f"/sales/orders/{item.pk}/split/", {"action": "lines", "lines": ["2"]})
    parent = fresh(item)
    assert parent.status == OrderStatus.SPLIT and parent.split_children.count() == 2


def test_rules_page_add_preview_and_blacklist(supervisor, setup):
    client = supervisor
    item = order(buyer_remark="送礼")
    client.post("/sales/review-rules/", {"action": "save", "name": "备注", "kind": "remark_present",
                                         "rule_action": "hold", "priority": "10", "active": "1"})
    assert ReviewRule.objects.get().kind == "remark_present"
    response = client.post("/sales/review-rules/", {"action": "preview"})
    assert "送礼" in response.content.decode() and fresh(item).status == OrderStatus.RECEIVED
    response = client.post("/sales/review-rules/", {"action": "save", "name": "大额", "kind": "amount_above",
                                                    "threshold": "x", "rule_action": "hold"})
    assert ReviewRule.objects.count() == 1 and response.status_code == 200
    client.post("/sales/review-rules/", {"action": "blacklist", "kind": "phone", "value": "13900000009"})
    assert Blacklist.objects.get().shown == "139****0009"


def test_warehouse_role_sees_rules_but_cannot_change(make_user, setup):
    make_user("wh", role="warehouse")
    client = Client()
    client.login(username="wh", password="Secret-pass-123")
    assert client.get("/sales/review-rules/").status_code == 200
    response = client.post("/sales/review-rules/", {"action": "save", "name": "x", "kind": "remark_present"})
    assert response.status_code == 403 and ReviewRule.objects.count() == 0
    assert client.post("/sales/orders/batch/", {"action": "review"}).status_code == 403


def test_store_warehouse_order_and_terms_on_the_rules_page(supervisor, setup):
    client = supervisor
    from ecerp.sales.models import AllocationRule, StoreSalesSetting
    other = warehouse("WH2")
    store_id = StoreSalesSetting._meta.get_field("store").related_model.objects.get(code="TM01").pk
    client.post("/sales/review-rules/", {"action": "store", "store": store_id, "warehouses": "WH2, WH1",
                                         "payment_terms": "cod"})
    assert list(AllocationRule.objects.order_by("priority").values_list("warehouse", flat=True)) == [
        other.pk, setup["wh"].pk]
    assert StoreSalesSetting.objects.get().payment_terms == "cod"
    response = client.post("/sales/review-rules/", {"action": "store", "store": store_id, "warehouses": "NOPE"},
                           follow=True)
    assert "NOPE" in response.content.decode() and AllocationRule.objects.count() == 2


def test_payment_terms_on_the_order_page(client, setup):
    item = order()
    client.post(f"/sales/orders/{item.pk}/payment-terms/", {"payment_terms": "deposit", "deposit_amount": "20"})
    item = fresh(item)
    assert item.payment_terms == "deposit" and str(item.deposit_amount) == "20.00"
    response = client.post(f"/sales/orders/{item.pk}/payment-terms/", {"payment_terms": "credit",
                                                                       "customer": "NOPE"}, follow=True)
    assert "NOPE" in response.content.decode() and fresh(item).payment_terms == "deposit"


def test_the_order_list_shows_which_allocated_orders_have_a_parcel(client, setup, make_user):
    from ecerp.sales import services
    first, second = order(), order()
    services.review_orders(user=None, orders=[first, second])
    services.allocate_orders(user=None, orders=[first, second])
    [made] = services.create_order_shipments(user=None, orders=[fresh(first)])
    make_user("wh-lead", role="admin")
    admin = Client()
    assert admin.login(username="wh-lead", password="Secret-pass-123")
    page = admin.get("/sales/").content.decode()
    assert made.shipment_code in page and page.count("发货单 FH") == 1

"""Merge and split: same buyer and address merge; cross-border never with domestic; shipped never merges;
split by line and by warehouse with amounts adding up; history on both sides."""

from decimal import Decimal

import pytest

from ecerp.core.audit import history_for
from ecerp.core.errors import DomainError
from ecerp.core.models import StateHistory
from ecerp.sales import services
from ecerp.sales.states import OrderStatus
from tests.core.factories import make_partner
from tests.sales.orderflow import balance, fresh, order, reviewed, shop, sku, stock, warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    sku("SKU-A")
    sku("SKU-B")
    return shop()


def _reasons(item):
    return [row.reason for row in StateHistory.objects.filter(model="sales.salesorder", object_id=str(item.pk))]


def test_same_buyer_and_address_merge_into_one_order(store):
    # given two orders of the same buyer to the same address (spaces differ) and one elsewhere
    first = order(lines=[("SKU-A", 1, "100.00")], freight="5.00", paid_amount="95.00")
    second = order(lines=[("SKU-B", 2, "50.00")], address="文三路 1号", paid_amount="100.00")
    other = order(address="莫干山路8号")
    # then the suggestions group the first two only
    groups = services.find_merge_groups()
    assert [[o.pk for o in group] for group in groups] == [[first.pk, second.pk]]
    # when they are merged
    merged = services.merge_orders(user=None, orders=[first, second])
    # then one new order carries every line and the summed amounts; the sources link to it
    assert [(line.sku_code, line.quantity) for line in merged.lines.all()] == [("SKU-A", 1), ("SKU-B", 2)]
    assert merged.paid_amount == Decimal("195.00") and merged.freight == Decimal("5.00")
    for source in (first, second):
        source = fresh(source)
        assert source.status == OrderStatus.MERGED and source.merged_into_id == merged.pk
        assert any(merged.code in reason for reason in _reasons(source))
    assert any(first.code in reason and second.code in reason for reason in _reasons(merged))
    assert any(first.code in entry.note for entry in history_for(merged))
    assert fresh(other).status == OrderStatus.RECEIVED


def test_other_address_is_refused(store):
    first, second = order(), order(address="莫干山路8号")
    with pytest.raises(DomainError) as caught:
        services.merge_orders(user=None, orders=[first, second])
    assert caught.value.code == "MERGE_MISMATCH"


def test_cross_border_never_merges_with_domestic(store):
    company = make_partner(name="某某跨境电商", roles=["ecommerce"])
    shop(code="KJ01", type="cbec_1210", ecommerce_company=company)
    domestic, cross = order(), order(store_code="KJ01")
    with pytest.raises(DomainError) as caught:
        services.merge_orders(user=None, orders=[domestic, cross])
    assert caught.value.code == "MERGE_MISMATCH" and "跨境" in caught.value.details[0].message
    assert fresh(domestic).status == OrderStatus.RECEIVED


def test_shipped_orders_never_merge(store):
    first, second = order(), order()
    services.mark_shipped(user=None, order=second)
    assert len(services.find_merge_groups()) == 0
    with pytest.raises(DomainError) as caught:
        services.merge_orders(user=None, orders=[first, second])
    assert caught.value.code == "NOT_MERGEABLE"


def test_merging_allocated_orders_releases_their_stock(store):
    wh = warehouse("WH1")
    stock(sku("SKU-C"), wh, 5)
    first, second = reviewed(order(lines=[("SKU-C", 1, "90.00")]), order(lines=[("SKU-C", 1, "90.00")]))
    services.allocate_orders(user=None, orders=[first, second])
    merged = services.merge_orders(user=None, orders=[first, second])
    assert merged.status == OrderStatus.REVIEWED
    item = sku_obj("SKU-C")
    assert balance(item, wh) == (5, 0)
    [result] = services.allocate_orders(user=None, orders=[merged])
    assert result.outcome == "allocated" and balance(item, wh) == (5, 2)


def sku_obj(code):
    from ecerp.masterdata.models import Product
    return Product.objects.get(code=code)


def test_split_by_lines_moves_lines_and_splits_amounts(store):
    # given an order of two lines with freight and a discount
    parent = order(lines=[("SKU-A", 1, "30.00"), ("SKU-B", 2, "35.00")], freight="10.00", discount="7.00",
                   paid_amount="103.00")
    # when line 2 is split off
    children = services.split_order_lines(user=None, order=parent, line_nos=[2])
    # then two children hold the lines (line numbers kept) and every amount adds up to the parent's
    assert [[line.line_no for line in child.lines.all()] for child in children] == [[2], [1]]
    parent = fresh(parent)
    assert parent.status == OrderStatus.SPLIT and parent.lines.count() == 0
    for name in ("goods_amount", "discount", "freight", "paid_amount"):
        assert sum(getattr(child, name) for child in children) == getattr(parent, name)
    assert children[0].goods_amount == Decimal("70.00") and children[1].goods_amount == Decimal("30.00")
    assert all(child.split_from_id == parent.pk for child in children)
    assert any(children[0].code in reason for reason in _reasons(parent))
    assert any(parent.code in reason for reason in _reasons(children[0]))


def test_split_needs_part_of_the_lines(store):
    parent = order(lines=[("SKU-A", 1, "30.00"), ("SKU-B", 2, "35.00")])
    for line_nos in ([], [1, 2], [9]):
        with pytest.raises(DomainError) as caught:
            services.split_order_lines(user=None, order=parent, line_nos=line_nos)
        assert caught.value.code == "INVALID_SPLIT"


def test_split_by_warehouse(store):
    # given SKU-A only in WH1 and SKU-B only in WH2
    one, two = warehouse("WH1"), warehouse("WH2")
    stock(sku_obj("SKU-A"), one, 5)
    stock(sku_obj("SKU-B"), two, 5)
    [parent] = reviewed(order(lines=[("SKU-A", 1, "30.00"), ("SKU-B", 1, "60.00")]))
    children = services.split_order_by_warehouse(user=None, order=parent)
    assert {(child.warehouse.code, child.lines.get().sku_code) for child in children} == {
        ("WH1", "SKU-A"), ("WH2", "SKU-B")}
    assert all(child.status == OrderStatus.REVIEWED for child in children)
    assert sum(child.paid_amount for child in children) == fresh(parent).paid_amount
    # and each child allocates in its own warehouse
    results = services.allocate_orders(user=None, orders=children)
    assert sorted(r.warehouse for r in results) == ["WH1", "WH2"]


def test_split_by_warehouse_with_one_warehouse_is_refused(store):
    wh = warehouse("WH1")
    stock(sku_obj("SKU-A"), wh, 5)
    stock(sku_obj("SKU-B"), wh, 5)
    parent = order(lines=[("SKU-A", 1, "30.00"), ("SKU-B", 1, "60.00")])
    with pytest.raises(DomainError) as caught:
        services.split_order_by_warehouse(user=None, order=parent)
    assert caught.value.code == "INVALID_SPLIT"

"""Allocation: store default warehouse, then the first with full availability; out of stock holds;
cancel releases; bundles reserve their components."""

import pytest

from ecerp.core.models import OutboxEvent
from ecerp.inventory.models import Reservation
from ecerp.sales import services
from ecerp.sales.models import AllocationRule, OrderHold
from ecerp.sales.states import OrderStatus
from tests.sales.orderflow import balance, bundle, fresh, order, reviewed, shop, sku, stock, warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    a, b, c = warehouse("WH-A"), warehouse("WH-B"), warehouse("WH-C")
    item = sku("SKU-A")
    store = shop(warehouse=b)
    return {"a": a, "b": b, "c": c, "item": item, "store": store}


def test_store_default_warehouse_first(setup):
    # given stock in A and in the store's default B
    stock(setup["item"], setup["a"], 5)
    stock(setup["item"], setup["b"], 5)
    [item] = reviewed(order(lines=[("SKU-A", 2, "45.00")]))
    # when allocated
    [result] = services.allocate_orders(user=None, orders=[item])
    # then B is chosen and 2 are reserved there
    assert result.outcome == "allocated" and result.warehouse == "WH-B"
    item = fresh(item)
    assert item.status == OrderStatus.ALLOCATED and item.warehouse == setup["b"]
    assert balance(setup["item"], setup["b"]) == (5, 2) and balance(setup["item"], setup["a"]) == (5, 0)
    assert OutboxEvent.objects.filter(event_type="OrderAllocated", payload__warehouse="WH-B").count() == 1


def test_first_warehouse_with_full_availability(setup):
    # given the default B short, A partly stocked and C full
    stock(setup["item"], setup["b"], 1)
    stock(setup["item"], setup["a"], 2)
    stock(setup["item"], setup["c"], 3)
    [item] = reviewed(order(lines=[("SKU-A", 3, "30.00")]))
    [result] = services.allocate_orders(user=None, orders=[item])
    assert result.warehouse == "WH-C"


def test_allocation_rules_set_the_order(setup):
    # given rules preferring C over A (after the default B, which has nothing)
    stock(setup["item"], setup["a"], 3)
    stock(setup["item"], setup["c"], 3)
    AllocationRule.objects.create(store=setup["store"], warehouse=setup["c"], priority=1)
    AllocationRule.objects.create(store=setup["store"], warehouse=setup["a"], priority=2)
    [item] = reviewed(order())
    [result] = services.allocate_orders(user=None, orders=[item])
    assert result.warehouse == "WH-C"


def test_out_of_stock_stays_reviewed_with_a_hold_reason(setup):
    stock(setup["item"], setup["b"], 1)
    [item] = reviewed(order(lines=[("SKU-A", 2, "45.00")]))
    [result] = services.allocate_orders(user=None, orders=[item])
    assert result.outcome == "out_of_stock"
    item = fresh(item)
    assert item.status == OrderStatus.REVIEWED and "缺货" in item.hold_reason and "SKU-A" in item.hold_reason
    assert OrderHold.objects.get(order=item, active=True).kind == "stock"
    assert not Reservation.objects.filter(reference_id=str(item.pk)).exists()
    # when stock arrives the next allocation succeeds and closes the stock hold
    stock(setup["item"], setup["b"], 1)
    [result] = services.allocate_orders(user=None, orders=[item])
    assert result.outcome == "allocated"
    assert fresh(item).hold_reason == "" and not OrderHold.objects.filter(order=item, active=True).exists()


def test_last_units_go_to_the_first_order_only(setup):
    stock(setup["item"], setup["b"], 2)
    first, second = reviewed(order(lines=[("SKU-A", 2, "45.00")]), order(lines=[("SKU-A", 2, "45.00")]))
    results = services.allocate_orders(user=None, orders=[second, first])
    assert [r.outcome for r in results] == ["allocated", "out_of_stock"]  # in primary-key order
    assert balance(setup["item"], setup["b"]) == (2, 2)


def test_only_reviewed_orders_are_allocated(setup):
    stock(setup["item"], setup["b"], 5)
    item = order()
    [result] = services.allocate_orders(user=None, orders=[item])
    assert result.outcome == "skipped" and fresh(item).status == OrderStatus.RECEIVED


def test_cancel_releases_the_reservation(setup, admin_user):
    stock(setup["item"], setup["b"], 5)
    [item] = reviewed(order(lines=[("SKU-A", 3, "30.00")]))
    services.allocate_orders(user=None, orders=[item])
    assert balance(setup["item"], setup["b"]) == (5, 3)
    services.cancel_order(user=admin_user, order=fresh(item), reason="买家取消")
    assert fresh(item).status == OrderStatus.CANCELLED
    assert balance(setup["item"], setup["b"]) == (5, 0)


def test_platform_refund_before_shipping_releases(setup, django_capture_on_commit_callbacks):
    # given an allocated order
    stock(setup["item"], setup["b"], 5)
    item = order(order_no="R1")
    [item] = reviewed(item)
    services.allocate_orders(user=None, orders=[item])
    # when the platform sends a version refunded before shipping
    from tests.sales.helpers import record
    with django_capture_on_commit_callbacks(execute=True):
        services.ingest_orders(user=None, source="api", records=[
            record("R1", "TM01", status="未发货，退款成功", updated="2024-05-02 10:00:00")])
    # then the order is cancelled and the stock is free again
    assert fresh(item).status == OrderStatus.CANCELLED
    assert balance(setup["item"], setup["b"]) == (5, 0)


def test_manual_hold_releases_the_reservation(setup, admin_user):
    stock(setup["item"], setup["b"], 5)
    [item] = reviewed(order())
    services.allocate_orders(user=None, orders=[item])
    services.hold_order(user=admin_user, order=item, reason="地址待确认")
    assert balance(setup["item"], setup["b"]) == (5, 0)


def test_bundle_orders_reserve_components(setup):
    # given a bundle of 2 x SKU-A and 1 x SKU-C mapped by its code
    part = sku("SKU-C")
    bundle("BOX", [(setup["item"], 2), (part, 1)])
    stock(setup["item"], setup["b"], 10)
    stock(part, setup["b"], 10)
    [item] = reviewed(order(lines=[("BOX", 3, "30.00"), ("SKU-A", 1, "10.00")]))
    [result] = services.allocate_orders(user=None, orders=[item])
    assert result.outcome == "allocated"
    assert balance(setup["item"], setup["b"]) == (10, 7) and balance(part, setup["b"]) == (10, 3)


def test_a_shipped_parcel_ships_its_allocated_order(setup):
    # given an allocated order
    from ecerp.sales.services.orders import ship_on_shipment
    stock(setup["item"], setup["b"], 5)
    [item] = reviewed(order())
    services.allocate_orders(user=None, orders=[item])
    payload = {"reference_type": "sales_order", "reference_id": str(item.pk), "shipment_code": "FH1",
               "waybill_no": "SF123"}
    # when inventory reports its parcel shipped (twice: delivery is at least once)
    ship_on_shipment([payload])
    ship_on_shipment([payload])
    # then the order is shipped, once
    assert fresh(item).status == OrderStatus.SHIPPED
    # and a parcel of another document type is ignored
    ship_on_shipment([{**payload, "reference_type": "other"}])


def test_an_order_without_products_is_never_allocated(setup):
    stock(setup["item"], setup["b"], 5)
    [item] = reviewed(order())
    item.lines.update(product=None)
    [result] = services.allocate_orders(user=None, orders=[item])
    assert result.outcome == "out_of_stock" and fresh(item).status == OrderStatus.REVIEWED


def test_a_defective_warehouse_is_never_allocated_from(setup):
    # given the only stock sits in a defective warehouse (damaged returns) that is even listed in the rules
    from ecerp.masterdata.models import Warehouse
    Warehouse.objects.filter(pk=setup["c"].pk).update(type="defective")
    stock(setup["item"], setup["c"], 5)
    AllocationRule.objects.create(store=setup["store"], warehouse=setup["c"], priority=1)
    [item] = reviewed(order())
    # when allocated, nothing is reserved there
    [result] = services.allocate_orders(user=None, orders=[item])
    assert result.outcome == "out_of_stock"
    assert balance(setup["item"], setup["c"]) == (5, 0)

"""A later platform version of a reviewed, held or allocated order: harmless changes keep its state;
changes of lines, address, remarks, amounts or refund status send it back to review and release its
stock (and cancel its unshipped parcel) in the same transaction."""

import pytest

from ecerp.inventory.models import Reservation, Shipment
from ecerp.inventory.states import ReservationStatus, ShipmentStatus
from ecerp.sales import services
from ecerp.sales.states import OrderStatus
from tests.sales.helpers import record
from tests.sales.orderflow import balance, fresh, order, reviewed, rule, shop, sku, stock, warehouse

pytestmark = pytest.mark.django_db

LINES = [{"sku_code": "SKU-A", "title": "SKU-A", "quantity": 2, "unit_price": "45.00"}]


@pytest.fixture
def allocated():
    wh = warehouse("WH-A")
    item = sku("SKU-A")
    shop(warehouse=wh)
    stock(item, wh, 5)
    [made] = reviewed(order(lines=[("SKU-A", 2, "45.00")], order_no="V1"))
    [result] = services.allocate_orders(user=None, orders=[made])
    assert result.outcome == "allocated"
    return {"order": fresh(made), "item": item, "wh": wh}


def deliver(**fields):
    raw = record("V1", lines=LINES, **{"updated": "2024-05-02 10:00:00", **fields})
    [result] = services.ingest_orders(user=None, source="api", records=[raw]).results
    return result


def test_a_platform_status_change_keeps_an_allocated_order_allocated(allocated):
    # when the platform only reports another status text and a later update time
    result = deliver(status="卖家已发货准备中")
    # then the order is updated but stays allocated with its reservation
    assert result.outcome == "updated"
    item = fresh(allocated["order"])
    assert item.status == OrderStatus.ALLOCATED and item.platform_status == "卖家已发货准备中"
    assert balance(allocated["item"], allocated["wh"]) == (5, 2)


def test_an_address_change_sends_it_back_to_review_and_releases_the_stock(allocated):
    # given a parcel already created for the allocated order
    [made] = services.create_order_shipments(user=None, orders=[allocated["order"]])
    assert made.outcome == "created"
    # when the buyer changes the address on the platform
    result = deliver(address="文一路99号")
    # then the order is received again, its reservation released and its parcel cancelled
    assert result.outcome == "updated"
    item = fresh(allocated["order"])
    assert item.status == OrderStatus.RECEIVED and item.address == "文一路99号"
    assert balance(allocated["item"], allocated["wh"]) == (5, 0)
    assert not Reservation.objects.filter(reference_id=str(item.pk), status=ReservationStatus.ACTIVE).exists()
    assert Shipment.objects.get(reference_id=str(item.pk)).status == ShipmentStatus.CANCELLED
    # and it can be reviewed, allocated and handed to the warehouse again
    reviewed(item)
    [again] = services.allocate_orders(user=None, orders=[item])
    assert again.outcome == "allocated" and balance(allocated["item"], allocated["wh"]) == (5, 2)
    [parcel] = services.create_order_shipments(user=None, orders=[fresh(item)])
    assert parcel.outcome == "created"


def test_a_new_buyer_remark_sends_a_reviewed_order_back(allocated):
    result = deliver(buyer_remark="请改发顺丰")
    assert result.outcome == "updated"
    assert fresh(allocated["order"]).status == OrderStatus.RECEIVED
    assert balance(allocated["item"], allocated["wh"]) == (5, 0)


def test_a_held_order_stays_held_on_a_harmless_change():
    wh = warehouse("WH-A")
    sku("SKU-A")
    shop(warehouse=wh)
    rule("remark_present")
    [made] = reviewed(order(lines=[("SKU-A", 2, "45.00")], order_no="V1", buyer_remark="要礼盒"))
    assert made.status == OrderStatus.HELD
    deliver(buyer_remark="要礼盒", status="等待发货")
    item = fresh(made)
    assert item.status == OrderStatus.HELD and item.hold_reason == made.hold_reason


def test_cancelling_by_hand_cancels_the_unshipped_parcel(allocated):
    [made] = services.create_order_shipments(user=None, orders=[allocated["order"]])
    services.cancel_order(user=None, order=allocated["order"], reason="客户要求")
    item = fresh(allocated["order"])
    assert item.status == OrderStatus.CANCELLED and balance(allocated["item"], allocated["wh"]) == (5, 0)
    assert Shipment.objects.get(code=made.shipment_code).status == ShipmentStatus.CANCELLED

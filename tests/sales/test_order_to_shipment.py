"""Order to shipment: ingest, review, allocate, parcel, scan check, ship; the order ends shipped."""

import pytest

from ecerp.core.events import deliver_pending
from ecerp.core.models import OutboxEvent
from ecerp.inventory import services as inventory
from ecerp.inventory.models import Shipment
from ecerp.sales import services
from ecerp.sales.states import OrderStatus
from tests.inventory.shipment_helpers import fresh_carrier  # noqa: F401 (autouse: a new simulated carrier)
from tests.sales.orderflow import balance, fresh, order, shop, sku, stock, warehouse

pytestmark = pytest.mark.django_db


def test_an_order_travels_from_ingest_to_shipped():
    # given a store whose default warehouse holds 5 units of SKU-A
    wh = warehouse("WH1")
    shop("TM01", warehouse=wh)
    item = sku("SKU-A", barcode="6901234567892")
    stock(item, wh, 5)
    # when an order for 2 units is ingested, reviewed and allocated
    placed = order(lines=(("SKU-A", 2, "50.00"),))
    services.review_orders(user=None, orders=[placed])
    services.allocate_orders(user=None, orders=[fresh(placed)])
    assert fresh(placed).status == OrderStatus.ALLOCATED and balance(item, wh) == (5, 2)
    # and its parcel is created, scanned and shipped
    [result] = services.create_order_shipments(user=None, orders=[fresh(placed)])
    assert result.outcome == "created", result.errors
    parcel = Shipment.objects.get(code=result.shipment_code)
    assert parcel.consignee_name == "张三" and "西湖区" in parcel.consignee_address
    for _unit in range(2):
        inventory.scan_item(user=None, shipment=parcel, barcode="6901234567892")
    inventory.ship_shipment(user=None, shipment=Shipment.objects.get(pk=parcel.pk), carrier_code="SIM")
    deliver_pending()
    # then the stock left the warehouse and the order is shipped
    assert balance(item, wh) == (3, 0)
    assert fresh(placed).status == OrderStatus.SHIPPED
    assert OutboxEvent.objects.filter(event_type="ShipmentShipped", delivered_at__isnull=False).exists()


def test_only_allocated_orders_get_a_parcel_and_only_once():
    # given one allocated order and one that is only received
    wh = warehouse("WH1")
    shop("TM01", warehouse=wh)
    item = sku("SKU-A")
    stock(item, wh, 5)
    allocated = order(lines=(("SKU-A", 1, "50.00"),))
    services.review_orders(user=None, orders=[allocated])
    services.allocate_orders(user=None, orders=[fresh(allocated)])
    waiting = order(lines=(("SKU-A", 1, "50.00"),))
    # when parcels are asked for both, twice
    first = services.create_order_shipments(user=None, orders=[fresh(allocated), fresh(waiting)])
    second = services.create_order_shipments(user=None, orders=[fresh(allocated)])
    # then the allocated order gets one parcel; the other is refused, naming why
    assert [r.outcome for r in first] == ["created", "failed"]
    assert first[1].errors[0].code == "NOT_ALLOCATED"
    assert second[0].errors[0].code == "SHIPMENT_EXISTS"
    assert Shipment.objects.count() == 1

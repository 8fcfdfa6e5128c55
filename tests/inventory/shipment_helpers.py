"""Helpers of the fulfilment tests: a reserved source order and its parcel, scanned and shipped."""

from __future__ import annotations

import pytest

from ecerp.inventory import services
from ecerp.inventory.services import Consignee, ReserveLine
from tests.inventory.helpers import receive

CONSIGNEE = Consignee(name="张三", phone="13812345678", address="上海市浦东新区世纪大道100号8楼")


def reserved_shipment(lines, wh, reference="SO1", user=None, store=None, stock=True, cost="10"):
    """Receive (when stock), reserve lines [(product, qty)] for order `reference`, create its shipment."""
    for product, quantity in lines:
        if stock:
            receive(product, wh, quantity, unit_cost=cost)
    services.reserve_stock(user=user, reference_type="sales.order", reference_id=reference,
                           reference_code=reference, lines=[ReserveLine(p, wh, q) for p, q in lines])
    return services.create_shipment(user=user, reference_type="sales.order", reference_id=reference,
                                     reference_code=reference, warehouse=wh, lines=lines, consignee=CONSIGNEE,
                                     store=store)


def scan_all(shipment, user=None):
    result = None
    for line in shipment.lines.select_related("product"):
        for _unit in range(line.quantity - line.scanned_quantity):
            result = services.scan_item(user=user, shipment=shipment, barcode=line.product.barcode or line.product.code)
    shipment.refresh_from_db()
    return result


@pytest.fixture(autouse=True)
def fresh_carrier():
    """A new simulated carrier per test (its tracking state lives in memory)."""
    from ecerp.inventory.carriers import SimulatedCarrier, register_carrier

    return register_carrier(SimulatedCarrier())

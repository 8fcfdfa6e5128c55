"""Helpers of the after-sales tests: an order ingested, reviewed, allocated, packed and shipped for real."""

from __future__ import annotations

from decimal import Decimal

from ecerp.core.events import deliver_pending
from ecerp.inventory import services as inventory
from ecerp.inventory.models import Shipment, StockBalance
from ecerp.masterdata.models import Warehouse, WarehouseType
from ecerp.sales import services as sales
from ecerp.sales.models import SalesOrder
from tests.sales.orderflow import fresh, order, shop, sku, stock, warehouse


def setup_shop(on_hand=10, cost="10"):
    """A store TM01 whose default warehouse WH1 holds on_hand units of SKU-A and SKU-B (at cost)."""
    wh = warehouse("WH1")
    shop("TM01", warehouse=wh)
    items = []
    for code in ("SKU-A", "SKU-B"):
        item = sku(code, barcode=f"69{code[-1]}")
        inventory.receive_stock(user=None, lines=[inventory.MoveLine(product=item, warehouse=wh, quantity=on_hand,
                                                                     unit_cost=Decimal(cost))])
        items.append(item)
    return wh, items


def defective_warehouse(code="CP1"):
    wh = warehouse(code, name="次品仓")
    Warehouse.objects.filter(pk=wh.pk).update(type=WarehouseType.DEFECTIVE)
    wh.refresh_from_db()
    return wh


def allocated_order(lines=(("SKU-A", 2, "50.00"),), **fields) -> SalesOrder:
    placed = order(lines=lines, **fields)
    sales.review_orders(user=None, orders=[placed])
    sales.allocate_orders(user=None, orders=[fresh(placed)])
    return fresh(placed)


def parcel_of(placed: SalesOrder) -> Shipment | None:
    return Shipment.objects.filter(reference_type="sales_order", reference_id=str(placed.pk)).order_by("-id").first()


def ship(parcel: Shipment) -> Shipment:
    for line in parcel.lines.select_related("product"):
        for _unit in range(line.quantity - line.scanned_quantity):
            inventory.scan_item(user=None, shipment=parcel, barcode=line.product.barcode or line.product.code)
    inventory.ship_shipment(user=None, shipment=Shipment.objects.get(pk=parcel.pk), carrier_code="SIM")
    deliver_pending()
    return Shipment.objects.get(pk=parcel.pk)


def shipped_order(lines=(("SKU-A", 2, "50.00"),), **fields) -> SalesOrder:
    """An order that went all the way: ingest, review, allocate, parcel, scan, ship."""
    placed = allocated_order(lines, **fields)
    [result] = sales.create_order_shipments(user=None, orders=[placed])
    assert result.outcome == "created", result.errors
    ship(parcel_of(placed))
    placed = fresh(placed)
    assert placed.status == "shipped"
    return placed


def balance(item, wh) -> tuple[int, int]:
    row = StockBalance.objects.filter(product=item, warehouse=wh).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


__all__ = ["allocated_order", "balance", "defective_warehouse", "fresh", "parcel_of", "setup_shop", "ship",
           "shipped_order", "sku", "stock"]

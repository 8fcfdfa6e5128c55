"""Helpers of the review, allocation and merge tests: orders through ingest, stock through inventory."""

from __future__ import annotations

import itertools
from decimal import Decimal

from ecerp.inventory import services as inventory
from ecerp.inventory.models import StockBalance
from ecerp.inventory.services import MoveLine
from ecerp.masterdata import services as masterdata
from ecerp.masterdata.models import Store
from ecerp.sales import services
from ecerp.sales.models import ReviewRule, SalesOrder
from tests.core.factories import make_warehouse
from tests.sales.helpers import product, record, store

_numbers = itertools.count(1)


def shop(code="TM01", warehouse=None, **data):
    made = store(code=code, **data)
    if warehouse is not None:
        Store.objects.filter(pk=made.pk).update(default_warehouse=warehouse)
        made.refresh_from_db()
    return made


def warehouse(code, name=None):
    return make_warehouse(name=name or code, code=code)


def sku(code, **data):
    return product(code, **data)


def bundle(code, components):
    box = product(code)
    masterdata.set_bundle_components(user=None, bundle=box, components=list(components))
    box.refresh_from_db()
    return box


def stock(item, wh, quantity):
    inventory.receive_stock(user=None, lines=[MoveLine(product=item, warehouse=wh, quantity=quantity,
                                                       unit_cost=Decimal("10"))])


def balance(item, wh) -> tuple[int, int]:
    row = StockBalance.objects.filter(product=item, warehouse=wh).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


def order(store_code="TM01", lines=(("SKU-A", 1, "100.00"),), order_no=None, **fields) -> SalesOrder:
    """Ingest one order (the real way in) and return it."""
    order_no = order_no or f"P{next(_numbers)}"
    raw = record(order_no, store_code, lines=[{"sku_code": code, "title": code, "quantity": quantity,
                                               "unit_price": price} for code, quantity, price in lines], **fields)
    result = services.ingest_orders(user=None, source="api", records=[raw])
    assert result.results[0].order_id, result.results[0].errors
    return SalesOrder.objects.get(pk=result.results[0].order_id)


def rule(kind, action="hold", priority=100, **parameters):
    return services.save_review_rule(user=None, name=kind, kind=kind, parameters=parameters, action=action,
                                     priority=priority)


def fresh(item: SalesOrder) -> SalesOrder:
    return SalesOrder.objects.get(pk=item.pk)


def reviewed(*items):
    services.review_orders(user=None, orders=list(items))
    return [fresh(item) for item in items]


__all__ = ["ReviewRule", "balance", "bundle", "fresh", "order", "reviewed", "rule", "shop", "sku", "stock",
           "warehouse"]

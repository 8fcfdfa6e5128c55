"""Helpers of the inventory tests: stock in and out through the services, balances as plain tuples."""

from __future__ import annotations

from decimal import Decimal

from ecerp.inventory import services
from ecerp.inventory.models import StockBalance
from ecerp.inventory.services import MoveLine, ReserveLine
from tests.core.factories import make_product, make_warehouse


def sku(name="面霜", **data):
    return make_product(name=name, **data)


def warehouse(name="上海仓", **data):
    return make_warehouse(name=name, **data)


def receive(product, wh, quantity, unit_cost="10", user=None, **kwargs):
    return services.receive_stock(user=user, lines=[
        MoveLine(product=product, warehouse=wh, quantity=quantity, unit_cost=Decimal(unit_cost))], **kwargs)


def issue(product, wh, quantity, user=None, **kwargs):
    return services.issue_stock(user=user, lines=[MoveLine(product=product, warehouse=wh, quantity=quantity)],
                                **kwargs)


def reserve(product, wh, quantity, reference="SO1", user=None):
    return services.reserve_stock(user=user, reference_type="test.order", reference_id=reference,
                                  lines=[ReserveLine(product, wh, quantity)])


def balance(product, wh) -> tuple:  # product and wh may be ids
    """(on_hand, reserved, value, avg_cost) of one SKU in one warehouse; zeros when it has no row."""
    row = StockBalance.objects.filter(product=product, warehouse=wh).first()
    if row is None:
        return (0, 0, Decimal("0"), Decimal("0"))
    return (row.on_hand, row.reserved, row.value, row.avg_cost)


def bundle(components, name="礼盒"):
    """A bundle of (component, quantity) pairs."""
    from ecerp.masterdata import services as masterdata_services

    box = make_product(name=name)
    masterdata_services.set_bundle_components(user=None, bundle=box, components=list(components))
    box.refresh_from_db()
    return box

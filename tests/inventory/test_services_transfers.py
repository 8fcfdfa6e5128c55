"""Transfers: draft -> shipped (in transit) -> received, at the source's moving average."""

import re
from decimal import Decimal

import pytest

from ecerp.core.errors import DomainError
from ecerp.core.models import OutboxEvent
from ecerp.inventory import queries, services
from tests.inventory.helpers import balance, receive, sku, warehouse

pytestmark = pytest.mark.django_db


def test_goods_leave_on_ship_are_in_transit_and_arrive_at_the_value_they_left_with(admin_user):
    # given 10 units in the normal warehouse at 10 and 10 in the bonded one at 20
    product = sku()
    normal, bonded = warehouse("上海仓"), warehouse("保税仓", type="bonded")
    receive(product, normal, 10, "10")
    receive(product, bonded, 10, "20")
    transfer = services.create_transfer(user=admin_user, from_warehouse=normal, to_warehouse=bonded,
                                        lines=[{"product": product, "quantity": 4}])
    assert re.fullmatch(r"DB\d{12}", transfer.code)
    # when it ships
    services.ship_transfer(user=admin_user, transfer=transfer)
    # then the goods have left the source at its average and are in transit
    assert balance(product, normal)[:3] == (6, 0, Decimal("60.00"))
    assert balance(product, bonded)[0] == 10
    transit = queries.in_transit(user=admin_user)
    assert [(row["product_id"], row["transfer__to_warehouse_id"], row["quantity"]) for row in transit] == [
        (product.pk, bonded.pk, 4)]
    assert transfer.lines.get().value == Decimal("40.00")
    # when it is received
    services.receive_transfer(user=admin_user, transfer=transfer)
    # then the destination holds them at the value they left with, blended into its own average
    assert balance(product, bonded) == (14, 0, Decimal("240.00"), Decimal("17.142857"))
    assert queries.in_transit(user=admin_user) == []
    stages = [e.payload["stage"] for e in OutboxEvent.objects.filter(event_type="StockTransferred").order_by("id")]
    assert stages == ["shipped", "received"]
    # and receiving again changes nothing
    services.receive_transfer(user=admin_user, transfer=transfer)
    assert balance(product, bonded)[0] == 14


def test_a_transfer_short_of_stock_does_not_ship():
    product, source, target = sku(), warehouse("A仓"), warehouse("B仓")
    receive(product, source, 1)
    transfer = services.create_transfer(user=None, from_warehouse=source, to_warehouse=target,
                                        lines=[{"product": product, "quantity": 2}])
    with pytest.raises(DomainError) as error:
        services.ship_transfer(user=None, transfer=transfer)
    assert error.value.code == "INSUFFICIENT_STOCK"
    transfer.refresh_from_db()
    assert transfer.status == "draft" and balance(product, source)[0] == 1


def test_transfer_rules():
    product, source, target = sku(), warehouse("A仓"), warehouse("B仓")
    with pytest.raises(DomainError) as error:
        services.create_transfer(user=None, from_warehouse=source, to_warehouse=source)
    assert error.value.code == "SAME_WAREHOUSE"
    transfer = services.create_transfer(user=None, from_warehouse=source, to_warehouse=target)
    with pytest.raises(DomainError) as error:
        services.ship_transfer(user=None, transfer=transfer)
    assert error.value.code == "NO_LINES"
    with pytest.raises(DomainError) as error:
        services.receive_transfer(user=None, transfer=transfer)
    assert error.value.code == "INVALID_TRANSITION"
    line = services.add_transfer_line(user=None, transfer=transfer, product=product, quantity=1)
    services.remove_transfer_line(user=None, line=line)
    services.cancel_transfer(user=None, transfer=transfer)
    with pytest.raises(DomainError) as error:
        services.add_transfer_line(user=None, transfer=transfer, product=product, quantity=1)
    assert error.value.code == "NOT_DRAFT"


def test_a_shipped_transfer_cannot_be_cancelled():
    product, source, target = sku(), warehouse("A仓"), warehouse("B仓")
    receive(product, source, 1)
    transfer = services.create_transfer(user=None, from_warehouse=source, to_warehouse=target,
                                        lines=[{"product": product, "quantity": 1}])
    services.ship_transfer(user=None, transfer=transfer)
    with pytest.raises(DomainError) as error:
        services.cancel_transfer(user=None, transfer=transfer)
    assert error.value.code == "INVALID_TRANSITION"

"""PostgreSQL: parallel partial cancellations of one order queue on its row lock; stock and amounts add up."""

from decimal import Decimal

import pytest

from ecerp.inventory.models import Reservation, StockBalance
from ecerp.inventory.services import check_stock_balances
from ecerp.sales import services
from ecerp.sales.models import SalesOrder
from ecerp.sales.states import OrderStatus
from tests.sales.orderflow import fresh, order, reviewed, shop, sku, stock, warehouse
from tests.sales.test_allocation_postgres import _in_parallel


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_partial_cancellations_of_one_order_add_up():
    # given an allocated order of 4 lines (1 unit of SKU-0..SKU-3 at 10.00 each) and 10 units of each in stock
    wh = warehouse("WH-1")
    shop(warehouse=wh)
    items = [sku(f"SKU-{n}") for n in range(4)]
    for item in items:
        stock(item, wh, 10)
    [placed] = reviewed(order(lines=[(f"SKU-{n}", 1, "10.00") for n in range(4)], paid_amount="40.00"))
    services.allocate_orders(user=None, orders=[placed])
    assert fresh(placed).status == OrderStatus.ALLOCATED

    # when 3 connections each cancel one of lines 1..3 at the same moment
    _in_parallel(lambda n: services.cancel_order_lines(user=None, order=placed, lines=[(n + 1, 1)],
                                                       reason=f"退款 {n}").status, count=3)

    # then line 4 is left, still allocated, the only reservation; the parts add up to the order as sent
    placed = fresh(placed)
    assert placed.status == OrderStatus.ALLOCATED
    assert [line.line_no for line in placed.lines.all()] == [4]
    assert placed.goods_amount == Decimal("10.00") and placed.paid_amount == Decimal("10.00")
    parts = SalesOrder.objects.filter(split_from=placed)
    assert parts.count() == 3 and len({part.platform_order_no for part in parts}) == 3
    assert sum(part.goods_amount for part in parts) == Decimal("30.00")
    active = Reservation.objects.filter(status="active", reference_id=str(placed.pk))
    assert [(row.product_id, row.quantity) for row in active] == [(items[3].pk, 1)]
    assert [StockBalance.objects.get(product=item, warehouse=wh).reserved for item in items] == [0, 0, 0, 1]
    assert check_stock_balances() == []

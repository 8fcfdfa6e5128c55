"""PostgreSQL: parallel allocators fight for the last units; reserved never exceeds on hand."""

import threading

import pytest
from django.db import connection

from ecerp.inventory.models import Reservation, StockBalance
from ecerp.inventory.services import check_stock_balances
from ecerp.sales import services
from ecerp.sales.states import OrderStatus
from tests.sales.orderflow import fresh, order, reviewed, shop, sku, stock, warehouse

WORKERS = 10


def _in_parallel(work, count=WORKERS):
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def target(n):
        try:
            barrier.wait()
            results[n] = work(n)
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_allocations_never_oversell():
    # given 4 units in two warehouses (3 + 1) and 10 reviewed orders of 1 unit each
    item, main, spare = sku("SKU-A"), warehouse("WH-1"), warehouse("WH-2")
    shop(warehouse=main)
    stock(item, main, 3)
    stock(item, spare, 1)
    orders = reviewed(*[order() for _ in range(WORKERS)])

    # when 10 connections allocate one order each at the same moment
    results = _in_parallel(lambda n: services.allocate_orders(user=None, orders=[orders[n]])[0].outcome)

    # then exactly 4 orders got stock, the others stay reviewed out of stock, nothing oversold
    assert results.count("allocated") == 4 and results.count("out_of_stock") == WORKERS - 4
    for wh in (main, spare):
        balance = StockBalance.objects.get(product=item, warehouse=wh)
        assert balance.reserved == balance.on_hand
    assert sum(Reservation.objects.filter(status="active").values_list("quantity", flat=True)) == 4
    assert [fresh(o).status for o in orders].count(OrderStatus.ALLOCATED) == 4
    assert check_stock_balances() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_orders_allocated_twice_in_parallel_reserve_once():
    item, main = sku("SKU-A"), warehouse("WH-1")
    shop(warehouse=main)
    stock(item, main, 100)
    orders = reviewed(*[order() for _ in range(5)])

    results = _in_parallel(lambda n: [r.outcome for r in services.allocate_orders(user=None, orders=orders)],
                           count=4)

    # each order is allocated by exactly one of the callers
    assert sum(outcomes.count("allocated") for outcomes in results) == 5
    assert StockBalance.objects.get(product=item, warehouse=main).reserved == 5

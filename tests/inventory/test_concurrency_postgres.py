"""PostgreSQL: real parallel connections fight for the last units of a SKU; nobody oversells."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from ecerp.core.errors import DomainError
from ecerp.inventory import services
from ecerp.inventory.models import Reservation, StockBalance
from ecerp.inventory.services import MoveLine, ReserveLine
from tests.inventory.helpers import receive, sku, warehouse

WORKERS = 12


def _in_parallel(work, count=WORKERS):
    """Run work(n) in count threads released at once; each thread closes its own connection."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def target(n):
        try:
            barrier.wait()
            results[n] = work(n)
        except DomainError as error:
            results[n] = error.code
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
def test_parallel_reservations_take_exactly_the_available_units():
    # given 7 units on hand, 2 of them already reserved: 5 available
    product, wh = sku(), warehouse()
    receive(product, wh, 7)
    services.reserve_stock(user=None, reference_type="t", reference_id="first", lines=[ReserveLine(product, wh, 2)])

    # when 12 connections each try to reserve 1 unit for their own order at the same moment
    def reserve_one(n):
        services.reserve_stock(user=None, reference_type="t", reference_id=f"order-{n}",
                               lines=[ReserveLine(product, wh, 1)])
        return "ok"

    results = _in_parallel(reserve_one)
    # then exactly the 5 available units were reserved and the others were told the stock is short
    assert results.count("ok") == 5
    assert results.count("INSUFFICIENT_STOCK") == WORKERS - 5
    balance = StockBalance.objects.get(product=product, warehouse=wh)
    assert (balance.on_hand, balance.reserved) == (7, 7)
    assert sum(Reservation.objects.filter(status="active").values_list("quantity", flat=True)) == 7
    assert services.check_stock_balances() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_multi_line_reservations_in_opposite_orders_neither_deadlock_nor_oversell():
    # given two SKUs with 6 units each
    first, second, wh = sku("A"), sku("B"), warehouse()
    receive(first, wh, 6)
    receive(second, wh, 6)

    # when orders reserve both SKUs, half listing them one way round and half the other
    def reserve_both(n):
        lines = [ReserveLine(first, wh, 1), ReserveLine(second, wh, 1)]
        services.reserve_stock(user=None, reference_type="t", reference_id=f"o{n}",
                               lines=lines if n % 2 else lines[::-1])
        return "ok"

    results = _in_parallel(reserve_both, count=10)
    # then every order got both or neither, and no more than on hand
    assert results.count("ok") == 6 and results.count("INSUFFICIENT_STOCK") == 4
    assert sorted(StockBalance.objects.values_list("reserved", flat=True)) == [6, 6]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_issues_and_receipts_keep_the_ledger_and_the_average_right():
    # given 10 units at 10
    product, wh = sku(), warehouse()
    receive(product, wh, 10, "10")

    # when 8 connections issue 2 units and 4 receive 1 unit at 16, all at once
    def work(n):
        if n < 8:
            services.issue_stock(user=None, lines=[MoveLine(product=product, warehouse=wh, quantity=2)])
        else:
            services.receive_stock(user=None, lines=[MoveLine(product=product, warehouse=wh, quantity=1,
                                                              unit_cost=Decimal("16"))])
        return "ok"

    results = _in_parallel(work)
    # then never more left than there was, and the balance is exactly the ledger's
    issued = results[:8].count("ok")
    balance = StockBalance.objects.get(product=product, warehouse=wh)
    assert balance.on_hand == 10 + 4 - 2 * issued >= 0
    assert services.check_stock_balances() == []

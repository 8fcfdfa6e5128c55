"""PostgreSQL: parallel connections ingesting the same orders end with exactly one order each."""

import threading

import pytest
from django.db import connection

from ecerp.sales import services
from ecerp.sales.models import OrderVersion, SalesOrder, SalesOrderLine
from tests.sales.helpers import product, record, store

WORKERS = 6
ORDERS = 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_ingest_of_the_same_orders_creates_each_once():
    # given a store and the same 40 orders, which six connections deliver at the same moment
    store()
    product("SKU-A")
    records = [record(f"C{n}") for n in range(ORDERS)]
    barrier = threading.Barrier(WORKERS)
    failures = []

    def worker(offset):
        try:
            barrier.wait()
            # each worker delivers them in a different order, so the inserts really collide
            mine = records[offset:] + records[:offset]
            services.ingest_orders(user=None, source="api", records=mine)
        except Exception as error:  # reported below
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n * 7,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then no worker failed, and every order exists exactly once with its line
    assert failures == []
    assert SalesOrder.objects.count() == ORDERS
    assert SalesOrderLine.objects.count() == ORDERS
    assert OrderVersion.objects.filter(outcome="created").count() == ORDERS
    assert OrderVersion.objects.count() == ORDERS * WORKERS

"""PostgreSQL: the same receipt delivered on several connections at once is stored and applied once."""

import threading

import pytest
from django.db import connection

from ecerp.customs.models import CustomsMessage
from ecerp.customs.services.declarations import record_incoming, submit_declaration
from tests.customs.test_declaration_helpers import cross_border_store, declare, filed_product, list_receipt

WORKERS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_receipt_are_one_row():
    # given a submitted declaration and its release receipt
    declaration = declare(None, cross_border_store(), [(filed_product("MILK-1"), 1, "100")])
    submit_declaration(user=None, declaration=declaration)
    raw = list_receipt(declaration, "800")
    barrier = threading.Barrier(WORKERS)
    results, errors = [None] * WORKERS, []

    def work(n):
        try:
            barrier.wait()
            results[n] = record_incoming(raw=raw, source=f"worker-{n}").duplicate
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
        finally:
            connection.close()

    # when four workers record it at the same moment
    threads = [threading.Thread(target=work, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then one stored it, the others were told it was a duplicate, and the declaration moved once
    assert errors == []
    assert sorted(results) == [False] + [True] * (WORKERS - 1)
    assert CustomsMessage.objects.filter(direction="in").count() == 1
    declaration.refresh_from_db()
    assert declaration.status == "released"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_declarations_of_one_order_create_one():
    # given an order
    from ecerp.customs.models import Declaration
    from ecerp.customs.services.declarations import create_declarations
    from tests.customs.test_declaration_helpers import identity, sales_order

    order = sales_order(cross_border_store(), [(filed_product("MILK-1"), 1, "100")])
    barrier = threading.Barrier(WORKERS)
    results, errors = [None] * WORKERS, []

    def work(n):
        try:
            barrier.wait()
            results[n] = create_declarations(user=None, orders=[order], identities={order.pk: identity()})[0].pk
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
        finally:
            connection.close()

    # when four callers declare it at the same moment
    threads = [threading.Thread(target=work, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then one declaration exists and every caller got it
    assert errors == []
    assert Declaration.objects.count() == 1 and set(results) == {Declaration.objects.get().pk}

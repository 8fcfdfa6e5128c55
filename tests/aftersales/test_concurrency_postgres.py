"""PostgreSQL: concurrent receipts of returns and concurrent refunds never pass what was shipped or paid."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from ecerp.aftersales import services
from ecerp.aftersales.models import AfterSalesCase, LineReturnTotal, OrderRefundTotal
from ecerp.aftersales.services import CaseLineInput, ReceiveLineInput
from ecerp.core.errors import DomainError
from ecerp.inventory.services import check_stock_balances
from tests.aftersales.flow import balance, setup_shop, shipped_order

WORKERS = 4


def _in_parallel(work, count=WORKERS):
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
def test_concurrent_return_receipts_never_exceed_the_shipped_quantity():
    # given a shipped order of 3 units and 4 approved return cases of 2 units each
    wh, (item, _other) = setup_shop()
    order = shipped_order(lines=(("SKU-A", 3, "30.00"),), paid_amount="90.00")
    cases = []
    for _n in range(WORKERS):
        case = services.create_case(user=None, order=order, type="exchange", lines=[CaseLineInput(1, 2)])
        cases.append(services.approve_case(user=None, case=case))
    # when the 4 receipts run at the same moment on 4 connections
    results = _in_parallel(lambda n: services.receive_return(
        user=None, case=cases[n], lines=[ReceiveLineInput(1, sellable=2)]).status)
    # then exactly one got in; the others were refused as over-return and moved nothing
    assert sorted(results) == ["OVER_RETURN"] * (WORKERS - 1) + ["received"]
    assert LineReturnTotal.objects.get(order_line__order=order).returned_quantity == 2
    assert AfterSalesCase.objects.filter(status="received").count() == 1
    assert balance(item, wh) == (9, 0)
    assert check_stock_balances() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_never_exceed_what_was_paid():
    # given a shipped order paid 90.00 and 4 approved refund-only cases of 30.00 each, written past the
    # open-case check (as if they had come in before the others were known)
    setup_shop()
    order = shipped_order(lines=(("SKU-A", 3, "30.00"),), paid_amount="90.00")
    cases = []
    for _n in range(WORKERS):
        case = services.create_case(user=None, order=order, type="refund_only", refund_amount="0",
                                    lines=[CaseLineInput(1, 1)])
        AfterSalesCase.objects.filter(pk=case.pk).update(refund_amount=Decimal("30.00"))
        cases.append(services.approve_case(user=None, case=case))
    # when they are refunded at once
    results = _in_parallel(lambda n: services.refund_case(user=None, case=cases[n]).status)
    # then three are paid and the fourth is refused
    assert sorted(results) == ["OVER_REFUND"] + ["refunded"] * 3
    assert OrderRefundTotal.objects.get(order=order).refunded_amount == Decimal("90.00")

"""Balances are a cache of the ledger: the check finds every difference and the rebuild fixes it."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ecerp.inventory import services
from ecerp.inventory.models import StockBalance
from tests.inventory.helpers import balance, issue, receive, reserve, sku, warehouse

pytestmark = pytest.mark.django_db


def _some_activity():
    cream, lotion, first, second = sku("面霜"), sku("乳液"), warehouse("A仓"), warehouse("B仓")
    receive(cream, first, 10, "3.333333")
    receive(cream, first, 5, "4")
    issue(cream, first, 14)
    receive(lotion, second, 3, "7")
    reserve(lotion, second, 2)
    transfer = services.create_transfer(user=None, from_warehouse=second, to_warehouse=first,
                                        lines=[{"product": lotion, "quantity": 1}])
    services.ship_transfer(user=None, transfer=transfer)
    services.receive_transfer(user=None, transfer=transfer)
    return cream, lotion, first, second


def test_after_normal_work_the_check_finds_no_difference():
    _some_activity()
    assert services.check_stock_balances() == []


def test_a_tampered_balance_is_found_and_rebuilt():
    cream, lotion, first, second = _some_activity()
    before = balance(lotion, second)
    # given balances changed behind the ledger's back
    StockBalance.objects.filter(product=lotion, warehouse=second).update(on_hand=9, value=Decimal("1.00"),
                                                                           reserved=0)
    StockBalance.objects.filter(product=cream, warehouse=first).delete()
    # when checked
    differences = services.check_stock_balances()
    fields = sorted((d.product_id, d.field) for d in differences)
    assert (lotion.pk, "on_hand") in fields and (lotion.pk, "reserved") in fields and (lotion.pk, "value") in fields
    assert (cream.pk, "on_hand") in fields
    # when rebuilt
    fixed = services.rebuild_stock_balances()
    # then the balances are what they were and the check is clean
    assert len(fixed) == len(differences)
    assert balance(lotion, second) == before
    assert balance(cream, first)[0] == 1
    assert services.check_stock_balances() == []


def test_the_command_checks_and_rebuilds():
    _cream, lotion, _first, second = _some_activity()
    out = StringIO()
    call_command("rebuild_stock", "--check", stdout=out)
    assert "0" in out.getvalue()
    StockBalance.objects.filter(product=lotion, warehouse=second).update(on_hand=5)
    with pytest.raises(CommandError):
        call_command("rebuild_stock", "--check", stdout=StringIO())
    out = StringIO()
    call_command("rebuild_stock", stdout=out)
    assert lotion.code in out.getvalue()
    assert services.check_stock_balances() == []

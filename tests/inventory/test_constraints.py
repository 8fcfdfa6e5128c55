"""The database refuses impossible balances even when the services are bypassed."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ecerp.inventory.models import StockBalance, StockMove
from tests.inventory.helpers import receive, reserve, sku, warehouse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("changes", [
    {"on_hand": -1},
    {"reserved": -1},
    {"reserved": F("on_hand") + 1},
    {"value": Decimal("-0.01")},
    {"on_hand": 0, "reserved": 0, "value": Decimal("1.00")},
])
def test_a_balance_breaking_a_rule_is_refused_by_the_database(changes):
    # given a balance of 5 units, 2 reserved
    product, wh = sku(), warehouse()
    receive(product, wh, 5)
    reserve(product, wh, 2)
    # when an UPDATE bypassing the services breaks a rule
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(product=product, warehouse=wh).update(**changes)


def test_a_move_of_zero_is_refused_by_the_database():
    product, wh = sku(), warehouse()
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMove.objects.create(product=product, warehouse=wh, kind="receipt", quantity=0, unit_cost=1, value=0,
                                 balance_quantity=0, balance_value=0, occurred_at=timezone.now())


def test_a_second_balance_row_for_the_same_sku_and_warehouse_is_refused():
    product, wh = sku(), warehouse()
    receive(product, wh, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.create(product=product, warehouse=wh, updated_at=timezone.now())

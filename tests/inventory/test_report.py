"""The movement report (进销存报表) agrees with the ledger."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ecerp.core.errors import DomainError
from ecerp.inventory import queries
from tests.inventory.helpers import balance, issue, receive, sku, warehouse

pytestmark = pytest.mark.django_db


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def test_opening_in_out_closing_per_sku_and_warehouse(admin_user):
    # given movements before, inside and after a range of days
    today = timezone.localdate()
    d = [today - datetime.timedelta(days=n) for n in (10, 5, 3, 1)]
    product, wh = sku(), warehouse()
    receive(product, wh, 10, "10", occurred_at=at(d[0]))                       # before the range
    issue(product, wh, 4, occurred_at=at(d[1], 0))                             # first minute of the range
    receive(product, wh, 6, "12", occurred_at=at(d[2], 23))                    # inside
    issue(product, wh, 2, occurred_at=at(d[3]))                                # after the range
    # when the report covers d[1]..d[2]
    rows = queries.movement_report(user=admin_user, start=d[1], end=d[2])
    # then it shows opening, in, out and closing with values
    assert len(rows) == 1
    row = rows[0]
    assert (row.opening_quantity, row.opening_value) == (10, Decimal("100.00"))
    assert (row.in_quantity, row.in_value) == (6, Decimal("72.00"))
    assert (row.out_quantity, row.out_value) == (4, Decimal("40.00"))
    assert (row.closing_quantity, row.closing_value) == (12, Decimal("132.00"))
    assert row.opening_quantity + row.in_quantity - row.out_quantity == row.closing_quantity


def test_a_range_ending_today_closes_at_the_balance(admin_user):
    today = timezone.localdate()
    first, second, wh, other = sku("A"), sku("B"), warehouse("A仓"), warehouse("B仓")
    receive(first, wh, 7, "3.333333", occurred_at=at(today - datetime.timedelta(days=40)))
    receive(first, other, 2, "1")
    issue(first, wh, 3)
    receive(second, wh, 1, "9.99")
    rows = queries.movement_report(user=admin_user, start=today - datetime.timedelta(days=30), end=today)
    assert len(rows) == 3
    for row in rows:
        on_hand, _reserved, value, _avg = balance(row.product_id, row.warehouse_id)
        assert (row.closing_quantity, row.closing_value) == (on_hand, value)
    # filters narrow it
    assert [r.warehouse_id for r in queries.movement_report(user=admin_user, start=today, end=today,
                                                            warehouse_id=other.pk)] == [other.pk]


def test_an_end_before_the_start_is_refused(admin_user):
    today = timezone.localdate()
    with pytest.raises(DomainError) as error:
        queries.movement_report(user=admin_user, start=today, end=today - datetime.timedelta(days=1))
    assert (error.value.code, error.value.field) == ("INVALID_DATE_RANGE", "end")

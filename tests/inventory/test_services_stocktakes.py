"""Stocktake: snapshot the book, count by location, approve differences as gains and losses."""

import re
from decimal import Decimal

import pytest

from ecerp.core.errors import DomainError
from ecerp.core.models import OutboxEvent
from ecerp.inventory import services
from ecerp.inventory.models import MoveKind, StockMove
from ecerp.inventory.services import MoveLine
from ecerp.masterdata import services as masterdata_services
from tests.inventory.helpers import balance, bundle, receive, reserve, sku, warehouse

pytestmark = pytest.mark.django_db


def test_a_count_sheet_snapshots_the_book_by_location_and_posts_the_differences(admin_user):
    # given two SKUs with stock, one last moved through location B-02
    cream, lotion, serum, wh = sku("面霜"), sku("乳液"), sku("精华"), warehouse()
    location = masterdata_services.save_location(user=None, data={"warehouse": wh, "code": "B-02"})
    services.receive_stock(user=None, lines=[MoveLine(product=cream, warehouse=wh, quantity=10,
                                                      unit_cost=Decimal("4"), location=location)])
    receive(lotion, wh, 5, "6")
    stocktake = services.create_stocktake(user=admin_user, warehouse=wh, reason="月末盘点")
    assert re.fullmatch(r"PD\d{12}", stocktake.code)
    # when counting starts
    services.start_stocktake(user=admin_user, stocktake=stocktake)
    # then each SKU with stock is on the sheet with its book quantity and location
    lines = {line.product_id: line for line in stocktake.lines.all()}
    assert (lines[cream.pk].book_quantity, lines[cream.pk].location_id) == (10, location.pk)
    assert (lines[lotion.pk].book_quantity, lines[lotion.pk].location_id) == (5, None)
    # and a SKU found on the shelf but not on the book can be added while counting
    services.add_stocktake_line(user=admin_user, stocktake=stocktake, product=serum)
    # when the counts are entered and approved
    services.record_counts(user=admin_user, stocktake=stocktake, counts={cream.pk: 12, lotion.pk: 3, serum.pk: 0})
    services.approve_stocktake(user=admin_user, stocktake=stocktake)
    # then the gain and the loss are posted at the book's average
    assert balance(cream, wh)[:3] == (12, 0, Decimal("48.00"))
    assert balance(lotion, wh)[:3] == (3, 0, Decimal("18.00"))
    kinds = sorted(StockMove.objects.filter(document_code=stocktake.code).values_list("kind", "quantity"))
    assert kinds == [(MoveKind.STOCKTAKE_GAIN, 2), (MoveKind.STOCKTAKE_LOSS, -2)]
    event = OutboxEvent.objects.get(event_type="StockAdjusted")
    assert event.payload["total_value"] == "-4.00"
    stocktake.refresh_from_db()
    assert stocktake.status == "approved"


def test_every_line_must_be_counted_before_approval():
    product, wh = sku(), warehouse()
    receive(product, wh, 1)
    stocktake = services.create_stocktake(user=None, warehouse=wh)
    with pytest.raises(DomainError) as error:
        services.approve_stocktake(user=None, stocktake=stocktake)
    assert error.value.code == "INVALID_TRANSITION"
    services.start_stocktake(user=None, stocktake=stocktake)
    with pytest.raises(DomainError) as error:
        services.approve_stocktake(user=None, stocktake=stocktake)
    assert error.value.code == "COUNT_MISSING" and product.code in error.value.details[0].message


def test_a_loss_cannot_take_reserved_stock():
    product, wh = sku(), warehouse()
    receive(product, wh, 5)
    reserve(product, wh, 4)
    stocktake = services.create_stocktake(user=None, warehouse=wh)
    services.start_stocktake(user=None, stocktake=stocktake)
    services.record_counts(user=None, stocktake=stocktake, counts={product.pk: 3})
    with pytest.raises(DomainError) as error:
        services.approve_stocktake(user=None, stocktake=stocktake)
    assert error.value.code == "INSUFFICIENT_STOCK"
    stocktake.refresh_from_db()
    assert stocktake.status == "counting" and balance(product, wh)[0] == 5


def test_count_rules():
    product, other, wh = sku(), sku("其他"), warehouse()
    receive(product, wh, 1)
    stocktake = services.create_stocktake(user=None, warehouse=wh)
    with pytest.raises(DomainError) as error:
        services.record_counts(user=None, stocktake=stocktake, counts={product.pk: 1})
    assert error.value.code == "NOT_COUNTING"
    services.start_stocktake(user=None, stocktake=stocktake)
    with pytest.raises(DomainError) as error:
        services.record_counts(user=None, stocktake=stocktake, counts={product.pk: -1})
    assert error.value.code == "NEGATIVE_QUANTITY" and error.value.field == f"counts.{product.code}"
    with pytest.raises(DomainError) as error:
        services.record_counts(user=None, stocktake=stocktake, counts={other.pk: 1})
    assert error.value.code == "UNKNOWN_PRODUCT"
    with pytest.raises(DomainError) as error:
        services.add_stocktake_line(user=None, stocktake=stocktake, product=product)
    assert error.value.code == "DUPLICATE_LINE"
    with pytest.raises(DomainError) as error:
        services.add_stocktake_line(user=None, stocktake=stocktake, product=bundle([(product, 1)]))
    assert error.value.code == "BUNDLE_NOT_STOCKED"
    services.cancel_stocktake(user=None, stocktake=stocktake)
    with pytest.raises(DomainError) as error:
        services.add_stocktake_line(user=None, stocktake=stocktake, product=other)
    assert error.value.code == "NOT_COUNTING"


def test_a_gain_of_a_sku_never_stocked_comes_in_at_its_cost_price():
    product, wh = sku(cost_price=Decimal("3.5")), warehouse()
    stocktake = services.create_stocktake(user=None, warehouse=wh)
    services.add_stocktake_line(user=None, stocktake=stocktake, product=product)
    services.start_stocktake(user=None, stocktake=stocktake)
    services.record_counts(user=None, stocktake=stocktake, counts={product.pk: 2})
    services.approve_stocktake(user=None, stocktake=stocktake)
    assert balance(product, wh) == (2, 0, Decimal("7.00"), Decimal("3.500000"))

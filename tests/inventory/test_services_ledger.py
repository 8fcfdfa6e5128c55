"""Receipts and issues through the ledger: balances, moving average, events, errors."""

from decimal import Decimal

import pytest

from ecerp.core.errors import DomainError
from ecerp.core.models import OutboxEvent
from ecerp.inventory import services
from ecerp.inventory.models import MoveKind, StockMove
from ecerp.inventory.services import MoveLine
from tests.inventory.helpers import balance, bundle, issue, receive, sku, warehouse

pytestmark = pytest.mark.django_db


def test_a_receipt_creates_the_balance_and_a_move_and_publishes_stock_received(admin_user):
    # given a SKU and a warehouse without stock
    product, wh = sku(), warehouse()
    # when 10 units come in at 12.5
    moves = receive(product, wh, 10, "12.5", user=admin_user, document_type="test.po", document_id=7,
                    document_code="PO1")
    # then the balance holds 10 worth 125.00 at 12.5 and the move says so
    assert balance(product, wh) == (10, 0, Decimal("125.00"), Decimal("12.500000"))
    move = moves[0]
    assert (move.kind, move.quantity, move.value) == (MoveKind.RECEIPT, 10, Decimal("125.00"))
    assert move.balance_quantity == 10
    assert move.user == admin_user and move.document_code == "PO1"
    # and one StockReceived event carries what a posting needs
    event = OutboxEvent.objects.get(event_type="StockReceived")
    line = event.payload["lines"][0]
    assert line["sku_code"] == product.code and line["warehouse_code"] == wh.code
    assert (line["quantity"], line["unit_cost"], line["value"]) == (10, "12.500000", "125.00")
    assert event.payload["document_code"] == "PO1" and event.payload["total_value"] == "125.00"


def test_receipts_at_different_costs_move_the_average_and_issues_leave_at_it():
    product, wh = sku(), warehouse()
    receive(product, wh, 10, "10")
    receive(product, wh, 20, "13")
    # the average is (100 + 260) / 30 = 12
    assert balance(product, wh) == (30, 0, Decimal("360.00"), Decimal("12.000000"))
    # when 5 leave
    move = issue(product, wh, 5)[0]
    # then they leave at 12 and the event says so
    assert (move.quantity, move.unit_cost, move.value) == (-5, Decimal("12.000000"), Decimal("-60.00"))
    assert balance(product, wh) == (25, 0, Decimal("300.00"), Decimal("12.000000"))
    payload = OutboxEvent.objects.get(event_type="StockIssued").payload
    assert payload["lines"][0]["unit_cost"] == "12.000000" and payload["total_value"] == "-60.00"


def test_an_issue_beyond_available_stock_is_refused_naming_sku_warehouse_wanted_and_available():
    product, wh = sku(), warehouse()
    receive(product, wh, 3)
    with pytest.raises(DomainError) as error:
        issue(product, wh, 4)
    assert error.value.code == "INSUFFICIENT_STOCK" and error.value.http_status == 409
    message = error.value.details[0].message
    assert product.code in message and wh.code in message and "4" in message and "3" in message
    assert error.value.field == "lines.1.quantity"
    # and nothing moved
    assert balance(product, wh)[0] == 3 and StockMove.objects.count() == 1


def test_a_multi_line_issue_is_all_or_nothing():
    first, second, wh = sku("A"), sku("B"), warehouse()
    receive(first, wh, 5)
    receive(second, wh, 1)
    with pytest.raises(DomainError) as error:
        services.issue_stock(user=None, lines=[MoveLine(product=first, warehouse=wh, quantity=5),
                                               MoveLine(product=second, warehouse=wh, quantity=2)])
    assert error.value.field == "lines.2.quantity"
    assert balance(first, wh)[0] == 5 and balance(second, wh)[0] == 1


def test_reserved_units_cannot_be_issued_as_plain_stock():
    from tests.inventory.helpers import reserve

    product, wh = sku(), warehouse()
    receive(product, wh, 5)
    reserve(product, wh, 4)
    with pytest.raises(DomainError) as error:
        issue(product, wh, 2)
    assert error.value.code == "INSUFFICIENT_STOCK" and error.value.details[0].params["available"] == 1


@pytest.mark.parametrize("quantity", [0, -1, 2.5, True])
def test_a_quantity_below_one_or_not_whole_is_refused(quantity):
    product, wh = sku(), warehouse()
    with pytest.raises(DomainError) as error:
        receive(product, wh, quantity)
    assert error.value.code == "NEGATIVE_QUANTITY" and error.value.field == "lines.1.quantity"


def test_a_negative_unit_cost_is_refused():
    product, wh = sku(), warehouse()
    with pytest.raises(DomainError) as error:
        receive(product, wh, 1, "-1")
    assert error.value.field == "lines.1.unit_cost"


def test_a_bundle_has_no_stock_of_its_own():
    component, wh = sku("子商品"), warehouse()
    box = bundle([(component, 2)])
    with pytest.raises(DomainError) as error:
        receive(box, wh, 1)
    assert error.value.code == "BUNDLE_NOT_STOCKED" and box.code in error.value.details[0].message


def test_a_location_of_another_warehouse_is_refused():
    from ecerp.masterdata import services as masterdata_services

    product, wh, other = sku(), warehouse(), warehouse("北京仓")
    location = masterdata_services.save_location(user=None, data={"warehouse": other, "code": "A-01"})
    with pytest.raises(DomainError) as error:
        services.receive_stock(user=None, lines=[MoveLine(product=product, warehouse=wh, quantity=1,
                                                           unit_cost=Decimal("1"), location=location)])
    assert error.value.code == "UNKNOWN_LOCATION" and error.value.field == "lines.1.location"


def test_a_receipt_without_cost_comes_in_at_the_product_cost_price_then_at_the_average():
    product, wh = sku(cost_price=Decimal("8")), warehouse()
    services.receive_stock(user=None, kind=MoveKind.RETURN_IN,
                           lines=[MoveLine(product=product, warehouse=wh, quantity=2)])
    assert balance(product, wh)[2:] == (Decimal("16.00"), Decimal("8.000000"))
    receive(product, wh, 2, "10")
    services.receive_stock(user=None, kind=MoveKind.RETURN_IN,
                           lines=[MoveLine(product=product, warehouse=wh, quantity=1)])
    assert balance(product, wh) == (5, 0, Decimal("45.00"), Decimal("9.000000"))


def test_issuing_everything_leaves_no_value_and_remembers_the_average():
    product, wh = sku(), warehouse()
    receive(product, wh, 3, "3.333333")
    issue(product, wh, 1)  # 3.33 leaves, 6.67 stays: the average becomes 3.335
    last = issue(product, wh, 2)[0]
    assert last.value == Decimal("-6.67")
    assert balance(product, wh) == (0, 0, Decimal("0.00"), Decimal("3.335000"))

"""Partial refund before shipment (部分退款): approval removes just the refunded units; the rest still ships."""

from decimal import Decimal

import pytest

from ecerp.aftersales import services
from ecerp.aftersales.services import CaseLineInput
from ecerp.core.errors import DomainError
from ecerp.core.events import deliver_pending
from ecerp.core.models import OutboxEvent
from ecerp.sales import services as sales
from ecerp.sales.models import SalesOrder
from tests.aftersales.flow import allocated_order, balance, fresh, parcel_of, setup_shop, ship

pytestmark = pytest.mark.django_db


def test_a_refund_of_one_line_before_shipment_releases_its_stock_and_the_rest_ships():
    # given an allocated order of 2 x SKU-A and 3 x SKU-B, paid 130.00, its parcel waiting in the warehouse
    wh, (first, second) = setup_shop()
    placed = allocated_order(lines=(("SKU-A", 2, "50.00"), ("SKU-B", 3, "10.00")), paid_amount="130.00")
    sales.create_order_shipments(user=None, orders=[placed])
    old_parcel = parcel_of(placed)
    # when the buyer asks for a refund of line 1 only
    case = services.create_case(user=None, order=placed, type="refund_only", platform_refund_id="R-7",
                                lines=[CaseLineInput(line_no=1, quantity=2)])
    # then the case is before shipment and nothing moved yet (a request may still be rejected)
    assert case.before_shipment and case.refund_amount == Decimal("100.00")
    assert balance(first, wh) == (10, 2) and balance(second, wh) == (10, 3)
    assert not OutboxEvent.objects.filter(event_type="OrderLinesCancelled").exists()
    # when it is approved
    services.approve_case(user=None, case=case)
    # then SKU-A is released, SKU-B stays reserved, the old parcel is cancelled and the order stays allocated
    assert balance(first, wh) == (10, 0) and balance(second, wh) == (10, 3)
    old_parcel.refresh_from_db()
    assert old_parcel.status == "cancelled"
    placed = fresh(placed)
    assert placed.status == "allocated" and placed.paid_amount == Decimal("30.00")
    assert [(line.line_no, line.quantity) for line in placed.lines.all()] == [(2, 3)]
    cancelled = OutboxEvent.objects.get(event_type="OrderLinesCancelled").payload
    assert cancelled["order_code"] == placed.code and cancelled["reason"] == f"售后单 {case.code} 仅退款"
    assert [(line["line_no"], line["quantity"], line["amount"]) for line in cancelled["cancelled_lines"]] == [
        (1, 2, "100.00")]
    assert cancelled["paid_reduction"] == "100.00" and cancelled["paid_amount"] == "30.00"
    # when the money is paid back
    services.refund_case(user=None, case=case)
    refunded = OutboxEvent.objects.get(event_type="OrderRefunded").payload
    assert refunded["before_shipment"] is True and refunded["refund_amount"] == "100.00"
    assert [(line["line_no"], line["quantity"]) for line in refunded["lines"]] == [(1, 2)]
    # and the rest of the order is parcelled and shipped
    [result] = sales.create_order_shipments(user=None, orders=[placed])
    assert result.outcome == "created", result.errors
    ship(parcel_of(placed))
    deliver_pending()
    assert fresh(placed).status == "shipped"
    assert balance(first, wh) == (10, 0) and balance(second, wh) == (7, 0)


def test_a_refund_of_some_units_keeps_the_rest_of_the_line():
    wh, (first, _second) = setup_shop()
    placed = allocated_order(lines=(("SKU-A", 3, "50.00"),), paid_amount="150.00")
    case = services.create_case(user=None, order=placed, type="refund_only", lines=[CaseLineInput(1, 1)])
    services.approve_case(user=None, case=case)
    services.refund_case(user=None, case=case)
    line = fresh(placed).lines.get()
    assert line.quantity == 2 and line.amount == Decimal("100.00") and balance(first, wh) == (10, 2)
    # the refunded unit is kept on a cancelled part order, and the case still names its order line
    part = SalesOrder.objects.get(split_from=placed)
    assert part.status == "cancelled" and part.lines.get().quantity == 1
    assert case.lines.get().order_line_id == line.pk


def test_a_rejected_partial_request_releases_nothing():
    wh, (first, _second) = setup_shop()
    placed = allocated_order(lines=(("SKU-A", 2, "50.00"), ("SKU-B", 1, "10.00")), paid_amount="110.00")
    case = services.create_case(user=None, order=placed, type="refund_only", lines=[CaseLineInput(1, 1)])
    services.reject_case(user=None, case=case, reason="已发货在途")
    assert balance(first, wh) == (10, 2) and fresh(placed).lines.count() == 2


def test_an_order_shipped_before_approval_is_not_refundable_this_way():
    setup_shop()
    placed = allocated_order(lines=(("SKU-A", 2, "50.00"), ("SKU-B", 1, "10.00")), paid_amount="110.00")
    case = services.create_case(user=None, order=placed, type="refund_only", lines=[CaseLineInput(1, 2)])
    sales.mark_shipped(user=None, order=placed)
    with pytest.raises(DomainError) as caught:
        services.approve_case(user=None, case=case)
    assert caught.value.code == "ORDER_NOT_REFUNDABLE" and caught.value.http_status == 409
    case.refresh_from_db()
    assert case.status == "requested"


def test_units_already_cancelled_by_another_case_are_refused():
    # given two requests for the same line of an unshipped order
    setup_shop()
    placed = allocated_order(lines=(("SKU-A", 2, "50.00"), ("SKU-B", 1, "10.00")), paid_amount="110.00")
    one = services.create_case(user=None, order=placed, type="refund_only", lines=[CaseLineInput(1, 2)],
                               refund_amount="50.00")
    two = services.create_case(user=None, order=placed, type="refund_only", lines=[CaseLineInput(1, 2)],
                               refund_amount="50.00")
    services.approve_case(user=None, case=one)
    # when the second is approved, the line has left the order already
    with pytest.raises(DomainError) as caught:
        services.approve_case(user=None, case=two)
    assert caught.value.code == "ORDER_NOT_REFUNDABLE" and caught.value.field == "lines"

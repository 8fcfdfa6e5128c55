"""Refund only (仅退款): before shipment the order is cancelled and its stock released; after, money only."""

from decimal import Decimal

import pytest

from ecerp.aftersales import services
from ecerp.aftersales.services import CaseLineInput
from ecerp.core.errors import DomainError
from ecerp.core.events import deliver_pending
from ecerp.core.models import OutboxEvent
from ecerp.sales import services as sales
from tests.aftersales.flow import allocated_order, balance, fresh, parcel_of, setup_shop, shipped_order

pytestmark = pytest.mark.django_db


def test_a_refund_before_shipment_cancels_the_order_and_releases_its_stock():
    # given an allocated order of 2 units whose parcel is waiting in the warehouse
    wh, (item, _other) = setup_shop()
    placed = allocated_order(lines=(("SKU-A", 2, "50.00"),), paid_amount="100.00")
    sales.create_order_shipments(user=None, orders=[placed])
    assert balance(item, wh) == (10, 2)
    # when the buyer asks for a full refund and it is approved and paid
    case = services.create_case(user=None, order=placed, type="refund_only", platform_refund_id="R-1",
                                lines=[CaseLineInput(line_no=1, quantity=2)])
    assert case.before_shipment and case.refund_amount == Decimal("100.00")
    services.approve_case(user=None, case=case)
    services.refund_case(user=None, case=case)
    deliver_pending()
    # then the order and its parcel are cancelled and the stock is free again
    assert fresh(placed).status == "cancelled"
    assert parcel_of(placed).status == "cancelled"
    assert balance(item, wh) == (10, 0)
    payload = OutboxEvent.objects.get(event_type="OrderRefunded").payload
    assert payload["before_shipment"] is True and payload["refund_amount"] == "100.00"


def test_a_partial_refund_before_shipment_is_accepted_and_keeps_the_order():
    # (was refused with PARTIAL_BEFORE_SHIPMENT; see test_partial_refund.py for the whole flow)
    wh, (item, _other) = setup_shop()
    placed = allocated_order(lines=(("SKU-A", 2, "50.00"),), paid_amount="100.00")
    case = services.create_case(user=None, order=placed, type="refund_only", lines=[CaseLineInput(1, 1)])
    assert case.before_shipment and case.refund_amount == Decimal("50.00")
    services.approve_case(user=None, case=case)
    assert fresh(placed).status == "allocated" and balance(item, wh) == (10, 1)


def test_refunds_never_exceed_what_was_paid():
    # given a shipped order paid 100.00, 70.00 of it refunded already
    setup_shop()
    placed = shipped_order(lines=(("SKU-A", 2, "50.00"),), paid_amount="100.00")
    first = services.create_case(user=None, order=placed, type="refund_only", refund_amount="70.00",
                                 lines=[CaseLineInput(1, 1)])
    services.approve_case(user=None, case=first)
    services.refund_case(user=None, case=first)
    # when another 40.00 is asked for
    with pytest.raises(DomainError) as caught:
        services.create_case(user=None, order=placed, type="refund_only", refund_amount="40.00",
                             lines=[CaseLineInput(1, 1)])
    # then it is refused on the amount, naming what is left
    assert caught.value.code == "OVER_REFUND" and caught.value.field == "refund_amount"
    assert "30.00" in str(caught.value)
    # and a line refund above the line's amount is refused on that line
    with pytest.raises(DomainError) as caught:
        services.create_case(user=None, order=placed, type="refund_only",
                             lines=[CaseLineInput(1, 1, refund_amount="120.00")])
    assert caught.value.field == "lines.1.refund_amount"
    # and garbage amounts are named too
    with pytest.raises(DomainError) as caught:
        services.create_case(user=None, order=placed, type="refund_only", refund_amount="-1",
                             lines=[CaseLineInput(1, 1)])
    assert caught.value.code == "INVALID_AMOUNT" and caught.value.field == "refund_amount"


def test_the_same_platform_refund_id_is_one_case():
    setup_shop()
    placed = shipped_order(paid_amount="100.00")
    first = services.create_case(user=None, order=placed, type="refund_only", platform_refund_id="RF-9",
                                 lines=[CaseLineInput(1, 1)])
    again = services.create_case(user=None, order=placed, type="refund_only", platform_refund_id="RF-9",
                                 lines=[CaseLineInput(1, 1)])
    assert again.pk == first.pk
    with pytest.raises(DomainError) as caught:
        services.create_case(user=None, order=placed, type="return_refund", platform_refund_id="RF-9",
                             lines=[CaseLineInput(1, 1)])
    assert caught.value.code == "REFUND_ID_TAKEN" and caught.value.http_status == 409


def test_invalid_transitions_name_both_states():
    setup_shop()
    placed = shipped_order(paid_amount="100.00")
    case = services.create_case(user=None, order=placed, type="refund_only", lines=[CaseLineInput(1, 1)])
    # refunding before approval
    with pytest.raises(DomainError) as caught:
        services.refund_case(user=None, case=case)
    assert caught.value.code == "INVALID_TRANSITION" and caught.value.http_status == 409
    assert "待审核" in str(caught.value) and "已退款" in str(caught.value)
    # receiving goods on a refund-only case
    services.approve_case(user=None, case=case)
    with pytest.raises(DomainError) as caught:
        services.receive_return(user=None, case=case, lines=[services.ReceiveLineInput(1, sellable=1)])
    assert caught.value.code == "INVALID_TRANSITION"
    # rejecting needs a reason, and an approved case can no longer be rejected
    with pytest.raises(DomainError) as caught:
        services.reject_case(user=None, case=case, reason=" ")
    assert caught.value.code == "REASON_REQUIRED"
    with pytest.raises(DomainError) as caught:
        services.reject_case(user=None, case=case, reason="不同意")
    assert caught.value.code == "INVALID_TRANSITION"
    # approving twice is a no-op
    assert services.approve_case(user=None, case=case).status == "approved"


def test_returns_need_a_shipped_order_and_valid_lines():
    setup_shop()
    placed = allocated_order(paid_amount="100.00")
    with pytest.raises(DomainError) as caught:
        services.create_case(user=None, order=placed, type="return_refund", lines=[CaseLineInput(1, 1)])
    assert caught.value.code == "ORDER_NOT_SHIPPED"
    with pytest.raises(DomainError) as caught:
        services.create_case(user=None, order=placed, type="bogus", lines=[CaseLineInput(1, 1)])
    assert caught.value.code == "UNKNOWN_TYPE" and caught.value.field == "type"
    with pytest.raises(DomainError) as caught:
        services.create_case(user=None, order=placed, type="refund_only",
                             lines=[CaseLineInput(7, 1), CaseLineInput(1, 9)])
    assert [d.field for d in caught.value.details] == ["lines.1.line_no", "lines.2.quantity"]

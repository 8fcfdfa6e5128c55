"""Exchange (换货) and interception (拦截) end to end."""

import pytest

from ecerp.aftersales import services
from ecerp.aftersales.models import AfterSalesCase
from ecerp.aftersales.services import CaseLineInput, ReceiveLineInput
from ecerp.core.events import deliver_pending
from ecerp.core.models import OutboxEvent
from ecerp.inventory.carriers import get_carrier
from ecerp.inventory.services import check_stock_balances, poll_carrier
from tests.aftersales.flow import balance, defective_warehouse, parcel_of, setup_shop, ship, shipped_order

pytestmark = pytest.mark.django_db


def test_an_exchange_takes_the_goods_back_and_ships_a_replacement():
    # given a shipped order of 2 x SKU-A
    wh, (item, other) = setup_shop()
    defective_warehouse()
    placed = shipped_order(lines=(("SKU-A", 2, "50.00"),), paid_amount="100.00")
    # when the buyer exchanges 1 unit for SKU-B, the damaged unit comes back and the replacement is sent
    case = services.create_case(user=None, order=placed, type="exchange",
                                lines=[CaseLineInput(1, 1, replacement_product=other)])
    assert case.refund_amount == 0
    services.approve_case(user=None, case=case)
    services.receive_return(user=None, case=case, lines=[ReceiveLineInput(1, damaged=1)])
    case = services.reship_exchange(user=None, case=case)
    assert case.status == "reshipped" and balance(other, wh) == (10, 1)
    ship(case.replacement_shipment)
    deliver_pending()
    # then the replacement left (SKU-B down one), the damaged SKU-A is not sellable, the case is done
    case = AfterSalesCase.objects.get(pk=case.pk)
    assert case.status == "done"
    assert balance(other, wh) == (9, 0) and balance(item, wh) == (8, 0)
    assert check_stock_balances() == []
    assert not OutboxEvent.objects.filter(event_type="OrderRefunded").exists()


def test_an_intercepted_parcel_comes_back_and_is_refunded():
    # given a shipped order in transit
    wh, (item, _other) = setup_shop()
    placed = shipped_order(lines=(("SKU-A", 2, "50.00"),), paid_amount="100.00")
    case = services.create_case(user=None, order=placed, type="intercept", refund_amount="100.00")
    # when it is intercepted and the carrier brings it back
    case = services.intercept_case(user=None, case=case)
    assert case.status == "intercepting" and parcel_of(placed).status == "intercepting"
    get_carrier("SIM").simulate_return(parcel_of(placed).waybill_no)
    poll_carrier(user=None, shipment=parcel_of(placed))
    deliver_pending()
    case = AfterSalesCase.objects.get(pk=case.pk)
    assert case.status == "returned"
    services.refund_case(user=None, case=case)
    # then the goods are back on hand, the case refunded, and OrderReturned carries the cost
    assert balance(item, wh) == (10, 0)
    payload = OutboxEvent.objects.get(event_type="OrderReturned").payload
    assert payload["case_type"] == "intercept" and payload["total_quantity"] == 2
    assert payload["lines"][0]["condition"] == "sellable" and payload["lines"][0]["unit_cost"] == "10.000000"
    assert OutboxEvent.objects.get(event_type="OrderRefunded").payload["refund_amount"] == "100.00"


def test_an_interception_of_a_signed_parcel_fails():
    setup_shop()
    placed = shipped_order(paid_amount="100.00")
    case = services.create_case(user=None, order=placed, type="intercept")
    get_carrier("SIM").simulate_delivery(parcel_of(placed).waybill_no)
    poll_carrier(user=None, shipment=parcel_of(placed))
    case = services.intercept_case(user=None, case=case)
    assert case.status == "failed" and case.note

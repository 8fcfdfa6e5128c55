"""Return and refund (退货退款) end to end: shipped order -> case -> approve -> receive (sellable/damaged) -> refund."""

from decimal import Decimal

import pytest

from ecerp.aftersales import services
from ecerp.aftersales.models import LineReturnTotal
from ecerp.aftersales.services import CaseLineInput, ReceiveLineInput
from ecerp.core.errors import DomainError
from ecerp.core.events import deliver_pending
from ecerp.core.models import OutboxEvent, StateHistory
from ecerp.inventory.services import check_stock_balances
from tests.aftersales.flow import balance, defective_warehouse, setup_shop, shipped_order

pytestmark = pytest.mark.django_db


def test_a_return_comes_back_sellable_and_damaged_and_is_refunded():
    # given a shipped order of 3 x SKU-A at 30.00 (stock cost 10) and a defective warehouse
    wh, (item, _other) = setup_shop()
    bad = defective_warehouse()
    placed = shipped_order(lines=(("SKU-A", 3, "30.00"),), paid_amount="90.00")
    assert balance(item, wh) == (7, 0)
    # when the buyer asks to return 2 units, the case is approved and the goods come back: 1 good, 1 damaged
    case = services.create_case(user=None, order=placed, type="return_refund", reason="尺码不合适",
                                lines=[CaseLineInput(line_no=1, quantity=2)])
    assert case.code.startswith("AS") and case.refund_amount == Decimal("60.00") and case.status == "requested"
    services.approve_case(user=None, case=case)
    services.receive_return(user=None, case=case, lines=[ReceiveLineInput(line_no=1, sellable=1, damaged=1)])
    case = services.refund_case(user=None, case=case)
    deliver_pending()
    # then the good unit is sellable again, the damaged one sits in the defective warehouse
    assert balance(item, wh) == (8, 0)
    assert balance(item, bad) == (1, 0)
    assert check_stock_balances() == []
    assert case.status == "refunded" and case.refunded_amount == Decimal("60.00")
    assert LineReturnTotal.objects.get(order_line__order=placed).returned_quantity == 2
    states = list(StateHistory.objects.filter(model="aftersales.aftersalescase", object_id=str(case.pk))
                  .order_by("id").values_list("to_state", flat=True))
    assert states == ["requested", "approved", "received", "refunded"]
    # and the events carry what finance needs
    returned = OutboxEvent.objects.get(event_type="OrderReturned").payload
    assert returned["case_code"] == case.code and returned["order_code"] == placed.code
    assert returned["store"] == "TM01" and returned["platform"] == "tmall"
    conditions = {row["condition"]: row for row in returned["lines"]}
    assert conditions["sellable"]["warehouse_code"] == "WH1" and conditions["damaged"]["warehouse_code"] == "CP1"
    assert conditions["damaged"]["warehouse_type"] == "defective"
    assert conditions["sellable"]["unit_cost"] == "10.000000" and conditions["sellable"]["value"] == "10.00"
    assert conditions["sellable"]["sku_code"] == "SKU-A" and conditions["sellable"]["unit_price"] == "30.0000"
    assert returned["total_quantity"] == 2 and returned["total_value"] == "20.00"
    refunded = OutboxEvent.objects.get(event_type="OrderRefunded").payload
    assert refunded["refund_amount"] == "60.00" and refunded["lines"][0]["quantity"] == 2
    assert refunded["lines"][0]["refund_amount"] == "60.00" and refunded["lines"][0]["product_code"] == "SKU-A"
    assert refunded["occurred_at"] and refunded["platform_order_no"] == placed.platform_order_no


def test_returns_never_exceed_what_was_shipped():
    # given a shipped order of 3 units, 2 of them already returned
    setup_shop()
    placed = shipped_order(lines=(("SKU-A", 3, "30.00"),), paid_amount="90.00")
    first = services.create_case(user=None, order=placed, type="return_refund",
                                 lines=[CaseLineInput(line_no=1, quantity=2)])
    second = services.create_case(user=None, order=placed, type="return_refund",
                                  lines=[CaseLineInput(line_no=1, quantity=2)], refund_amount="0")
    for case in (first, second):
        services.approve_case(user=None, case=case)
    services.receive_return(user=None, case=first, lines=[ReceiveLineInput(line_no=1, sellable=2)])
    # when the second case receives 2 more
    with pytest.raises(DomainError) as caught:
        services.receive_return(user=None, case=second, lines=[ReceiveLineInput(line_no=1, sellable=2)])
    # then it is refused naming the line, and nothing moved
    assert caught.value.code == "OVER_RETURN" and caught.value.field == "lines.1.sellable"
    assert LineReturnTotal.objects.get(order_line__order=placed).returned_quantity == 2
    # and a new case for 2 units is refused at once
    with pytest.raises(DomainError) as caught:
        services.create_case(user=None, order=placed, type="return_refund", lines=[CaseLineInput(1, 2)])
    assert caught.value.code == "OVER_RETURN" and caught.value.field == "lines.1.quantity"

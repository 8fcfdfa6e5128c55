"""Review (审单): each rule kind holds or passes with its reason; preview; manual hold and release."""

from decimal import Decimal

import pytest

from ecerp.core.audit import history_for
from ecerp.core.errors import DomainError
from ecerp.core.models import OutboxEvent, StateHistory
from ecerp.masterdata.models import Partner
from ecerp.sales import services
from ecerp.sales.models import OrderHold, SalesOrder
from ecerp.sales.states import OrderStatus, RuleKind
from tests.core.factories import make_partner
from tests.sales.orderflow import fresh, order, reviewed, rule, shop, sku, stock, warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    sku("SKU-A")
    return shop()


def test_no_rules_every_received_order_passes(store):
    # given a received order and no rules
    item = order()
    # when it is reviewed
    [item] = reviewed(item)
    # then it is reviewed and OrderReviewed is published
    assert item.status == OrderStatus.REVIEWED and item.hold_reason == ""
    assert OutboxEvent.objects.filter(event_type="OrderReviewed", payload__order_id=item.pk).count() == 1


def test_remark_rule_holds_with_the_remark(store):
    rule(RuleKind.REMARK_PRESENT)
    noted, plain = order(buyer_remark="请发顺丰"), order()
    noted, plain = reviewed(noted, plain)
    assert noted.status == OrderStatus.HELD and "请发顺丰" in noted.hold_reason
    assert plain.status == OrderStatus.REVIEWED
    hold = OrderHold.objects.get(order=noted)
    assert hold.rule.kind == RuleKind.REMARK_PRESENT and hold.active and "买家留言" in hold.reason
    assert OutboxEvent.objects.filter(event_type="OrderHeld", payload__order_id=noted.pk).count() == 1


def test_incomplete_address_names_the_missing_fields(store):
    rule(RuleKind.INCOMPLETE_ADDRESS)
    bad, good = order(address="", consignee_phone=""), order()
    bad, good = reviewed(bad, good)
    assert bad.status == OrderStatus.HELD and "详细地址" in bad.hold_reason and "联系电话" in bad.hold_reason
    assert good.status == OrderStatus.REVIEWED


def test_amount_above_threshold(store):
    rule(RuleKind.AMOUNT_ABOVE, threshold="500")
    big = order(lines=[("SKU-A", 6, "100.00")], paid_amount="600.00")
    small = order()
    big, small = reviewed(big, small)
    assert big.status == OrderStatus.HELD and "600.00" in big.hold_reason and "500" in big.hold_reason
    assert small.status == OrderStatus.REVIEWED


def test_amount_rule_needs_a_valid_threshold():
    with pytest.raises(DomainError) as caught:
        rule(RuleKind.AMOUNT_ABOVE, threshold="abc")
    assert caught.value.details[0].field == "parameters.threshold"


def test_blacklisted_nick_and_phone(store):
    rule(RuleKind.BLACKLISTED)
    services.add_to_blacklist(user=None, kind="nick", value="bad-buyer")
    entry = services.add_to_blacklist(user=None, kind="phone", value="13900000009")
    # the phone is kept as a hash and a mask, never in clear
    assert "13900000009" not in entry.shown and entry.value_hash
    by_nick = order(buyer_nick="bad-buyer")
    by_phone = order(consignee_phone="139 0000 0009".replace(" ", ""))
    fine = order()
    by_nick, by_phone, fine = reviewed(by_nick, by_phone, fine)
    assert by_nick.status == OrderStatus.HELD and "bad-buyer" in by_nick.hold_reason
    assert by_phone.status == OrderStatus.HELD and "139****0009" in by_phone.hold_reason
    assert fine.status == OrderStatus.REVIEWED


def test_unmapped_rule_names_the_codes(store):
    # given an order whose line is mapped, then the rule sees a line without product
    rule(RuleKind.UNMAPPED_SKU)
    item = order()
    item.lines.update(product=None)
    [item] = reviewed(item)
    assert item.status == OrderStatus.HELD and "SKU-A" in item.hold_reason


def test_payment_terms_prepaid_unpaid_held(store):
    rule(RuleKind.PAYMENT_TERMS)
    unpaid = order(paid_amount="10.00", discount="0")
    paid = order()
    unpaid, paid = reviewed(unpaid, paid)
    assert unpaid.status == OrderStatus.HELD and "款到发货" in unpaid.hold_reason
    assert paid.status == OrderStatus.REVIEWED


def test_payment_terms_credit_uses_the_customer_limit(store):
    rule(RuleKind.PAYMENT_TERMS)
    customer = make_partner(name="某某批发", roles=["customer"], credit_limit=Decimal("150"), payment_days=30)
    first, second = order(paid_amount="0", discount="0"), order(paid_amount="0", discount="0")
    SalesOrder.objects.filter(pk__in=[first.pk, second.pk]).update(payment_terms="credit", customer=customer)
    # when the first (100 on credit) is reviewed it fits the limit of 150
    [first] = reviewed(first)
    assert first.status == OrderStatus.REVIEWED
    # then the second would bring the open credit to 200: held
    [second] = reviewed(second)
    assert second.status == OrderStatus.HELD and "信用额度" in second.hold_reason
    assert Partner.objects.get(pk=customer.pk).credit_limit == Decimal("150")


def test_out_of_stock_rule(store):
    wh = warehouse("WH1")
    stock(sku("SKU-B"), wh, 1)
    rule(RuleKind.OUT_OF_STOCK)
    short, fine = order(lines=[("SKU-A", 1, "90.00")]), order(lines=[("SKU-B", 1, "90.00")])
    short, fine = reviewed(short, fine)
    assert short.status == OrderStatus.HELD and "SKU-A" in short.hold_reason
    assert fine.status == OrderStatus.REVIEWED


def test_pass_rule_stops_the_rules_after_it(store):
    # given a pass rule for small amounts before a remark rule
    rule(RuleKind.AMOUNT_ABOVE, action="pass", priority=1, threshold="0")
    rule(RuleKind.REMARK_PRESENT, priority=2)
    [item] = reviewed(order(buyer_remark="备注"))
    assert item.status == OrderStatus.REVIEWED


def test_preview_changes_nothing(store):
    rule(RuleKind.REMARK_PRESENT)
    item = order(buyer_remark="加急")
    histories = StateHistory.objects.count()
    results = services.preview_rules(orders=[item])
    assert results[0].outcome == "held" and "加急" in results[0].reasons[0]
    assert fresh(item).status == OrderStatus.RECEIVED
    assert OrderHold.objects.count() == 0 and StateHistory.objects.count() == histories
    # an inactive rule can be tried on its own
    trial = rule(RuleKind.INCOMPLETE_ADDRESS)
    trial.active = False
    trial.save()
    assert services.preview_rules(orders=[item], rule=trial)[0].outcome == "reviewed"


def test_manual_hold_and_release_are_audited(store, admin_user):
    [item] = reviewed(order())
    with pytest.raises(DomainError) as caught:
        services.hold_order(user=admin_user, order=item, reason=" ")
    assert caught.value.code == "REASON_REQUIRED"
    services.hold_order(user=admin_user, order=item, reason="客户要求暂缓")
    item = fresh(item)
    assert item.status == OrderStatus.HELD and item.hold_reason == "客户要求暂缓"
    assert OrderHold.objects.get(order=item).kind == "manual"
    # a review does not release a manual hold
    [item] = reviewed(item)
    assert item.status == OrderStatus.HELD
    services.release_order(user=admin_user, order=item, reason="客户确认")
    item = fresh(item)
    assert item.status == OrderStatus.REVIEWED and item.hold_reason == ""
    hold = OrderHold.objects.get(order=item)
    assert not hold.active and hold.released_by == admin_user and hold.release_reason == "客户确认"
    notes = [entry.note for entry in history_for(item)]
    assert any("客户要求暂缓" in note for note in notes) and any("客户确认" in note for note in notes)
    with pytest.raises(DomainError) as caught:
        services.release_order(user=admin_user, order=item, reason="again")
    assert caught.value.code == "ORDER_NOT_HELD"


def test_re_review_closes_old_rule_holds(store):
    rule(RuleKind.REMARK_PRESENT)
    [item] = reviewed(order(buyer_remark="x"))
    SalesOrder.objects.filter(pk=item.pk).update(buyer_remark="")
    [item] = reviewed(item)
    assert item.status == OrderStatus.REVIEWED
    assert not OrderHold.objects.filter(order=item, active=True).exists()


def test_review_skips_orders_not_received(store):
    [item] = reviewed(order())
    results = services.review_orders(user=None, orders=[item])
    assert results[0].outcome == "skipped"


def test_rule_evaluation_is_set_based(store):
    # given every rule kind and a small and a larger batch
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    for kind in RuleKind.values:
        rule(kind, **({"threshold": "1000"} if kind == RuleKind.AMOUNT_ABOVE else {}))
    small = [order() for _ in range(2)]
    large = small + [order() for _ in range(8)]

    def count(orders):
        with CaptureQueriesContext(connection) as captured:
            services.preview_rules(orders=orders)
        return len(captured)

    # then trying the rules costs the same number of queries for 2 orders as for 10
    assert count(small) == count(large)

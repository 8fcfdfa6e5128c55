"""Review and allocation of batches read orders as rows: what they write per order (audit, history,
events, reservations) and the rules that need more than the order row (customers, personal data)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ecerp.core.audit import history_for
from ecerp.core.models import AuditAction, OutboxEvent, StateHistory
from ecerp.inventory.models import Reservation
from ecerp.sales import services
from ecerp.sales.models import SalesOrder
from ecerp.sales.states import OrderStatus, RuleKind
from tests.core.factories import make_partner
from tests.sales.orderflow import balance, fresh, order, reviewed, rule, shop, sku, stock, warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    wh = warehouse("WH-A")
    item = sku("SKU-A")
    stock(item, wh, 10)
    return {"warehouse": wh, "item": item, "store": shop(warehouse=wh)}


def test_review_and_allocation_audit_the_state_moves(setup):
    # given a received order
    item = order(lines=[("SKU-A", 2, "45.00")])
    # when it is reviewed and allocated
    [item] = reviewed(item)
    [result] = services.allocate_orders(user=None, orders=[item.pk])
    # then each step writes one transition audit row naming what changed, one history row and one event
    assert result.outcome == "allocated" and result.warehouse == "WH-A"
    allocated, review = [entry for entry in history_for(item) if entry.action == AuditAction.TRANSITION]
    assert review.note == "审单" and review.object_repr == item.code
    assert review.before["status"] == OrderStatus.RECEIVED and review.after["status"] == OrderStatus.REVIEWED
    assert allocated.note == "分配库存"
    assert allocated.before["status"] == OrderStatus.REVIEWED and allocated.after["status"] == OrderStatus.ALLOCATED
    assert allocated.after["warehouse_id"] == setup["warehouse"].pk
    moves = list(StateHistory.objects.filter(model="sales.salesorder", object_id=str(item.pk)).order_by("pk")
                 .values_list("from_state", "to_state"))
    assert moves[-2:] == [(OrderStatus.RECEIVED, OrderStatus.REVIEWED), (OrderStatus.REVIEWED, OrderStatus.ALLOCATED)]
    event = OutboxEvent.objects.get(event_type="OrderAllocated", payload__order_id=item.pk)
    assert event.payload["store"] == "TM01" and event.payload["lines"] == [{"product": "SKU-A", "quantity": 2}]
    reservation = Reservation.objects.get(reference_id=str(item.pk))
    assert (reservation.quantity, reservation.reference_code, reservation.warehouse_id) == (
        2, item.code, setup["warehouse"].pk)
    assert balance(setup["item"], setup["warehouse"]) == (10, 2)


def test_a_held_order_reviewed_again_stays_held_without_a_new_history_row(setup):
    rule(RuleKind.REMARK_PRESENT)
    [item] = reviewed(order(buyer_remark="请发顺丰"))
    assert item.status == OrderStatus.HELD
    moves = StateHistory.objects.filter(model="sales.salesorder", object_id=str(item.pk)).count()
    # when it is reviewed again with the same remark
    [again] = services.review_orders(user=None, orders=[item])
    # then it stays held with the same reason, and only its state is unchanged
    assert again.outcome == "held" and fresh(item).hold_reason == item.hold_reason
    assert StateHistory.objects.filter(model="sales.salesorder", object_id=str(item.pk)).count() == moves
    assert OutboxEvent.objects.filter(event_type="OrderHeld", payload__order_id=item.pk).count() == 2


def test_an_overdue_credit_customer_holds_every_order_of_the_batch(setup):
    rule(RuleKind.PAYMENT_TERMS)
    customer = make_partner(name="逾期客户", roles=["customer"], credit_limit=Decimal("10000"), payment_days=10)
    old, first, second = order(), order(), order()
    SalesOrder.objects.filter(pk=old.pk).update(payment_terms="credit", customer=customer, paid_amount=0,
                                                status=OrderStatus.SHIPPED,
                                                order_time=timezone.now() - datetime.timedelta(days=30))
    SalesOrder.objects.filter(pk__in=[first.pk, second.pk]).update(payment_terms="credit", customer=customer)
    first, second = reviewed(first, second)
    assert first.status == second.status == OrderStatus.HELD
    assert "逾期" in first.hold_reason and "逾期" in second.hold_reason


def test_personal_data_rules_read_the_decrypted_columns(setup):
    rule(RuleKind.INCOMPLETE_ADDRESS)
    rule(RuleKind.BLACKLISTED)
    services.add_to_blacklist(user=None, kind="phone", value="13900001111")
    listed, missing, fine = order(consignee_phone="13900001111"), order(consignee_name=""), order()
    listed, missing, fine = reviewed(listed, missing, fine)
    assert listed.status == OrderStatus.HELD and "139****1111" in listed.hold_reason
    assert missing.status == OrderStatus.HELD and "收货人" in missing.hold_reason
    assert fine.status == OrderStatus.REVIEWED
    # and a trial run gives the same outcomes without writing
    preview = {result.order_id: result.outcome for result in services.preview_rules(orders=[listed, missing, fine])}
    assert preview == {listed.pk: "held", missing.pk: "held", fine.pk: "reviewed"}

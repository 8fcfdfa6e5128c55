"""Events of ingest reach a subscribed handler once, after commit, with the payload a posting needs."""

import pytest

from ecerp.core.events import subscribe, unsubscribe
from ecerp.core.models import OutboxEvent
from ecerp.sales import services
from tests.sales.helpers import product, record, store

received = []


def on_paid(event):
    received.append(event)


@pytest.mark.django_db(transaction=True)
def test_order_paid_is_delivered_once_after_commit():
    # given a handler of OrderPaid
    subscribe("OrderPaid")(on_paid)
    received.clear()
    try:
        product("SKU-A")
        store()
        # when two new paid orders and one unpaid arrive, then the same batch again
        unpaid = record("T3", payment_time="")
        services.ingest_orders(user=None, source="api", records=[record("T1"), record("T2"), unpaid])
        services.ingest_orders(user=None, source="api", records=[record("T1"), record("T2"), unpaid])
    finally:
        unsubscribe("OrderPaid", on_paid)
    # then the handler saw each paid order once, with amounts as strings and the lines
    assert sorted(event["platform_order_no"] for event in received) == ["T1", "T2"]
    event = received[0]
    assert event["paid_amount"] == "90.00" and event["store"] == "TM01"
    assert event["lines"][0]["sku_code"] == "SKU-A" and event["lines"][0]["amount"] == "90.00"
    # and every event (received, paid) is marked delivered
    assert OutboxEvent.objects.filter(delivered_at__isnull=True).count() == 0
    assert OutboxEvent.objects.filter(event_type="OrderReceived").count() == 3

"""ingest_orders: idempotency, versions, shipment exceptions, batches with bad records, events."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecerp.core.models import OutboxEvent, StateHistory
from ecerp.sales import services
from ecerp.sales.models import OrderVersion, QuarantinedRecord, SalesOrder
from ecerp.sales.states import OrderStatus
from tests.sales.helpers import product, record, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    product("SKU-A")
    return store()


def ingest(*records, user=None, source="api"):
    return services.ingest_orders(user=user, source=source, records=list(records))


def test_new_order_is_created_with_code_lines_and_events(shop):
    # when a record arrives
    result = ingest(record("T1", discount="10.00"))
    # then one order exists with an SO code, its line mapped by product code, amounts as Decimal
    assert result.counts()["created"] == 1
    order = SalesOrder.objects.get()
    assert order.code.startswith("SO") and len(order.code) == 16
    assert order.status == OrderStatus.RECEIVED
    assert order.paid_amount == Decimal("90.00") and order.discount == Decimal("10.00")
    line = order.lines.get()
    assert line.product.code == "SKU-A" and line.amount == Decimal("90.00") and line.discount == Decimal("10.00")
    # and OrderReceived and OrderPaid were published with string amounts and lines
    events = {event.event_type: event.payload for event in OutboxEvent.objects.all()}
    assert set(events) == {"OrderReceived", "OrderPaid"}
    assert events["OrderReceived"]["paid_amount"] == "90.00"
    assert events["OrderReceived"]["lines"][0]["product"] == "SKU-A"
    assert StateHistory.objects.filter(model="sales.salesorder", to_state="received").count() == 1


def test_same_record_any_number_of_times_is_one_order(shop):
    ingest(record("T1"))
    # when the same record is delivered again, twice in one batch and once more
    result = ingest(record("T1"), record("T1"))
    again = ingest(record("T1"))
    # then nothing changes
    assert SalesOrder.objects.count() == 1
    assert result.counts()["unchanged"] == 2 and again.counts()["unchanged"] == 1
    assert OutboxEvent.objects.filter(event_type="OrderReceived").count() == 1
    assert OrderVersion.objects.count() == 4


def test_later_version_updates_an_open_order(shop):
    ingest(record("T1", updated="2024-05-01 10:00:00"))
    # when a later version changes the address
    result = ingest(record("T1", updated="2024-05-01 11:00:00", address="新地址 2 号"))
    # then the order has the new address
    assert result.counts()["updated"] == 1
    assert SalesOrder.objects.get().address == "新地址 2 号"


def test_older_version_never_rolls_back(shop):
    ingest(record("T1", updated="2024-05-01 11:00:00", address="新地址"))
    # when an older version arrives after the newer one
    result = ingest(record("T1", updated="2024-05-01 10:00:00", address="旧地址"))
    # then it is ignored and counted as stale
    assert result.counts()["stale"] == 1
    assert SalesOrder.objects.get().address == "新地址"


def test_platform_cancellation_cancels_before_shipment(shop):
    ingest(record("T1"))
    result = ingest(record("T1", updated="2024-05-01 12:00:00", status="交易关闭"))
    order = SalesOrder.objects.get()
    assert result.counts()["updated"] == 1
    assert order.status == OrderStatus.CANCELLED and not order.has_exception
    assert OutboxEvent.objects.filter(event_type="OrderCancelled").count() == 1


def test_change_after_shipment_raises_the_exception_flag(shop):
    ingest(record("T1"))
    order = SalesOrder.objects.get()
    services.mark_shipped(user=None, order=order)
    # when the platform reports a refund request after shipment
    result = ingest(record("T1", updated="2024-05-02 12:00:00", refund_status="退款中", address="改了地址"))
    order.refresh_from_db()
    # then the order stays shipped with its address, flagged as an exception
    assert result.counts()["exception"] == 1
    assert order.status == OrderStatus.SHIPPED and order.has_exception
    assert "退款中" in order.exception_reason
    assert order.address == "文三路1号"


def test_batch_with_a_bad_record_ingests_the_others(shop):
    # given a batch where the middle record has a garbage price and another an unknown store
    bad = record("T2", lines=[{"sku_code": "SKU-A", "quantity": 1, "unit_price": "abc"}])
    unknown = record("T3", store_code="NOPE")
    result = ingest(record("T1"), bad, unknown, record("T4"))
    # then the good ones are orders and the bad ones quarantined with codes and Chinese messages
    assert result.counts()["created"] == 2 and result.counts()["quarantined"] == 2
    assert set(SalesOrder.objects.values_list("platform_order_no", flat=True)) == {"T1", "T4"}
    codes = {row.platform_order_no: row.errors[0]["code"] for row in QuarantinedRecord.objects.all()}
    assert codes == {"T2": "INVALID_AMOUNT", "T3": "UNKNOWN_STORE"}
    message = QuarantinedRecord.objects.get(platform_order_no="T2").message
    assert "单价" in message and "abc" in message


@pytest.mark.parametrize("lines, code", [
    ([], "NO_LINES"),
    ([{"sku_code": "SKU-A", "unit_price": "1"}], "MISSING_FIELD"),
    ([{"sku_code": "SKU-A", "quantity": "1.5", "unit_price": "1"}], "INVALID_QUANTITY"),
    ([{"quantity": 1, "unit_price": "1"}], "MISSING_FIELD"),
])
def test_bad_lines_are_quarantined_with_their_code(shop, lines, code):
    result = ingest(record("T9", lines=lines))
    assert result.results[0].outcome == "quarantined"
    assert result.results[0].errors[0]["code"] == code


def test_quarantined_record_fixed_and_retried(shop):
    ingest(record("T2", lines=[{"sku_code": "SKU-A", "quantity": 1, "unit_price": "abc"}]))
    quarantined = QuarantinedRecord.objects.get()
    # when retried unchanged it stays open with its error
    services.retry_quarantined(user=None, record=quarantined)
    quarantined.refresh_from_db()
    assert quarantined.status == "open" and SalesOrder.objects.count() == 0
    # when fixed and retried
    raw = dict(quarantined.raw, lines=[{"sku_code": "SKU-A", "quantity": 1, "unit_price": "12.50"}])
    services.retry_quarantined(user=None, record=quarantined, raw=raw)
    quarantined.refresh_from_db()
    # then the order exists and the record is fixed and linked
    assert quarantined.status == "fixed" and quarantined.order.platform_order_no == "T2"
    assert QuarantinedRecord.objects.count() == 1


def test_discarded_record_cannot_be_retried(shop):
    ingest(record("", lines=[]))
    quarantined = QuarantinedRecord.objects.get()
    services.discard_quarantined(user=None, record=quarantined)
    with pytest.raises(services.quarantine.SalesConflict):
        services.retry_quarantined(user=None, record=quarantined)


def test_manual_cancel_and_shipped_order_refuses(shop):
    ingest(record("T1"), record("T2"))
    first, second = SalesOrder.objects.order_by("platform_order_no")
    services.cancel_order(user=None, order=first, reason="买家要求")
    first.refresh_from_db()
    assert first.status == OrderStatus.CANCELLED
    services.mark_shipped(user=None, order=second)
    with pytest.raises(services.orders.SalesConflict):
        services.cancel_order(user=None, order=second)


def test_a_batch_costs_a_fixed_number_of_queries(shop, django_assert_max_num_queries):
    # given batches of 5 and of 50 new orders
    small = [record(f"S{n}") for n in range(5)]
    large = [record(f"L{n}") for n in range(50)]
    with CaptureQueriesContext(connection) as few:
        ingest(*small)
    with CaptureQueriesContext(connection) as many:
        ingest(*large)
    # then the work is set-based: ten times the orders, (almost) the same number of queries
    assert len(many) - len(few) <= 3
    # and a re-delivery of the large batch is a handful of queries
    with django_assert_max_num_queries(12):
        ingest(*large)


def test_personal_data_is_encrypted_at_rest_and_masked_in_the_payload(shop):
    from django.db import connection as db

    ingest(record("T1"), record("T2", paid_amount="x"))
    order = SalesOrder.objects.get()
    # the kept payload shows the consignee masked; the columns hold ciphertext
    assert order.payload["consignee_phone"] == "138****0001" and order.consignee_phone == "13800000001"
    with db.cursor() as cursor:
        cursor.execute("SELECT consignee_phone, address FROM sales_salesorder")
        phone, address = cursor.fetchone()
        cursor.execute("SELECT raw_json FROM sales_quarantinedrecord")
        (raw_json,) = cursor.fetchone()
    assert "13800000001" not in phone and "文三路" not in address and "13800000001" not in raw_json
    assert QuarantinedRecord.objects.get().raw["consignee_phone"] == "13800000001"

"""The tuple-based ingest of new orders writes what the instance-based one wrote: rows, audit snapshots, events."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from ecerp.core.audit import snapshot
from ecerp.core.bulk import preparer
from ecerp.core.crypto import decrypt
from ecerp.core.models import AuditLog, OutboxEvent, StateHistory
from ecerp.sales import services
from ecerp.sales.batch_rows import RowBuilder, reserve_ids
from ecerp.sales.models import OrderVersion, SalesOrder
from ecerp.sales.normalise import normalise_record
from ecerp.sales.privacy import mask_record
from ecerp.sales.services.ingest import HEADER_FIELDS, ORDER_GIVEN
from ecerp.sales.states import OrderStatus
from tests.sales.helpers import product, record, store

pytestmark = pytest.mark.django_db


def _values(order, code, store_id, status="received", reason=""):
    texts = order.texts
    return (code, store_id, order.platform_order_no, *[texts.get(name, "") for name in HEADER_FIELDS],
            order.goods_amount, order.discount, order.freight, order.paid_amount, order.order_time,
            order.payment_time, order.platform_updated_at, status, reason, mask_record(order.canonical()),
            order.digest)


def test_row_builder_gives_the_rows_and_snapshot_of_an_instance():
    # given a normalised order with personal data, a discount spread over two lines and an odd unit price
    shop = store()
    order = normalise_record(record("R1", consignee_name="李四四五六", discount="3.33", freight="5.00",
                                    lines=[{"sku_code": "A", "quantity": 2, "unit_price": "9.9999"},
                                           {"sku_code": "B", "quantity": 1, "unit_price": "20"}]))
    now = timezone.now()
    values = _values(order, "SO1", shop.pk, OrderStatus.PENDING_MAPPING, "商品未对应：A、B")
    builder = RowBuilder(SalesOrder, ORDER_GIVEN, now=now, constants={"source": "file"}, with_pk=True)
    # and the instance the service used to build from the same values
    instance = SalesOrder(pk=41, source="file", received_at=now, updated_at=now,
                          **dict(zip(ORDER_GIVEN, values, strict=True)))
    # then the audit snapshot is the one core.audit.snapshot gives the instance, value for value
    built = builder.snapshot(values, 41)
    expected = snapshot(instance)
    assert built == expected and list(built) == list(expected)
    assert built["deposit_amount"] == 0 and built["consignee_name"] == "李****"
    # and the row holds what save() would prepare for each column (personal data encrypted)
    row = dict(zip(builder.attnames, builder.row(values, 41), strict=True))
    for field in SalesOrder._meta.concrete_fields:
        prepared = preparer(field)(getattr(instance, field.attname))
        if field.name in ("consignee_name", "consignee_phone", "address"):
            assert decrypt(row[field.attname]) == decrypt(prepared) == getattr(instance, field.attname)
        else:  # a JSON value on PostgreSQL is a Jsonb wrapper (no equality of its own)
            assert getattr(row[field.attname], "obj", row[field.attname]) == getattr(prepared, "obj", prepared), (
                field.name)


def test_row_builder_refuses_an_unknown_column():
    with pytest.raises(ValueError):
        RowBuilder(SalesOrder, ("code", "no_such_field"), now=timezone.now())


def test_reserved_ids_are_new_on_postgresql_only():
    ids = reserve_ids(SalesOrder, 3)
    if connection.vendor == "postgresql":
        assert len(set(ids)) == 3 and ids == sorted(ids)
    else:
        assert ids is None


def test_new_orders_get_every_row_they_had(django_capture_on_commit_callbacks):
    # given a store, two products and a user
    shop = store()
    product("SKU-A")
    product("SKU-B")
    user = get_user_model().objects.create(username="ingester")
    records = [record("N1"), record("N2", status="交易关闭"),
               record("N3", payment_time="", lines=[{"sku_code": "NOPE", "quantity": 1, "unit_price": "5"},
                                                    {"sku_code": "SKU-B", "quantity": 2, "unit_price": "1.5"}])]
    # when they arrive in one batch
    with django_capture_on_commit_callbacks(execute=True):
        result = services.ingest_orders(user=user, source="api", records=records)
    assert result.counts()["created"] == 3
    orders = {order.platform_order_no: order for order in SalesOrder.objects.all()}
    by_id = {order.pk: order for order in orders.values()}
    # then ids and codes are the ones the results give
    assert {(item.order_id, item.order_code) for item in result.results} == {(o.pk, o.code) for o in by_id.values()}
    assert orders["N1"].status == OrderStatus.RECEIVED and orders["N1"].store_id == shop.pk
    assert orders["N1"].consignee_name == "张三" and orders["N1"].payment_time is not None
    assert orders["N2"].status == OrderStatus.CANCELLED
    assert orders["N3"].status == OrderStatus.PENDING_MAPPING and orders["N3"].hold_reason == "商品未对应：NOPE"
    assert orders["N3"].payment_time is None
    lines = list(orders["N3"].lines.order_by("line_no").values_list("line_no", "sku_code", "product__code", "amount"))
    assert lines == [(1, "NOPE", None, Decimal("5.00")), (2, "SKU-B", "SKU-B", Decimal("3.00"))]
    # and one history row, one version and one audit row each, the audit row the order's snapshot
    history = {row.object_id: row for row in StateHistory.objects.filter(model="sales.salesorder")}
    assert {key: (row.to_state, row.reason, row.user_id) for key, row in history.items()} == {
        str(orders["N1"].pk): ("received", "接收订单（接口）", user.pk),
        str(orders["N2"].pk): ("cancelled", "接收订单（接口）", user.pk),
        str(orders["N3"].pk): ("pending_mapping", "商品未对应：NOPE", user.pk)}
    assert sorted(OrderVersion.objects.values_list("order_id", "outcome", "source")) == sorted(
        (pk, "created", "api") for pk in by_id)
    for audit in AuditLog.objects.filter(model="sales.salesorder"):
        order = by_id[int(audit.object_id)]
        assert (audit.action, audit.object_repr, audit.user_id, audit.note) == (
            "create", order.code, user.pk, "订单接收（接口）")
        loaded = snapshot(order)
        assert audit.before is None and set(audit.after) == set(loaded)
        for key in ("code", "status", "hold_reason", "consignee_name", "consignee_phone", "paid_amount", "payload"):
            assert audit.after[key] == loaded[key], key
    # and the events: received for all, paid for the paid ones, cancelled (delivered after commit) for N2
    events = list(OutboxEvent.objects.order_by("pk").values_list("event_type", "payload", "delivered_at"))
    assert sorted((kind, payload["order_id"]) for kind, payload, _at in events) == sorted([
        ("OrderReceived", orders["N1"].pk), ("OrderPaid", orders["N1"].pk), ("OrderReceived", orders["N2"].pk),
        ("OrderPaid", orders["N2"].pk), ("OrderCancelled", orders["N2"].pk), ("OrderReceived", orders["N3"].pk)])
    assert all(delivered is not None for _kind, _payload, delivered in events)
    received = next(payload for kind, payload, _at in events
                    if kind == "OrderReceived" and payload["order_id"] == orders["N3"].pk)
    assert received["source"] == "api" and received["lines"][1]["product"] == "SKU-B"
    assert received["lines"][0]["product"] == "" and received["payment_time"] is None
    assert len({event_id for event_id in OutboxEvent.objects.values_list("event_id", flat=True)}) == 6


def test_equal_personal_values_get_different_ciphertexts():
    # given two orders of one batch with the same consignee
    store()
    product("A")
    services.ingest_orders(user=None, source="api", records=[record("P1"), record("P2")])
    # then each stored value opens to the same clear text but no two ciphertexts are equal
    with connection.cursor() as cursor:
        cursor.execute("SELECT consignee_name, consignee_phone, address FROM sales_salesorder ORDER BY id")
        rows = cursor.fetchall()
    assert len(rows) == 2
    for first, second in zip(*rows, strict=True):
        assert first != second and decrypt(first) == decrypt(second) != ""

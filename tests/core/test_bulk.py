"""core.bulk.insert_records: one executemany that stores exactly what Model.save() stores."""

import uuid
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecerp.core.bulk import insert_records
from ecerp.core.models import OutboxEvent
from ecerp.masterdata.models import Employee, Product
from tests.core.factories import VALID_ID_NUMBER, make_department

SHANGHAI = ZoneInfo("Asia/Shanghai")


def raw_row(model, columns: list[str], pk) -> tuple:
    """The values as the database holds them, read past the ORM's converters."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT {} FROM {} WHERE id = %s".format(
            ", ".join(quote(column) for column in columns), quote(model._meta.db_table)), [pk])
        return cursor.fetchone()


@pytest.mark.django_db
def test_aware_date_times_json_and_uuids_are_stored_as_save_stores_them():
    # given an event delivered at 09:30 Shanghai time (01:30 UTC), saved once by the ORM
    when = datetime(2026, 11, 29, 9, 30, 15, 123456, tzinfo=SHANGHAI)
    values = {"event_type": "Checked", "payload": {"名称": "面霜", "n": [1, 2]}, "delivered_at": when,
              "attempts": 3, "last_error": ""}
    saved = OutboxEvent.objects.create(event_id=uuid.uuid4(), **values)
    # when its twin is inserted by insert_records
    twin = OutboxEvent(event_id=uuid.uuid4(), **values)
    insert_records(OutboxEvent, [twin], key="event_id")
    # then the twin got its primary key and the database holds the same values for both
    columns = ["event_type", "payload", "delivered_at", "attempts", "last_error"]
    assert twin.pk and twin.pk != saved.pk
    assert raw_row(OutboxEvent, columns, twin.pk) == raw_row(OutboxEvent, columns, saved.pk)
    # and an exact lookup by the time and by the UUID finds both rows
    assert set(OutboxEvent.objects.filter(delivered_at=when).values_list("pk", flat=True)) == {saved.pk, twin.pk}
    assert OutboxEvent.objects.get(event_id=twin.event_id).delivered_at == when
    assert OutboxEvent.objects.get(pk=twin.pk).payload == values["payload"]


@pytest.mark.django_db
def test_values_of_another_python_type_are_converted_as_save_converts_them():
    # given a product whose values are what the ORM accepts but the driver would take as they are:
    # a number for a text column, text and a float for decimals, an integer for a boolean
    values = {"name": "面霜", "barcode": 6901234567892, "sale_price": "12.50", "cost_price": Decimal("3.1"),
              "gross_weight": 0.1, "active": 1, "is_bundle": 0}
    saved = Product.objects.create(code="BULK-SAVE", **values)
    # when its twin is inserted by insert_records
    twin = Product(code="BULK-INSERT", **values)
    insert_records(Product, [twin])
    # then the database holds the same values for both
    columns = ["barcode", "sale_price", "cost_price", "gross_weight", "active", "is_bundle", "unit"]
    assert raw_row(Product, columns, twin.pk) == raw_row(Product, columns, saved.pk)
    stored = Product.objects.get(pk=twin.pk)
    assert (stored.barcode, stored.sale_price, stored.gross_weight, stored.active, stored.is_bundle) == (
        "6901234567892", Decimal("12.50"), Decimal("0.100"), True, False)
    # and the auto_now time was set and is found by an exact lookup
    assert Product.objects.filter(updated_at=twin.updated_at, pk=twin.pk).exists()


@pytest.mark.django_db
def test_a_value_save_would_reject_is_rejected():
    # given a product with a price that is not a number
    product = Product(code="BULK-NAN", name="面霜", sale_price=Decimal("NaN"))
    # when it is inserted, then it fails like save() and nothing is written
    with pytest.raises(ValidationError):
        insert_records(Product, [product])
    assert not Product.objects.filter(code="BULK-NAN").exists()


@pytest.mark.django_db
def test_personal_data_is_encrypted():
    # given an employee with an ID number and a phone number
    department = make_department()
    employee = Employee(code="E-BULK", name="李四", department=department, id_number=VALID_ID_NUMBER,
                        phone="13812345678")
    # when inserted by insert_records
    insert_records(Employee, [employee])
    # then the columns hold ciphertext, and the model reads the clear values back
    id_number, phone = raw_row(Employee, ["id_number", "phone"], employee.pk)
    assert id_number.startswith("enc1:") and VALID_ID_NUMBER not in id_number
    assert phone.startswith("enc1:") and "13812345678" not in phone
    stored = Employee.objects.get(pk=employee.pk)
    assert (stored.id_number, stored.phone, stored.department_id) == (VALID_ID_NUMBER, "13812345678", department.pk)


@pytest.mark.django_db
def test_without_a_key_the_batch_is_one_statement_and_no_lookup():
    # given 1,200 events (more than one primary key lookup chunk)
    batch = [OutboxEvent(event_id=uuid.uuid4(), event_type="Counted", payload={"n": number})
             for number in range(1200)]
    # when they are inserted without a key
    with CaptureQueriesContext(connection) as queries:
        insert_records(OutboxEvent, batch, key=None)
    # then one executemany wrote them and no primary key was looked up
    assert len(queries.captured_queries) == 1
    assert batch[0].pk is None
    assert OutboxEvent.objects.filter(event_type="Counted").count() == 1200
    # when another batch is inserted with its key, then every instance gets its own primary key
    keyed = [OutboxEvent(event_id=uuid.uuid4(), event_type="Keyed", payload={"n": number}) for number in range(1200)]
    insert_records(OutboxEvent, keyed, key="event_id")
    stored = dict(OutboxEvent.objects.filter(event_type="Keyed").values_list("event_id", "pk"))
    assert {event.event_id: event.pk for event in keyed} == stored
    assert not any(event._state.adding for event in keyed)

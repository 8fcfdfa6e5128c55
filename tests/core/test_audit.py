"""Audit log: before/after of every create, update and delete; personal data masked."""

import json
from decimal import Decimal

import pytest

from ecerp.core import services as core_services
from ecerp.core.audit import MaskedValue, changed_fields, history_for, record_change, record_many, snapshot
from ecerp.core.models import AuditAction, AuditLog
from ecerp.masterdata import services
from tests.core.factories import OTHER_ID_NUMBER, VALID_ID_NUMBER, make_department, make_employee, make_product


def rows_of(instance):
    return list(history_for(instance).order_by("id"))


@pytest.mark.django_db
def test_create_update_delete_write_rows_with_before_and_after(admin_user):
    # given a department created through the service
    department = make_department(admin_user, name="财务部")
    # when it is renamed and then deleted
    services.save_department(user=admin_user, instance=department, data={"name": "财务中心"})
    services.delete_record(user=admin_user, instance=department)
    # then three rows tell who did what, with before and after
    created, updated, deleted = rows_of(department)
    assert (created.action, updated.action, deleted.action) == ("create", "update", "delete")
    assert {row.username for row in (created, updated, deleted)} == {"admin1"}
    assert created.user == admin_user
    assert created.before is None and created.after["name"] == "财务部" and created.after["code"] == "D001"
    assert updated.before == {"name": "财务部"} and updated.after == {"name": "财务中心"}
    assert deleted.before["name"] == "财务中心" and deleted.after is None
    assert deleted.object_id == str(department.pk) and deleted.model == "masterdata.department"


@pytest.mark.django_db
def test_update_that_changes_nothing_writes_no_row(admin_user):
    # given a department and a product (decimal prices, an auto-updated timestamp)
    department = make_department(admin_user, name="仓储部")
    product = make_product(admin_user, name="洗面奶", cost_price=Decimal("10"), sale_price=Decimal("25.5"),
                           gross_weight=Decimal("0.2"))
    # when both are saved again with the same values (prices typed without trailing zeros)
    services.save_department(user=admin_user, instance=department, data={"name": "仓储部"})
    services.save_product(user=admin_user, instance=product,
                          data={"name": "洗面奶", "cost_price": Decimal("10.0"), "sale_price": Decimal("25.50"),
                                "gross_weight": Decimal("0.20")})
    # then only the creations are in the log
    assert [row.action for row in rows_of(department)] == ["create"]
    assert [row.action for row in rows_of(product)] == ["create"]


@pytest.mark.django_db
def test_price_change_is_recorded_as_decimal_text(admin_user):
    # given a product at 10
    product = make_product(admin_user, cost_price=Decimal("10"))
    # when its cost changes to 12.5
    services.save_product(user=admin_user, instance=product, data={"cost_price": Decimal("12.5")})
    # then the row holds exactly the price change, as text with the column's places
    row = rows_of(product)[-1]
    assert row.before == {"cost_price": "10.0000"} and row.after == {"cost_price": "12.5000"}


@pytest.mark.django_db
def test_personal_data_in_audit_rows_is_masked(admin_user):
    # given an employee with an ID number and a phone
    employee = make_employee(admin_user, id_number=VALID_ID_NUMBER, phone="13812345678")
    # when the ID number changes
    services.save_employee(user=admin_user, instance=employee, data={"id_number": OTHER_ID_NUMBER})
    # then no audit row anywhere holds a clear number, only masks
    dump = json.dumps([[row.before, row.after] for row in AuditLog.objects.all()], ensure_ascii=False)
    for secret in (VALID_ID_NUMBER, OTHER_ID_NUMBER, "13812345678"):
        assert secret not in dump
    created, updated = rows_of(employee)
    assert created.after["id_number"] == "110101********1233"
    assert created.after["phone"] == "138****5678"
    assert updated.before == {"id_number": "110101********1233"}
    assert updated.after == {"id_number": "110105********1238"}


@pytest.mark.django_db
def test_change_hidden_by_the_mask_is_still_recorded(admin_user):
    # given an employee whose new phone has the same masked form as the old one
    employee = make_employee(admin_user, phone="13812345678")
    # when the phone changes only in its hidden middle digits
    services.save_employee(user=admin_user, instance=employee, data={"phone": "13899995678"})
    # then the change is audited (masked on both sides), not lost
    updated = rows_of(employee)[-1]
    assert updated.action == "update"
    assert updated.before == {"phone": "138****5678"} and updated.after == {"phone": "138****5678"}
    # and saving the same phone again writes nothing
    services.save_employee(user=admin_user, instance=employee, data={"phone": "13899995678"})
    assert len(rows_of(employee)) == 2


@pytest.mark.django_db
def test_setting_the_same_system_mode_twice_writes_one_row(admin_user):
    # given a fresh install in training mode
    assert core_services.get_system_mode() == "training"
    # when trial mode is set twice
    core_services.set_system_mode(user=admin_user, mode="trial")
    core_services.set_system_mode(user=admin_user, mode="trial")
    # then the mode is trial and one setting row was written
    assert core_services.get_system_mode() == "trial"
    rows = AuditLog.objects.filter(action=AuditAction.SETTING)
    assert rows.count() == 1
    assert rows.get().after["value"] == "trial"


@pytest.mark.django_db
def test_record_many_skips_unchanged_updates(admin_user):
    # given two departments and their snapshots
    first, second = make_department(admin_user, name="一部"), make_department(admin_user, name="二部")
    before_first, before_second = snapshot(first), snapshot(second)
    first.name = "一部（新）"
    # when a batch records both as updates
    written = record_many(user=admin_user, entries=[
        (AuditAction.UPDATE, first, before_first, snapshot(first)),
        (AuditAction.UPDATE, second, before_second, snapshot(second)),
    ], note="导入")
    # then only the changed one got a row, with the note
    assert written == 1
    row = rows_of(first)[-1]
    assert row.after == {"name": "一部（新）"} and row.note == "导入"
    assert len(rows_of(second)) == 1


@pytest.mark.django_db
def test_record_many_writes_what_record_change_writes(admin_user):
    # given a created product, a real change, an update that changed nothing and an employee with personal data
    product = make_product(admin_user, name="面霜")
    before = snapshot(product)
    product.name = "面霜2"
    employee = make_employee(admin_user, id_number=VALID_ID_NUMBER)
    entries = [(AuditAction.CREATE, product, None, snapshot(product)),
               (AuditAction.UPDATE, product, before, snapshot(product)),
               (AuditAction.UPDATE, product, before, before),
               (AuditAction.UPDATE, employee, {"id_number": "x"}, snapshot(employee))]
    AuditLog.objects.all().delete()
    # when the batch writer and the single-row writer record the same entries
    assert record_many(user=admin_user, entries=entries, note="x") == 3
    batch = list(AuditLog.objects.order_by("id"))
    AuditLog.objects.all().delete()
    single = [record_change(user=admin_user, action=action, instance=instance, before=old, after=new, note="x")
              for action, instance, old, new in entries]
    # then both wrote the same rows (no row for the unchanged update), the batch with a current time
    assert single[2] is None
    fields = ["user_id", "username", "action", "model", "object_id", "object_repr", "before", "after", "note"]
    rows = list(AuditLog.objects.order_by("id").values_list(*fields))
    assert [tuple(getattr(row, name) for name in fields) for row in batch] == rows
    assert all(row.at is not None and abs((row.at - single[0].at).total_seconds()) < 60 for row in batch)
    assert VALID_ID_NUMBER not in json.dumps([row.after for row in batch], ensure_ascii=False)


def test_a_masked_value_differs_from_a_missing_one():
    # given a masked phone on one side only
    masked = MaskedValue("138****5678", "13812345678")
    # then it counts as a change both ways round
    assert changed_fields({"phone": None}, {"phone": masked}) == {"phone": [None, masked]}
    assert changed_fields({"phone": masked}, {}) == {"phone": [masked, None]}
    assert masked != None  # noqa: E711 - the comparison under test


def test_changed_fields_lists_old_and_new():
    assert changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}
    assert changed_fields(None, None) == {}

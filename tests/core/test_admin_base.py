"""The admin base: a service error lands next to the form field it concerns."""

import pytest

from ecerp.core.admin_base import ServiceModelForm
from ecerp.core.errors import ErrorDetail
from ecerp.masterdata.models import Employee
from tests.core.factories import make_department

pytestmark = pytest.mark.django_db


def rejected_form(*details, prefix=None):
    class EmployeeForm(ServiceModelForm):
        ecerp_rejected = tuple((prefix, detail) for detail in details)

        class Meta:
            model = Employee
            fields = ["name", "department", "phone"]

    return EmployeeForm


def test_an_error_on_a_foreign_key_column_shows_at_the_foreign_key_field(admin_user):
    # given a save the service rejected on department_id, on phone and on a field the form lacks
    department = make_department(admin_user)
    form_class = rejected_form(
        ErrorDetail(code="REQUIRED", message="「部门」不能为空", field="department_id"),
        ErrorDetail(code="INVALID_PHONE", message="手机号格式不正确", field="phone"),
        ErrorDetail(code="INVALID_VALUE", message="其他问题", field="user_id"),
        ErrorDetail(code="CONFLICT", message="冲突", field=None),
    )
    # when the same POST is shown again
    form = form_class(data={"name": "张三", "department": department.pk, "phone": "123"})
    assert not form.is_valid()
    # then department_id's message sits at the department field, phone's at phone, the rest above the form
    assert form.errors["department"] == ["「部门」不能为空"]
    assert form.errors["phone"] == ["手机号格式不正确"]
    assert form.non_field_errors() == ["其他问题", "冲突"]


def test_errors_of_another_form_prefix_are_left_alone(admin_user):
    form_class = rejected_form(ErrorDetail(code="REQUIRED", message="x", field="department_id"), prefix="contacts-0")
    form = form_class(data={"name": "张三", "department": make_department(admin_user).pk})
    assert form.is_valid()

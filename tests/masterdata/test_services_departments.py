"""Departments (a tree) and employees: required fields, tree cycles, personal data checks."""

import datetime

import pytest

from ecerp.core.errors import DomainError
from ecerp.masterdata import services
from ecerp.masterdata.models import Employee
from tests.core.factories import VALID_ID_NUMBER, make_department, make_employee


def fields_of(error):
    return {detail.field: detail.code for detail in error.value.details}


@pytest.mark.django_db
def test_department_codes_are_generated_and_name_required(admin_user):
    # given two departments saved with blank codes
    head = make_department(admin_user, name="总经办")
    sales = make_department(admin_user, name="销售部", parent=head, manager_name="李四")
    # then they got the rule's codes and the tree link
    assert (head.code, sales.code) == ("D001", "D002")
    assert sales.parent == head
    # and a department without a name is refused naming the field
    with pytest.raises(DomainError) as error:
        services.save_department(user=admin_user, data={"name": "  "[:0]})
    assert fields_of(error) == {"name": "REQUIRED"}
    assert "名称" in str(error.value)


@pytest.mark.django_db
def test_department_cannot_be_its_own_parent_or_below_itself(admin_user):
    # given a chain 总部 > 华东 > 上海
    top = make_department(admin_user, name="总部")
    east = make_department(admin_user, name="华东", parent=top)
    shanghai = make_department(admin_user, name="上海", parent=east)
    # when 总部 is put under itself, or under its grandchild
    for parent in (top, shanghai):
        with pytest.raises(DomainError) as error:
            services.save_department(user=admin_user, instance=top, data={"parent": parent})
        # then TREE_CYCLE names the parent field and nothing changes
        assert fields_of(error) == {"parent": "TREE_CYCLE"}
    top.refresh_from_db()
    assert top.parent is None
    # and a legal move works
    services.save_department(user=admin_user, instance=shanghai, data={"parent": top})
    shanghai.refresh_from_db()
    assert shanghai.parent == top


@pytest.mark.django_db
def test_given_department_code_is_checked_and_unique(admin_user):
    make_department(admin_user, name="甲", code="FIN")
    with pytest.raises(DomainError) as error:
        make_department(admin_user, name="乙", code="FIN")
    assert fields_of(error) == {"code": "CODE_TAKEN"}
    with pytest.raises(DomainError) as error:
        make_department(admin_user, name="丙", code="财务")
    assert fields_of(error) == {"code": "INVALID_CODE"}


@pytest.mark.django_db
def test_employee_requires_a_department(admin_user):
    # when an employee is saved without a department
    with pytest.raises(DomainError) as error:
        services.save_employee(user=admin_user, data={"name": "王五"})
    # then the department field is named (department_id, as the API's input calls it)
    assert fields_of(error) == {"department_id": "REQUIRED"}
    assert "部门" in str(error.value)
    assert not Employee.objects.exists()


@pytest.mark.django_db
def test_employee_with_valid_personal_data(admin_user):
    # given a department
    department = make_department(admin_user, name="客服部")
    # when an employee is saved with a lowercase x ID number and a +86 phone with spaces
    employee = services.save_employee(user=admin_user, data={
        "name": "赵六", "department": department, "position": "客服", "hire_date": datetime.date(2024, 3, 1),
        "id_number": "31010119850512123x", "phone": "+86 138 1234 5678",
    })
    # then they are normalised and the code generated
    employee.refresh_from_db()
    assert employee.id_number == "31010119850512123X" and employee.phone == "13812345678"
    assert employee.code == "E00001" and employee.status == "active"


@pytest.mark.django_db
def test_invalid_id_number_and_phone_are_all_reported_with_field_names(admin_user):
    department = make_department(admin_user)
    # when the ID number has a wrong check digit and the phone is too short, and the name is missing
    with pytest.raises(DomainError) as error:
        services.save_employee(user=admin_user, data={
            "name": "", "department": department, "id_number": "110101199003071234", "phone": "12345",
        })
    # then all three problems come back at once, each naming its field
    assert fields_of(error) == {"name": "REQUIRED", "id_number": "INVALID_ID_NUMBER", "phone": "INVALID_PHONE"}
    # and the message never repeats the clear ID number
    assert "110101199003071234" not in str(error.value.as_dict())


@pytest.mark.django_db
def test_employee_status_is_not_changed_by_save(admin_user):
    # given an active employee
    employee = make_employee(admin_user, id_number=VALID_ID_NUMBER)
    # when a save tries to set the status directly
    employee = services.save_employee(user=admin_user, instance=employee, data={"status": "left", "position": "主管"})
    # then only the position changed: status moves go through change_employee_status
    employee.refresh_from_db()
    assert (employee.status, employee.position) == ("active", "主管")


@pytest.mark.django_db
def test_unknown_status_on_creation_is_refused(admin_user):
    department = make_department(admin_user)
    with pytest.raises(DomainError) as error:
        services.save_employee(user=admin_user, data={"name": "孙七", "department": department,
                                                      "status": "fired"})
    assert fields_of(error) == {"status": "INVALID_VALUE"}


def test_closes_tree_cycle_walks_up_from_the_parent():
    # given a tree a > b > c and a loop x <-> y that b's chain never meets
    parents = {"a": None, "b": "a", "c": "b", "x": "y", "y": "x", "z": "x"}
    # then putting a below c (or below itself) closes a cycle, putting c below a does not
    assert services.closes_tree_cycle("a", "c", parents.get)
    assert services.closes_tree_cycle("a", "a", parents.get)
    assert not services.closes_tree_cycle("c", "a", parents.get)
    assert not services.closes_tree_cycle("a", None, parents.get)
    # and a loop above that never meets the node counts unless told otherwise
    assert services.closes_tree_cycle("a", "z", parents.get)
    assert not services.closes_tree_cycle("a", "z", parents.get, loops_count=False)

"""The state-machine helper: no-op on the same state, refused edges, history rows."""

import pytest

from ecerp.core.errors import DomainError
from ecerp.core.models import AuditLog, StateHistory
from ecerp.core.states import InvalidTransition, can_move, move
from ecerp.masterdata.services import change_employee_status
from ecerp.masterdata.states import EMPLOYEE_TRANSITIONS, EmployeeStatus
from tests.core.factories import make_employee


def test_can_move_follows_the_table():
    assert can_move(EMPLOYEE_TRANSITIONS, "active", "active")
    assert can_move(EMPLOYEE_TRANSITIONS, "active", "left")
    assert can_move(EMPLOYEE_TRANSITIONS, "left", "active")
    assert not can_move(EMPLOYEE_TRANSITIONS, "left", "on_leave")


@pytest.mark.django_db
def test_move_to_same_state_is_a_no_op(admin_user):
    # given an active employee
    employee = make_employee(admin_user)
    # when it is moved to active again
    moved = move(user=admin_user, obj=employee, to_state="active", transitions=EMPLOYEE_TRANSITIONS)
    # then nothing happens and no history row is written
    assert moved is False
    assert not StateHistory.objects.exists()


@pytest.mark.django_db
def test_forbidden_edge_names_both_states(admin_user):
    # given an employee who left
    employee = make_employee(admin_user)
    change_employee_status(user=admin_user, employee=employee, status=EmployeeStatus.LEFT)
    # when someone tries to put them on leave
    with pytest.raises(InvalidTransition) as error:
        change_employee_status(user=admin_user, employee=employee, status=EmployeeStatus.ON_LEAVE)
    # then the error is INVALID_TRANSITION (409), naming both states in Chinese
    assert isinstance(error.value, DomainError)
    assert error.value.code == "INVALID_TRANSITION" and error.value.http_status == 409
    assert error.value.field == "status"
    assert "离职" in str(error.value) and "休假" in str(error.value)
    employee.refresh_from_db()
    assert employee.status == EmployeeStatus.LEFT


@pytest.mark.django_db
def test_employee_status_moves_write_history_and_audit(admin_user):
    # given an active employee
    employee = make_employee(admin_user)
    # when they go on leave, come back, leave, and the same move is retried
    for status, reason in ((EmployeeStatus.ON_LEAVE, "产假"), (EmployeeStatus.ACTIVE, "返岗"),
                           (EmployeeStatus.LEFT, "辞职"), (EmployeeStatus.LEFT, "重复提交")):
        employee = change_employee_status(user=admin_user, employee=employee, status=status, reason=reason)
    # then three history rows tell who moved it and why, the retry added nothing
    history = list(StateHistory.objects.filter(model="masterdata.employee", object_id=str(employee.pk)))
    assert [(row.from_state, row.to_state, row.reason) for row in history] == [
        ("active", "on_leave", "产假"), ("on_leave", "active", "返岗"), ("active", "left", "辞职"),
    ]
    assert {row.user_id for row in history} == {admin_user.pk}
    employee.refresh_from_db()
    assert employee.status == "left"
    assert AuditLog.objects.filter(action="transition", object_id=str(employee.pk)).count() == 3


@pytest.mark.django_db
def test_unknown_state_is_refused(admin_user):
    employee = make_employee(admin_user)
    with pytest.raises(InvalidTransition) as error:
        change_employee_status(user=admin_user, employee=employee, status="fired")
    assert "fired" in str(error.value)

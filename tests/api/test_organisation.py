"""/api/masterdata/departments and /api/masterdata/employees (status moves, personal data masking)."""

import pytest

from ecerp.core.models import StateHistory
from ecerp.masterdata import services
from ecerp.masterdata.models import Department, Employee
from tests.api.conftest import error_codes

pytestmark = pytest.mark.django_db
DEPARTMENTS = "/api/masterdata/departments"
EMPLOYEES = "/api/masterdata/employees"
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def company(admin_user):
    head = services.save_department(user=admin_user, data={"code": "D001", "name": "总经办"})
    sales = services.save_department(user=admin_user, data={"code": "D002", "name": "销售部", "parent": head})
    online = services.save_department(user=admin_user, data={"code": "D003", "name": "电商组", "parent": sales})
    clerk = services.save_employee(user=admin_user, data={
        "code": "E00001", "name": "张伟", "department": online, "id_number": ID_NUMBER, "phone": "13812345678",
    })
    return {"head": head, "sales": sales, "online": online, "clerk": clerk}


def test_department_tree_crud(api_as, company):
    admin = api_as("admin")
    response = admin.post(DEPARTMENTS, {"name": "财务部", "parent_id": company["head"].pk})
    assert response.status_code == 201, response.content
    assert response.json()["parent"]["code"] == "D001" and response.json()["code"].startswith("D")
    children = admin.get(DEPARTMENTS, parent=company["head"].pk).json()
    assert [item["name"] for item in children["items"]] == ["销售部", "财务部"]
    # a department may not move below itself
    cycle = admin.patch(f"{DEPARTMENTS}/{company['head'].pk}", {"parent_id": company["online"].pk})
    assert cycle.status_code == 400 and error_codes(cycle) == [("parent", "TREE_CYCLE")]
    unknown = admin.patch(f"{DEPARTMENTS}/{company['head'].pk}", {"parent_id": 999999})
    assert error_codes(unknown) == [("parent_id", "UNKNOWN_DEPARTMENT")]
    # a department with employees is in use
    in_use = admin.delete(f"{DEPARTMENTS}/{company['online'].pk}")
    assert in_use.status_code == 409 and error_codes(in_use) == [(None, "IN_USE")]
    assert admin.delete(f"{DEPARTMENTS}/{response.json()['id']}").status_code == 204
    assert Department.objects.count() == 3


def test_department_permissions(api_as, company):
    assert api_as("warehouse").get(DEPARTMENTS).status_code == 403
    assert api_as("management").get(DEPARTMENTS).status_code == 200
    assert api_as("management").post(DEPARTMENTS, {"name": "x"}).status_code == 403
    assert api_as("admin").get(f"{DEPARTMENTS}/999999").status_code == 404


def test_employee_personal_data_masked_unless_permitted(api_as, company):
    masked = api_as("management").get(f"{EMPLOYEES}/{company['clerk'].pk}").json()
    assert masked["id_number"] == "110105********002X" and masked["phone"] == "138****5678"
    listed = api_as("finance").get(EMPLOYEES).json()["items"][0]
    assert listed["id_number"] == "110105********002X"
    revealed = api_as("admin").get(f"{EMPLOYEES}/{company['clerk'].pk}").json()
    assert revealed["id_number"] == ID_NUMBER and revealed["phone"] == "13812345678"


def test_employee_filters_include_sub_departments(api_as, company, admin_user):
    services.save_employee(user=admin_user, data={"code": "E00002", "name": "李娜", "department": company["head"]})
    client = api_as("admin")
    assert [e["code"] for e in client.get(EMPLOYEES, department=company["sales"].pk).json()["items"]] == ["E00001"]
    assert client.get(EMPLOYEES, department=company["head"].pk).json()["count"] == 2
    assert client.get(EMPLOYEES, q="李").json()["count"] == 1
    assert client.get(EMPLOYEES, status="left").json()["count"] == 0


def test_employee_create_errors(api_as, company):
    admin = api_as("admin")
    cases = [
        ({"name": "王芳", "department_id": company["sales"].pk, "id_number": "110105194912310021"},
         [("id_number", "INVALID_ID_NUMBER")]),
        ({"name": "王芳", "department_id": company["sales"].pk, "phone": "555"}, [("phone", "INVALID_PHONE")]),
        ({"name": "王芳"}, [("department_id", "REQUIRED")]),
        ({"name": "王芳", "department_id": 999999}, [("department_id", "UNKNOWN_DEPARTMENT")]),
        ({"name": "王芳", "department_id": company["sales"].pk, "code": "E00001"}, [("code", "CODE_TAKEN")]),
        ({"name": "王芳", "department_id": company["sales"].pk, "hire_date": "2026-13-01"},
         [("hire_date", "INVALID_VALUE")]),
    ]
    for body, expected in cases:
        response = admin.post(EMPLOYEES, body)
        assert response.status_code == 400, body
        assert error_codes(response) == expected, (body, response.json())
    created = admin.post(EMPLOYEES, {"name": "王芳", "department_id": company["sales"].pk,
                                     "hire_date": "2026-03-01", "phone": "+86 139 1234 5678"})
    assert created.status_code == 201 and created.json()["phone"] == "13912345678"
    assert Employee.objects.count() == 2


def test_employee_status_moves(api_as, company):
    admin = api_as("admin")
    url = f"{EMPLOYEES}/{company['clerk'].pk}/status"
    response = admin.post(url, {"status": "left", "reason": "个人原因"})
    assert response.status_code == 200 and response.json()["status"] == "left"
    assert StateHistory.objects.filter(to_state="left", reason="个人原因").count() == 1
    forbidden = admin.post(url, {"status": "on_leave"})
    assert forbidden.status_code == 409 and error_codes(forbidden) == [("status", "INVALID_TRANSITION")]
    unknown = admin.post(url, {"status": "fired"})
    assert unknown.status_code == 400 and error_codes(unknown) == [("status", "INVALID_VALUE")]
    assert api_as("management").post(url, {"status": "active"}).status_code == 403
    # a plain update does not change the status
    admin.patch(f"{EMPLOYEES}/{company['clerk'].pk}", {"status": "active", "position": "主管"})
    company["clerk"].refresh_from_db()
    assert (company["clerk"].status, company["clerk"].position) == ("left", "主管")

"""Declarations API: permissions, create (201/200), masking of personal data, override, submit, messages; and
the state machine's edges (pure)."""

import pytest

from ecerp.core.states import can_move
from ecerp.customs.states import DECLARATION_TRANSITIONS
from ecerp.customs.states import DeclarationStatus as D
from tests.api.conftest import anonymous, api_as  # noqa: F401 - the API clients of tests/api
from tests.customs.test_declaration_helpers import (
    BUYER_ID,
    cross_border_store,
    declare,
    filed_product,
    identity,
    sales_order,
)


@pytest.mark.parametrize(("from_state", "to_state", "allowed"), [
    (D.DRAFT, D.READY, True), (D.DRAFT, D.PRECHECK_FAILED, True), (D.PRECHECK_FAILED, D.READY, True),
    (D.PRECHECK_FAILED, D.SUBMITTED, False), (D.READY, D.SUBMITTED, True), (D.SUBMITTED, D.DECLARED, True),
    (D.DECLARED, D.ACCEPTED, True), (D.ACCEPTED, D.MANUAL_REVIEW, True), (D.INSPECTION, D.RELEASED, True),
    (D.RELEASED, D.CLOSED, True), (D.RELEASED, D.ACCEPTED, False), (D.CLOSED, D.RELEASED, False),
    (D.REJECTED, D.READY, True), (D.CANCELLED, D.READY, False), (D.RELEASED, D.RETURNING, True),
    (D.RETURNING, D.RETURNED, True), (D.INSPECTION, D.RETURNED_ABROAD, True), (D.ACCEPTED, D.CANCELLING, True),
])
def test_state_machine_edges(from_state, to_state, allowed):
    assert can_move(DECLARATION_TRANSITIONS, from_state, to_state) is allowed


def test_every_state_has_its_row():
    assert set(DECLARATION_TRANSITIONS) == set(D.values)


@pytest.mark.django_db
def test_create_then_read_with_masking(api_as, anonymous, make_user):  # noqa: F811 - fixtures imported above
    # given a cross-border order
    order = sales_order(cross_border_store(), [(filed_product("MILK-1"), 1, "100")])
    body = {"order_id": order.pk, **identity()}
    # anonymous and the warehouse are refused
    assert anonymous.post("/api/customs/declarations", body).status_code == 401
    assert api_as("warehouse").post("/api/customs/declarations", body).status_code == 403
    # when the customs role creates the declaration: 201, then 200 for the same order
    customs = api_as("customs")
    created = customs.post("/api/customs/declarations", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["status"], data["buyer_id_number"], data["computed_tax"]) == ("ready", BUYER_ID, "9.10")
    assert customs.post("/api/customs/declarations", body).status_code == 200
    # finance reads it masked (no personal-data permission)
    finance = api_as("finance")
    masked = finance.get(f"/api/customs/declarations/{data['id']}").json()
    assert masked["buyer_id_number"] == "110101********1233"
    assert masked["buyer_phone"] == "138****0001"
    listed = finance.get("/api/customs/declarations").json()
    assert listed["count"] == 1 and listed["items"][0]["buyer_id_number"] == "110101********1233"
    # an unknown order is a 404 naming order_id
    missing = customs.post("/api/customs/declarations", {**body, "order_id": 999999})
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "order_id"


@pytest.mark.django_db
def test_override_submit_and_messages(api_as, make_user):  # noqa: F811 - fixtures imported above
    # given a declaration failing PAYER_NOT_BUYER
    declaration = declare(make_user("c0", role="customs"), cross_border_store(),
                          [(filed_product("MILK-1"), 1, "100")], payer_name="李四")
    path = f"/api/customs/declarations/{declaration.pk}"
    customs, operations = api_as("customs"), api_as("operations")
    detail = customs.get(path).json()
    assert [item["code"] for item in detail["findings"]] == ["PAYER_NOT_BUYER"]
    # submit is refused while the pre-check fails
    refused = customs.post(f"{path}/submit")
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "PRECHECKS_NOT_PASSED"
    # operations may not override; customs must give a reason
    assert operations.post(f"{path}/override", {"reason": "ok"}).status_code == 403
    assert customs.post(f"{path}/override", {"reason": ""}).json()["errors"][0]["code"] == "REASON_REQUIRED"
    assert customs.post(f"{path}/override", {"reason": "配偶代付"}).json()["status"] == "ready"
    # submit builds the four messages
    submitted = customs.post(f"{path}/submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    messages = customs.get(f"{path}/messages").json()
    assert [item["message_type"] for item in messages] == ["CEB311", "CEB411", "CEB511", "CEB621"]
    assert messages[0]["raw"].startswith("<?xml")
    # finance sees the log without the raw messages (they carry personal data)
    assert api_as("finance").get(f"{path}/messages").json()[0]["raw"] is None
    # a second submit is a conflict naming the states
    assert customs.post(f"{path}/submit").status_code == 409


@pytest.mark.django_db
def test_recheck_and_correct_identity(api_as, make_user):  # noqa: F811 - fixtures imported above
    declaration = declare(make_user("c0", role="customs"), cross_border_store(),
                          [(filed_product("MILK-1"), 1, "100")], buyer_id_number="110101199003071234",
                          payer_id_number="110101199003071234")
    path = f"/api/customs/declarations/{declaration.pk}"
    customs = api_as("customs")
    assert customs.post(f"{path}/recheck").json()["status"] == "precheck_failed"
    fixed = customs.patch(path, {"buyer_id_number": BUYER_ID, "payer_id_number": BUYER_ID})
    assert fixed.status_code == 200 and fixed.json()["status"] == "ready"
    bad = customs.patch(path, {"amount_paid": "abc"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "amount_paid"


@pytest.mark.django_db
def test_cancel_and_return_through_the_api(api_as, make_user):  # noqa: F811 - fixtures imported above
    from ecerp.customs.services.declarations import record_incoming, submit_declaration
    from tests.customs.test_declaration_helpers import list_receipt

    user = make_user("c0", role="customs")
    declaration = declare(user, cross_border_store(), [(filed_product("MILK-1"), 2, "100")])
    submit_declaration(user=user, declaration=declaration)
    path = f"/api/customs/declarations/{declaration.pk}"
    customs = api_as("customs")
    # a submitted declaration can be neither cancelled nor returned yet
    assert customs.post(f"{path}/cancel", {"reason": "x"}).json()["errors"][0]["code"] == "INVALID_TRANSITION"
    # once released, a return of more than was declared is refused naming the line
    for status in ("120", "800"):
        record_incoming(raw=list_receipt(declaration, status), source="t")
    bad = customs.post(f"{path}/return", {"lines": [{"gnum": 1, "quantity": 3}], "reason": "破损"})
    assert bad.status_code == 400 and bad.json()["errors"][0] == {
        "field": "lines.1", "code": "RETURN_LINES_INVALID", "message": bad.json()["errors"][0]["message"]}
    # and a valid return builds CEB625
    answer = customs.post(f"{path}/return", {"lines": [{"gnum": 1, "quantity": 1}], "reason": "破损"})
    assert answer.status_code == 200 and answer.json()["status"] == "returning"
    assert customs.get(f"{path}/messages").json()[-1]["message_type"] == "CEB625"

"""Declaration services: create from an order, pre-check, override (audited), submit (four signed, valid
messages), mark sent, and personal data encrypted at rest."""

from decimal import Decimal

import pytest
from django.db import connection

from ecerp.core.crypto import lookup_hash
from ecerp.core.errors import DomainError, PermissionDenied
from ecerp.core.models import AuditLog, StateHistory
from ecerp.core.states import InvalidTransition
from ecerp.customs.models import CustomsMessage, Declaration
from ecerp.customs.schema import validate_message
from ecerp.customs.services.declarations import (
    create_declarations,
    mark_sent,
    override_prechecks,
    recheck_declaration,
    submit_declaration,
    update_identity,
)
from ecerp.customs.signing import trusted_software_keys, verify
from ecerp.customs.states import DeclarationStatus as D
from tests.customs.test_declaration_helpers import (
    BUYER_ID,
    cross_border_store,
    declare,
    filed_product,
    identity,
    sales_order,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def customs_user(make_user):
    return make_user("customs1", role="customs")


def test_a_declaration_snapshots_the_order_and_passes_its_prechecks(customs_user):
    # given a cross-border order of infant formula: 2 x 200 + freight 20 (CUSTOMS.md §2(b) example 1)
    store = cross_border_store()
    milk = filed_product("MILK-1")
    # when it is declared with the buyer's identity
    declaration = declare(customs_user, store, [(milk, 2, "200.00")], order_extra={"freight": Decimal("20")})
    # then it is ready, with the list line from the filing and the tax of the worked example
    assert declaration.status == D.READY
    assert list(declaration.findings.all()) == []
    line = declaration.lines.get()
    assert (line.gnum, line.gcode, line.qty, line.unit, line.unit1, line.qty1) == (
        1, "1901101000", 2, "122", "035", Decimal("1.60000"))
    assert declaration.dutiable_value == Decimal("420.00")
    assert declaration.computed_tax == Decimal("38.22")
    assert declaration.tax_total == Decimal("38.22")
    assert declaration.actural_paid == Decimal("458.22") == declaration.amount_paid
    assert (declaration.ebp_code, declaration.customs_code, declaration.country) == ("3301960002", "2991", "116")


def test_creating_twice_answers_the_existing_declaration(customs_user):
    # given a declared order
    store = cross_border_store()
    order = sales_order(store, [(filed_product("MILK-1"), 1, "100")])
    first = create_declarations(user=customs_user, orders=[order], identities={order.pk: identity()})[0]
    # when it is declared again
    again = create_declarations(user=customs_user, orders=[order], identities={order.pk: identity()})[0]
    # then the same declaration answers
    assert again.pk == first.pk
    assert Declaration.objects.count() == 1


def test_a_store_without_channel_cannot_declare(customs_user):
    # given an order of a store without customs channel profile
    from ecerp.masterdata.models import Store

    store = Store.objects.create(code="DOM", name="国内店", platform="tmall", shop_id="dom")
    order = sales_order(store, [(filed_product("MILK-1"), 1, "100")])
    # when it is declared, then NO_CUSTOMS_CHANNEL names the order
    with pytest.raises(DomainError) as error:
        create_declarations(user=customs_user, orders=[order], identities={})
    assert (error.value.code, error.value.field) == ("NO_CUSTOMS_CHANNEL", "order_id")


def test_personal_data_is_encrypted_at_rest_with_a_keyed_hash_of_the_id(customs_user):
    # given a declaration
    declaration = declare(customs_user, cross_border_store(), [(filed_product("MILK-1"), 1, "100")])
    # when the raw columns are read
    with connection.cursor() as cursor:
        cursor.execute("SELECT buyer_name, buyer_id_number, buyer_phone, consignee_address, payer_id_number "
                       "FROM customs_declaration WHERE id = %s", [declaration.pk])
        raw = cursor.fetchone()
    # then no clear value is stored, and the ID has its keyed hash for the quota
    assert all(value.startswith("enc1:") for value in raw)
    assert BUYER_ID not in "".join(raw) and "张三" not in "".join(raw)
    assert declaration.buyer_id_hash == lookup_hash(BUYER_ID)
    assert Declaration.objects.get(pk=declaration.pk).buyer_id_number == BUYER_ID


def test_failed_prechecks_block_submission_until_fixed(customs_user):
    # given a declaration whose buyer name is missing
    declaration = declare(customs_user, cross_border_store(), [(filed_product("MILK-1"), 1, "100")], buyer_name="")
    assert declaration.status == D.PRECHECK_FAILED
    assert [finding.code for finding in declaration.findings.all()] == ["BUYER_NAME_MISSING"]
    # when it is submitted, then PRECHECKS_NOT_PASSED
    with pytest.raises(DomainError) as error:
        submit_declaration(user=customs_user, declaration=declaration)
    assert error.value.code == "PRECHECKS_NOT_PASSED"
    # when the name is given, the findings are replaced and it is ready
    declaration = update_identity(user=customs_user, declaration=declaration,
                                  identity={"buyer_name": "张三", "payer_name": "张三"})
    assert declaration.status == D.READY
    assert declaration.findings.count() == 0


def test_override_needs_the_permission_and_a_reason_and_is_audited(customs_user, make_user):
    # given a declaration failing a pre-check (payer is not the buyer)
    declaration = declare(customs_user, cross_border_store(), [(filed_product("MILK-1"), 1, "100")],
                          payer_name="李四")
    assert declaration.status == D.PRECHECK_FAILED
    # when an operations clerk overrides, then permission denied
    with pytest.raises(PermissionDenied):
        override_prechecks(user=make_user("ops1", role="operations"), declaration=declaration, reason="ok")
    # when the customs user overrides without a reason, then REASON_REQUIRED
    with pytest.raises(DomainError) as error:
        override_prechecks(user=customs_user, declaration=declaration, reason=" ")
    assert error.value.code == "REASON_REQUIRED"
    # when with a reason
    declaration = override_prechecks(user=customs_user, declaration=declaration, reason="支付人为配偶，已核实")
    # then it is ready, the findings are marked overridden, the move and the audit row keep the reason
    assert declaration.status == D.READY
    assert declaration.findings.get().overridden is True
    assert declaration.overridden_by == customs_user
    rows = {"model": "customs.declaration", "object_id": str(declaration.pk)}
    history = StateHistory.objects.filter(**rows).order_by("id").last()
    assert (history.to_state, history.reason) == ("ready", "支付人为配偶，已核实")
    audit = AuditLog.objects.filter(**rows).order_by("id").last()
    assert "PAYER_NOT_BUYER" in audit.note and "支付人为配偶" in audit.note
    # and a re-check replaces the findings and clears the override
    recheck_declaration(user=customs_user, declaration=declaration)
    declaration.refresh_from_db()
    assert (declaration.status, declaration.override_reason) == (D.PRECHECK_FAILED, "")


def test_submit_builds_four_signed_valid_messages_and_mark_sent_declares(customs_user):
    # given a ready declaration
    declaration = declare(customs_user, cross_border_store(), [(filed_product("MILK-1"), 2, "200")])
    # when it is submitted
    messages = submit_declaration(user=customs_user, declaration=declaration)
    # then CEB311, 411, 511 and 621 are stored pending, each signed and valid against the XSD
    assert [message.message_type for message in messages] == ["CEB311", "CEB411", "CEB511", "CEB621"]
    for message in CustomsMessage.objects.filter(declaration=declaration):
        raw = bytes(message.raw)
        assert message.status == "pending" and message.direction == "out"
        assert validate_message(raw) == []
        assert verify(raw, trusted=trusted_software_keys()).valid
        assert message.guid.encode() in raw
    declaration.refresh_from_db()
    assert declaration.status == D.SUBMITTED
    # the stored message is encrypted at rest
    with connection.cursor() as cursor:
        cursor.execute("SELECT raw FROM customs_customsmessage WHERE id = %s", [messages[0].pk])
        assert bytes(cursor.fetchone()[0]).startswith(b"enc1:")
    # when the exchange reports them sent
    assert mark_sent(message_ids=[message.pk for message in messages]) == 4
    assert mark_sent(message_ids=[message.pk for message in messages]) == 0
    # then the declaration is declared
    declaration.refresh_from_db()
    assert declaration.status == D.DECLARED


def test_a_submitted_declaration_cannot_be_submitted_or_rechecked_again(customs_user):
    # given a submitted declaration
    declaration = declare(customs_user, cross_border_store(), [(filed_product("MILK-1"), 1, "100")])
    submit_declaration(user=customs_user, declaration=declaration)
    # when it is submitted again, then INVALID_TRANSITION naming both states
    with pytest.raises(InvalidTransition):
        submit_declaration(user=customs_user, declaration=declaration)
    # when it is re-checked, then DECLARATION_NOT_EDITABLE
    with pytest.raises(DomainError) as error:
        recheck_declaration(user=customs_user, declaration=declaration)
    assert error.value.code == "DECLARATION_NOT_EDITABLE"


def test_demo_declarations_fail_some_submit_the_rest_and_run_once(customs_user):
    # given eight orders of a cross-border store
    from ecerp.customs.demo_declarations import build_demo_declarations

    store = cross_border_store()
    milk = filed_product("MILK-1")
    for _number in range(8):
        sales_order(store, [(milk, 1, "100")])
    # when the demo declarations are built twice
    counts = build_demo_declarations(customs_user)
    again = build_demo_declarations(customs_user)
    # then every order is declared once: one fails its pre-check on purpose, the others are submitted
    assert counts == {"declarations": 8, "submitted": 7, "precheck_failed": 1}
    assert again == {"declarations": 0, "submitted": 0, "precheck_failed": 0}
    assert Declaration.objects.filter(status=D.SUBMITTED).count() == 7
    assert CustomsMessage.objects.filter(direction="out").count() == 28


def test_cli_declares_orders_with_identities_from_stdin(customs_user):
    # given an order
    import io
    import json

    from django.core.management import call_command

    order = sales_order(cross_border_store(), [(filed_product("MILK-1"), 1, "100")])
    out = io.StringIO()
    # when it is declared from the console
    call_command("customs", "declare", "--user", customs_user.username, stdout=out,
                 stdin=io.StringIO(json.dumps([{"order": order.code, **identity()}])))
    # then the declaration is created and pre-checked
    answer = json.loads(out.getvalue())
    assert [(item["order"], item["status"], item["findings"]) for item in answer] == [(order.code, "ready", [])]

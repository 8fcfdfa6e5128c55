"""Pre-checks of many declarations at once: the look-ups are made once for the set, with the same answers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecerp.customs.services.declaration_facts import FactsLookups, declaration_facts
from ecerp.customs.services.declarations import create_declarations, recheck_declarations, record_incoming
from ecerp.customs.states import DeclarationStatus as D
from tests.customs.test_declaration_helpers import (
    BUYER_ID,
    cross_border_store,
    declare,
    filed_product,
    identity,
    list_receipt,
    sales_order,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def customs_user(make_user):
    return make_user("customs1", role="customs")


def test_two_new_declarations_with_one_waybill_number_find_each_other(customs_user):
    # given two orders declared in one call with the same waybill number
    store, product = cross_border_store(), filed_product()
    orders = [sales_order(store, [(product, 1, "100.00")]) for _ in range(2)]
    identities = {order.pk: identity(logistics_no="YT0000000777") for order in orders}
    # when they are created (and pre-checked together)
    first, second = create_declarations(user=customs_user, orders=orders, identities=identities)
    # then each names the other as the earlier user of the waybill number, as one-by-one declaring would
    for declaration, other in ((first, second), (second, first)):
        assert declaration.status == D.PRECHECK_FAILED
        reused = [finding for finding in declaration.findings.all() if finding.code == "WAYBILL_NUMBER_REUSED"]
        assert reused and other.cop_no in reused[0].message


def test_the_annual_quota_of_a_batch_counts_released_lists_of_the_same_buyer(customs_user):
    # given a released list of 25,500 for a buyer this year
    store = cross_border_store()
    earlier = declare(customs_user, store, [(filed_product("BIG-1"), 5, "5000.00")])
    from ecerp.customs.models import Declaration
    Declaration.objects.filter(pk=earlier.pk).update(status=D.RELEASED, dutiable_value="25500.00")
    # when two more orders of the same buyer (600 and 100) are pre-checked together
    orders = [sales_order(store, [(filed_product(code), 1, price)]) for code, price in (("A-1", "600.00"),
                                                                                       ("B-1", "100.00"))]
    big, small = create_declarations(user=customs_user, orders=orders,
                                     identities={order.pk: identity() for order in orders})
    # then the one that would pass 26,000 is held, the other passes (only released lists count)
    assert [finding.code for finding in big.findings.all()] == ["ANNUAL_QUOTA_EXCEEDED"]
    assert small.status == D.READY
    assert big.buyer_id_number == BUYER_ID


def test_the_look_ups_of_a_set_are_three_queries_whatever_its_size(customs_user):
    # given ten declarations
    store = cross_border_store()
    declarations = [declare(customs_user, store, [(filed_product(f"P-{number}"), 1, "100.00")])
                    for number in range(10)]
    # when their look-ups are made for the set
    with CaptureQueriesContext(connection) as queries:
        lookups = FactsLookups(declarations)
    # then: the tolerance setting, the annual quota, the waybill numbers
    assert len(queries) == 3
    # and the facts of a declaration with its lines and order lines at hand need no query at all
    declaration = declarations[0]
    lines = list(declaration.lines.select_related("product__customs_filing"))
    order_lines = {line.line_no: line.quantity for line in declaration.order.lines.all()}
    with CaptureQueriesContext(connection) as queries:
        facts = declaration_facts(declaration, lines, lookups=lookups, order_lines=order_lines)
    assert len(queries) == 0 and facts.lines[0].filing_problem is None


def test_recheck_of_a_set_with_one_declaration_no_longer_editable_changes_nothing(customs_user):
    # given a ready declaration and a released one
    store = cross_border_store()
    ready = declare(customs_user, store, [(filed_product("R-1"), 1, "100.00")])
    released = declare(customs_user, store, [(filed_product("R-2"), 1, "100.00")])
    from ecerp.customs.services.declarations import submit_declaration
    submit_declaration(user=customs_user, declaration=released)
    record_incoming(raw=list_receipt(released, "800"), source="test")
    checked_at = ready.checked_at
    # when both are re-checked together
    from ecerp.core.errors import DomainError
    with pytest.raises(DomainError) as refused:
        recheck_declarations(user=customs_user, declarations=[ready, released])
    # then it is refused and the ready one was not re-checked either
    assert refused.value.code == "DECLARATION_NOT_EDITABLE"
    ready.refresh_from_db()
    assert ready.checked_at == checked_at

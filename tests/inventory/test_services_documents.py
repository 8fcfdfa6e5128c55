"""Other receipts and other issues: draft -> confirmed, cancelled; audited, evented."""

import re
from decimal import Decimal

import pytest

from ecerp.core.errors import DomainError
from ecerp.core.models import AuditLog, OutboxEvent, StateHistory
from ecerp.inventory import services
from ecerp.inventory.models import StockMove
from tests.inventory.helpers import balance, bundle, receive, sku, warehouse

pytestmark = pytest.mark.django_db


def test_an_other_receipt_posts_its_lines_on_confirmation(admin_user):
    # given a draft other receipt of two lines
    cream, lotion, wh = sku("面霜"), sku("乳液"), warehouse()
    document = services.create_stock_document(user=admin_user, direction="receipt", warehouse=wh, reason="赠品入库",
                                              lines=[{"product": cream, "quantity": 3, "unit_cost": Decimal("5")}])
    services.add_stock_document_line(user=admin_user, document=document, product=lotion, quantity=2,
                                     unit_cost=Decimal("7.125"))
    assert re.fullmatch(r"QR\d{8}\d{4}", document.code)
    # then nothing moved yet
    assert balance(cream, wh)[0] == 0
    # when it is confirmed
    services.confirm_stock_document(user=admin_user, document=document)
    # then both lines moved, values are frozen on the lines, and the state change is recorded
    document.refresh_from_db()
    assert document.status == "confirmed" and document.confirmed_at is not None
    assert balance(cream, wh)[:3] == (3, 0, Decimal("15.00"))
    assert balance(lotion, wh)[:3] == (2, 0, Decimal("14.25"))
    assert [(line.line_no, line.value) for line in document.lines.all()] == [(1, Decimal("15.00")),
                                                                             (2, Decimal("14.25"))]
    assert StockMove.objects.filter(document_code=document.code, kind="other_receipt").count() == 2
    assert StateHistory.objects.filter(object_id=str(document.pk), to_state="confirmed").exists()
    assert AuditLog.objects.filter(model="inventory.stockdocument", object_id=str(document.pk)).count() == 2
    event = OutboxEvent.objects.get(event_type="StockReceived")
    assert event.payload["document_code"] == document.code and event.payload["total_value"] == "29.25"
    # and confirming again posts nothing twice
    services.confirm_stock_document(user=admin_user, document=document)
    assert balance(cream, wh)[0] == 3


def test_an_other_issue_leaves_at_the_average_and_is_refused_when_short():
    product, wh = sku(), warehouse()
    receive(product, wh, 4, "2.5")
    document = services.create_stock_document(user=None, direction="issue", warehouse=wh, reason="报损",
                                              lines=[{"product": product, "quantity": 5,
                                                      "unit_cost": Decimal("99")}])
    assert re.fullmatch(r"QC\d{12}", document.code)
    with pytest.raises(DomainError) as error:
        services.confirm_stock_document(user=None, document=document)
    assert error.value.code == "INSUFFICIENT_STOCK"
    document.refresh_from_db()
    assert document.status == "draft"
    line = document.lines.get()
    line.quantity = 2
    line.save()
    services.confirm_stock_document(user=None, document=document)
    line.refresh_from_db()
    # the given cost of an issue line is ignored: issues leave at the moving average
    assert (line.unit_cost, line.value) == (Decimal("2.500000"), Decimal("5.00"))
    assert OutboxEvent.objects.get(event_type="StockIssued").payload["lines"][0]["value"] == "-5.00"


def test_an_empty_document_cannot_be_confirmed_and_a_confirmed_one_cannot_change():
    product, wh = sku(), warehouse()
    document = services.create_stock_document(user=None, direction="receipt", warehouse=wh)
    with pytest.raises(DomainError) as error:
        services.confirm_stock_document(user=None, document=document)
    assert error.value.code == "NO_LINES"
    services.add_stock_document_line(user=None, document=document, product=product, quantity=1)
    services.confirm_stock_document(user=None, document=document)
    with pytest.raises(DomainError) as error:
        services.add_stock_document_line(user=None, document=document, product=product, quantity=1)
    assert error.value.code == "NOT_DRAFT"
    with pytest.raises(DomainError) as error:
        services.cancel_stock_document(user=None, document=document)
    assert error.value.code == "INVALID_TRANSITION"


def test_a_cancelled_draft_cannot_be_confirmed():
    product, wh = sku(), warehouse()
    document = services.create_stock_document(user=None, direction="receipt", warehouse=wh,
                                              lines=[{"product": product, "quantity": 1}])
    services.cancel_stock_document(user=None, document=document, reason="录错")
    with pytest.raises(DomainError) as error:
        services.confirm_stock_document(user=None, document=document)
    assert error.value.code == "INVALID_TRANSITION"
    assert balance(product, wh)[0] == 0


def test_line_errors_name_the_line():
    product, wh = sku(), warehouse()
    box = bundle([(product, 1)])
    with pytest.raises(DomainError) as error:
        services.create_stock_document(user=None, direction="receipt", warehouse=wh,
                                       lines=[{"product": product, "quantity": 1},
                                              {"product": box, "quantity": 1}])
    assert (error.value.code, error.value.field) == ("BUNDLE_NOT_STOCKED", "lines.2.product")
    with pytest.raises(DomainError) as error:
        services.create_stock_document(user=None, direction="receipt", warehouse=wh,
                                       lines=[{"product": product, "quantity": 0}])
    assert (error.value.code, error.value.field) == ("NEGATIVE_QUANTITY", "lines.1.quantity")
    with pytest.raises(DomainError) as error:
        services.create_stock_document(user=None, direction="sideways", warehouse=wh)
    assert error.value.field == "direction"


def test_a_draft_line_can_be_removed():
    product, wh = sku(), warehouse()
    document = services.create_stock_document(user=None, direction="receipt", warehouse=wh,
                                              lines=[{"product": product, "quantity": 1}])
    services.remove_stock_document_line(user=None, line=document.lines.get())
    assert not document.lines.exists()

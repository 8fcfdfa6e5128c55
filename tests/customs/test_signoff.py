"""The consignee's sign-off of a released parcel is reported to customs as CEB513 (then customs closes the list)."""

import datetime

import pytest

from ecerp.core.errors import DomainError
from ecerp.core.events import deliver_pending, publish
from ecerp.customs.errors import CustomsError
from ecerp.customs.models import CustomsMessage
from ecerp.customs.schema import validate_message
from ecerp.customs.services.declaration_signoff import report_sign_off
from ecerp.customs.services.declarations import record_incoming, submit_declaration
from ecerp.customs.states import DeclarationStatus as D
from ecerp.customs.states import MessageDirection, MessageStatus
from ecerp.inventory.events import SHIPMENT_SIGNED
from tests.customs.test_declaration_helpers import cross_border_store, declare, filed_product, list_receipt

pytestmark = pytest.mark.django_db
SIGNED_AT = datetime.datetime(2026, 12, 2, 15, 30, tzinfo=datetime.UTC)


@pytest.fixture
def customs_user(make_user):
    return make_user("customs1", role="customs")


def released(user):
    declaration = declare(user, cross_border_store(), [(filed_product(), 2, "200.00")])
    submit_declaration(user=user, declaration=declaration)
    record_incoming(raw=list_receipt(declaration, "800"), source="test")
    declaration.refresh_from_db()
    assert declaration.status == D.RELEASED
    return declaration


def sign_offs(declaration):
    return CustomsMessage.objects.filter(declaration=declaration, direction=MessageDirection.OUT,
                                         message_type="CEB513")


def test_a_released_declaration_reports_its_sign_off_once(customs_user):
    # given a released declaration
    declaration = released(customs_user)
    # when its sign-off is reported twice
    first = report_sign_off(user=customs_user, declaration=declaration, signed_at=SIGNED_AT)
    again = report_sign_off(user=customs_user, declaration=declaration, signed_at=SIGNED_AT)
    # then one signed CEB513 waits to be sent, valid against the XSD, naming the waybill and the time
    assert again.pk == first.pk and sign_offs(declaration).count() == 1
    assert first.status == MessageStatus.PENDING
    assert validate_message(first.raw) == []
    raw = first.raw.decode()
    assert f"<ceb:logisticsNo>{declaration.logistics_no}</ceb:logisticsNo>" in raw
    assert "<ceb:logisticsStatus>S</ceb:logisticsStatus>" in raw and "ds:Signature" in raw
    assert "<ceb:logisticsTime>20261202233000</ceb:logisticsTime>" in raw  # Beijing time
    # and the declaration waits for customs to close it
    declaration.refresh_from_db()
    assert declaration.status == D.RELEASED


def test_a_sign_off_before_release_is_refused(customs_user):
    # given a declaration that customs has not released yet
    declaration = declare(customs_user, cross_border_store(), [(filed_product(), 1, "100.00")])
    submit_declaration(user=customs_user, declaration=declaration)
    # when its sign-off is reported
    with pytest.raises(DomainError) as refused:
        report_sign_off(user=customs_user, declaration=declaration)
    # then it is refused with a clear code and nothing is queued
    assert refused.value.code == CustomsError.NOT_RELEASED and "尚未放行" in str(refused.value)
    assert not sign_offs(declaration).exists()


def test_the_parcel_signed_event_of_a_released_order_queues_the_sign_off(customs_user):
    # given a released declaration and another order's parcel
    declaration = released(customs_user)
    # when the carrier's sign-off of the order's parcel arrives (inventory's ShipmentSigned), and one of a
    # parcel that is no sales order's
    publish(SHIPMENT_SIGNED, {"shipment_id": 1, "shipment_code": "FH1", "reference_type": "sales_order",
                              "reference_id": str(declaration.order_id), "occurred_at": SIGNED_AT.isoformat()})
    publish(SHIPMENT_SIGNED, {"shipment_id": 2, "shipment_code": "FH2", "reference_type": "aftersales_case",
                              "reference_id": str(declaration.order_id)})
    deliver_pending()
    # then exactly one CEB513 is queued for the declaration
    assert sign_offs(declaration).count() == 1


def test_the_parcel_signed_event_of_an_unreleased_order_queues_nothing(customs_user):
    # given a declaration still in customs
    declaration = declare(customs_user, cross_border_store(), [(filed_product(), 1, "100.00")])
    # when its parcel's sign-off arrives
    publish(SHIPMENT_SIGNED, {"shipment_id": 1, "shipment_code": "FH1", "reference_type": "sales_order",
                              "reference_id": str(declaration.order_id)})
    deliver_pending()
    # then nothing is sent (and the event is handled, not retried forever)
    assert not sign_offs(declaration).exists()

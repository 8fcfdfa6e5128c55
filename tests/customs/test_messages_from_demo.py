"""Every message type ECERP builds, built from the demo business (not from test factories), signed with the
configured signer and valid against the official XSD."""

import datetime

import pytest
from django.utils import timezone

from ecerp.customs.demo import build_demo_customs
from ecerp.customs.demo_declarations import build_demo_declarations
from ecerp.customs.models import Declaration
from ecerp.customs.schema import validate_message
from ecerp.customs.services import declaration_documents as documents
from ecerp.customs.services.declarations import build_signed, record_incoming
from ecerp.customs.states import DeclarationStatus as D
from ecerp.customs.states import MessageDirection
from ecerp.masterdata.demo import build_demo_company
from ecerp.sales.demo import build_demo_orders
from tests.customs.test_declaration_helpers import list_receipt

pytestmark = pytest.mark.django_db


def test_every_message_type_builds_from_the_demo_and_validates():
    # given the demo company, its orders and the customs demo, with one list released by customs
    build_demo_company(None)
    build_demo_orders(None)
    build_demo_customs(None)
    build_demo_declarations(None)
    submitted = list(Declaration.objects.filter(status=D.SUBMITTED).order_by("pk"))
    assert len(submitted) >= 3
    record_incoming(raw=list_receipt(submitted[0], "800"), source="test")
    released = Declaration.objects.get(pk=submitted[0].pk)
    assert released.status == D.RELEASED and released.invt_no
    # then the four messages the demo submitted are stored signed and valid
    for declaration in submitted:
        stored = declaration.messages.filter(direction=MessageDirection.OUT)
        assert sorted(stored.values_list("message_type", flat=True)) == ["CEB311", "CEB411", "CEB511", "CEB621"]
        for message in stored:
            assert validate_message(message.raw) == [], message.message_type
    # and every other type built from the demo's declarations signs and validates too
    now = timezone.now()
    lines = list(released.lines.all())
    built = {
        **documents.declaration_documents(released, now=now),
        "CEB513": documents.sign_off_document(released, signed_at=now - datetime.timedelta(hours=1), now=now),
        "CEB623": documents.cancel_document(released, reason="买家申请取消", now=now),
        "CEB625": documents.refund_document(released, lines=[(line, 1) for line in lines], reason="七天无理由退货",
                                            now=now),
        "CEB711": documents.delivery_document(submitted, bill_no="999-12345675", traf_mode="5", traf_no="CA1234",
                                              voyage_no="CA1234", operator_code="4612960001",
                                              operator_name="海口综保区监管场所", now=now),
    }
    assert sorted(built) == ["CEB311", "CEB411", "CEB511", "CEB513", "CEB621", "CEB623", "CEB625", "CEB711"]
    for message_type, document in built.items():
        raw, guid = build_signed(message_type, document)  # raises when the XSD refuses it
        assert validate_message(raw) == [] and guid.encode() in raw and b"ds:Signature" in raw, message_type

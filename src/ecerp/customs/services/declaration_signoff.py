"""Report the consignee's sign-off (签收) of a released parcel to customs: the waybill status CEB513.

Customs closes a released list (899 结关) once the waybill of its parcel is signed for. The logistics company
sends CEB513; ECERP sends it on the carrier's behalf when the carrier's sign-off reaches ECERP (the parcel's
ShipmentSigned event, see ecerp.customs.handlers), signed like every other message.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecerp.customs.errors import CustomsConflict, CustomsError
from ecerp.customs.models import CustomsMessage, Declaration
from ecerp.customs.services import declaration_documents as documents
from ecerp.customs.services.declarations import _decoded, _store_message, build_signed, locked
from ecerp.customs.states import DeclarationStatus, MessageDirection

SIGN_OFF_TYPE = "CEB513"
# a sign-off can be reported once customs has released the list (and again never: see report_sign_off)
SIGNABLE = (DeclarationStatus.RELEASED,)


def report_sign_off(*, user, declaration: Declaration, signed_at: datetime.datetime | None = None) -> CustomsMessage:
    """Queue the waybill sign-off (CEB513, logisticsStatus "S") of a released declaration.

    Idempotent: a declaration that already has a CEB513 returns that message. Errors: NOT_RELEASED (409) when
    customs has not released the list yet (a parcel is not signed for before release in a sound flow).
    Side effect: one pending outgoing CustomsMessage, sent by the exchange job; the declaration's state moves
    only with customs' answers (899 closes it).
    """
    signed_at = signed_at or timezone.now()
    with transaction.atomic():
        declaration = locked(declaration)
        earlier = declaration.messages.filter(direction=MessageDirection.OUT, message_type=SIGN_OFF_TYPE).first()
        if earlier is not None:
            return earlier
        if declaration.status not in SIGNABLE:
            raise CustomsConflict(CustomsError.NOT_RELEASED,
                                  _("申报单 %(code)s 尚未放行（当前：%(state)s），不能报送签收"),
                                  field="status", code=declaration.cop_no,
                                  state=DeclarationStatus(declaration.status).label)
        document = documents.sign_off_document(declaration, signed_at=signed_at)
        raw, guid = build_signed(SIGN_OFF_TYPE, document)
        return _store_message(declaration=declaration, message_type=SIGN_OFF_TYPE, raw=raw, guid=guid,
                              decoded=_decoded(declaration, SIGN_OFF_TYPE, document,
                                               logistics_time=signed_at.isoformat()))

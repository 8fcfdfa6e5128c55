"""Handlers of other apps' events (registered at start-up by CustomsConfig.ready).

- ShipmentSigned of a sales order's parcel: when the order's declaration is released, report the sign-off
  to customs (CEB513), after which customs closes the list (899). Idempotent: report_sign_off returns the
  earlier CEB513 of a declaration that has one.
"""

from __future__ import annotations

import datetime
import logging

from ecerp.core.events import subscribe
from ecerp.customs.models import Declaration
from ecerp.customs.services.declaration_signoff import SIGNABLE, report_sign_off
from ecerp.inventory.events import SHIPMENT_SIGNED

logger = logging.getLogger("ecerp.customs")
# the reference of a sales order's parcel (ecerp.sales.services.allocation.RESERVATION_TYPE; customs does not
# import the sales services)
ORDER_REFERENCE = "sales_order"


@subscribe(SHIPMENT_SIGNED)
def report_sign_off_of_signed_parcel(payload: dict) -> None:
    if payload.get("reference_type") != ORDER_REFERENCE:
        return
    declaration = Declaration.objects.filter(order_id=_int(payload.get("reference_id"))).first()
    if declaration is None:
        return
    if declaration.status not in SIGNABLE:
        logger.info("declaration %s is %s: sign-off of parcel %s not reported", declaration.pk, declaration.status,
                    payload.get("shipment_code"))
        return
    report_sign_off(user=None, declaration=declaration, signed_at=_time(payload.get("occurred_at")))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _time(value):
    try:
        return datetime.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None

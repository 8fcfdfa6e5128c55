"""Handlers of inventory's parcel events (registered at start-up by AftersalesConfig.ready).

- ShipmentShipped of a replacement parcel (reference aftersales_case) completes its exchange.
- ShipmentReturned of an order's parcel brings its intercepting case to returned.
- ShipmentSigned of an order's parcel fails its intercepting case (delivered before the interception took).
Each is idempotent: the services treat the target state as a no-op.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from ecerp.aftersales.models import AfterSalesCase
from ecerp.aftersales.services import complete_exchange, fail_intercept, record_intercept_return
from ecerp.aftersales.services.common import CASE_REFERENCE
from ecerp.aftersales.states import CaseStatus, CaseType
from ecerp.core.events import subscribe
from ecerp.inventory.events import SHIPMENT_RETURNED, SHIPMENT_SHIPPED, SHIPMENT_SIGNED


def _intercepting(payload: dict):
    return AfterSalesCase.objects.filter(type=CaseType.INTERCEPT, status=CaseStatus.INTERCEPTING,
                                         shipment_id=payload.get("shipment_id")).first()


@subscribe(SHIPMENT_SHIPPED, batch=True)
def complete_exchange_on_shipment(payloads: list[dict]) -> None:
    # a batch handler: most shipped parcels are orders' (one cheap pass), few are replacement parcels
    codes = {_int(payload.get("reference_id")): payload.get("shipment_code", "") for payload in payloads
             if payload.get("reference_type") == CASE_REFERENCE}
    codes.pop(None, None)
    if not codes:
        return
    for case in AfterSalesCase.objects.filter(pk__in=list(codes), status=CaseStatus.RESHIPPED).order_by("pk"):
        complete_exchange(user=None, case=case, reason=_("补发包裹 %(code)s 已发货") % {"code": codes[case.pk]})


@subscribe(SHIPMENT_RETURNED)
def return_intercepted_case(payload: dict) -> None:
    case = _intercepting(payload)
    if case is not None:
        record_intercept_return(user=None, case=case)


@subscribe(SHIPMENT_SIGNED)
def fail_intercept_on_signature(payload: dict) -> None:
    case = _intercepting(payload)
    if case is not None:
        fail_intercept(user=None, case=case, reason=_("包裹已签收，拦截失败"))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

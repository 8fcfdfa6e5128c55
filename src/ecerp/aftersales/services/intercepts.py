"""Interception of a parcel in transit (拦截): ask the carrier, take the goods back when they return.

The parcel verbs are inventory's (intercept_shipment, record_return): the goods come back into the
shipping warehouse as sellable return_in moves at the cost they left with. The case follows:
requested -> intercepting -> returned, or failed when the carrier refuses or the parcel is signed.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecerp.aftersales import events
from ecerp.aftersales.errors import AftersalesConflict, AftersalesError
from ecerp.aftersales.models import AfterSalesCase
from ecerp.aftersales.services.common import add_return, check_move, locked_case, move_case
from ecerp.aftersales.services.returns import return_rows
from ecerp.aftersales.states import CaseStatus, Condition
from ecerp.core.audit import record_change, snapshot
from ecerp.core.errors import DomainError
from ecerp.core.models import AuditAction
from ecerp.inventory.models import MoveKind, Shipment, StockMove
from ecerp.inventory.services import intercept_shipment, record_return
from ecerp.inventory.services.shipments import DOCUMENT_TYPE as SHIPMENT_DOCUMENT
from ecerp.inventory.states import ShipmentStatus


def fail_intercept(*, user, case: AfterSalesCase, reason: str) -> AfterSalesCase:
    """The interception did not take (carrier refused, parcel signed): requested|intercepting -> failed."""
    with transaction.atomic():
        case = locked_case(case)
        if case.status == CaseStatus.FAILED:
            return case
        check_move(case, CaseStatus.FAILED)
        before = snapshot(case)
        case.note = reason[:300]
        case.save(update_fields=["note", "updated_at"])
        move_case(user, case, CaseStatus.FAILED, reason)
        record_change(user=user, action=AuditAction.TRANSITION, instance=case, before=before, after=snapshot(case),
                      note=reason[:300])
    return case


def intercept_case(*, user, case: AfterSalesCase) -> AfterSalesCase:
    """Ask the carrier to stop the order's parcel: requested -> intercepting (a second call is a no-op).

    When the carrier refuses (CARRIER_FAILED) or the parcel is no longer in transit, the case
    ends failed with the carrier's message and is returned (no error): the attempt is a fact.
    INVALID_TRANSITION for another type or state.
    """
    case = AfterSalesCase.objects.select_related("shipment").get(pk=case.pk)
    if case.status == CaseStatus.INTERCEPTING:
        return case
    check_move(case, CaseStatus.INTERCEPTING)
    if case.shipment is None:
        raise AftersalesConflict(AftersalesError.NO_SHIPMENT, _("售后单「%(code)s」没有可拦截的包裹"),
                                 field="shipment", code=case.code)
    try:
        intercept_shipment(user=user, shipment=case.shipment, reason=_("售后单 %(code)s") % {"code": case.code})
    except DomainError as error:  # the carrier's answer is kept on the case
        return fail_intercept(user=user, case=case, reason=error.details[0].message)
    with transaction.atomic():
        case = locked_case(case)
        check_move(case, CaseStatus.INTERCEPTING)
        before = snapshot(case)
        move_case(user, case, CaseStatus.INTERCEPTING, _("已请求承运商拦截"))
        record_change(user=user, action=AuditAction.TRANSITION, instance=case, before=before, after=snapshot(case))
    return case


def record_intercept_return(*, user, case: AfterSalesCase,
                            returned_at: datetime.datetime | None = None) -> AfterSalesCase:
    """The intercepted parcel is back: its goods are received (inventory record_return) and the case
    moves intercepting -> returned; OrderReturned. A second call is a no-op.

    The units count as returned on their order lines (OVER_RETURN, 409, if that would pass shipped).
    """
    returned_at = returned_at or timezone.now()
    with transaction.atomic():
        case = locked_case(case)
        if case.status == CaseStatus.RETURNED:
            return case
        check_move(case, CaseStatus.RETURNED)
        parcel = Shipment.objects.get(pk=case.shipment_id)
        if parcel.status != ShipmentStatus.RETURNED:
            record_return(user=user, shipment=parcel, returned_at=returned_at)
        before = snapshot(case)
        lines = list(case.lines.select_related("order_line", "order_line__product"))
        for line in lines:
            if not add_return(order_line=line.order_line, quantity=line.quantity):
                raise AftersalesConflict(AftersalesError.OVER_RETURN, _(
                    "订单第 %(no)s 行退回数量超过发货数量减已退数量"), field="lines", no=line.order_line.line_no)
            line.sellable_quantity = line.quantity
            line.save(update_fields=["sellable_quantity"])
        case.received_at = returned_at
        case.save(update_fields=["received_at", "updated_at"])
        move_case(user, case, CaseStatus.RETURNED, _("拦截包裹已退回入库"))
        record_change(user=user, action=AuditAction.TRANSITION, instance=case, before=before, after=snapshot(case))
        moves = list(StockMove.objects.filter(document_type=SHIPMENT_DOCUMENT, document_id=str(parcel.pk),
                                              kind=MoveKind.RETURN_IN).select_related("product", "warehouse"))
        by_product = {}
        for line in lines:
            for component in _stocked(line.order_line.product):
                by_product.setdefault(component, line.order_line)
        rows = return_rows(moves, {move.document_line: (by_product.get(move.product_id, lines[0].order_line),
                                                        str(Condition.SELLABLE)) for move in moves})
        events.publish_returned(case, rows, occurred_at=returned_at)
    return case


def _stocked(product) -> list[int]:
    if product is None:
        return []
    if product.is_bundle:
        return list(product.components.values_list("component_id", flat=True))
    return [product.pk]

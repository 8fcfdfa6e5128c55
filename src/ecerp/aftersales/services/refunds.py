"""Pay the money back (退款): the last step of refund-only, return and intercept cases."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecerp.aftersales import events
from ecerp.aftersales.errors import AftersalesConflict, AftersalesError
from ecerp.aftersales.models import AfterSalesCase
from ecerp.aftersales.services.common import add_refund, check_move, locked_case, move_case, refund_total
from ecerp.aftersales.states import CaseStatus
from ecerp.core.audit import record_change, snapshot
from ecerp.core.models import AuditAction


def refund_case(*, user, case: AfterSalesCase, occurred_at: datetime.datetime | None = None,
                note: str = "") -> AfterSalesCase:
    """Record the refund of a case (its requested amount): -> refunded; OrderRefunded. Refunding twice is a no-op.

    From approved (refund only), received (return) or returned (intercept); INVALID_TRANSITION
    otherwise. The order's refunded total rises with one conditional UPDATE: a refund that would
    pass what the buyer paid is OVER_REFUND (409, field refund_amount), whatever ran concurrently.
    """
    occurred_at = occurred_at or timezone.now()
    with transaction.atomic():
        case = locked_case(case)
        if case.status == CaseStatus.REFUNDED:
            return case
        check_move(case, CaseStatus.REFUNDED)
        before = snapshot(case)
        amount = case.refund_amount
        if not add_refund(order=case.order, amount=amount):
            total = refund_total(case.order)
            raise AftersalesConflict(AftersalesError.OVER_REFUND, _(
                "退款金额 %(amount)s 超过可退金额 %(available)s"), field="refund_amount", amount=amount,
                available=total.paid_amount - total.refunded_amount)
        case.refunded_amount, case.refunded_at = amount, occurred_at
        case.note = (note or case.note or "").strip()[:300]
        case.save(update_fields=["refunded_amount", "refunded_at", "note", "updated_at"])
        move_case(user, case, CaseStatus.REFUNDED, note or _("已退款 %(amount)s") % {"amount": amount})
        record_change(user=user, action=AuditAction.TRANSITION, instance=case, before=before, after=snapshot(case))
        lines = list(case.lines.select_related("order_line", "order_line__product"))
        events.publish_refunded(case, lines, amount=amount, occurred_at=occurred_at)
    return case

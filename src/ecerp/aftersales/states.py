r"""The after-sales case (售后单): its types and one state machine per type.

    refund_only (仅退款):    requested --approve--> approved --refund--> refunded
                             requested --reject--> rejected;  requested|approved --cancel--> cancelled
    return_refund (退货退款):requested --approve--> approved (awaiting goods) --receive--> received --refund--> refunded
                             requested --reject--> rejected;  requested|approved --cancel--> cancelled
    exchange (换货):          requested --approve--> approved --receive--> received --reship--> reshipped --ship--> done
                             requested --reject--> rejected;  requested|approved --cancel--> cancelled
    intercept (拦截):         requested --intercept--> intercepting --return--> returned --refund--> refunded
                             requested|intercepting --> failed (carrier refused, or the parcel was signed)
                             requested --cancel--> cancelled
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseType(models.TextChoices):
    REFUND_ONLY = "refund_only", _("仅退款")
    RETURN_REFUND = "return_refund", _("退货退款")
    EXCHANGE = "exchange", _("换货")
    INTERCEPT = "intercept", _("拦截")


class CaseStatus(models.TextChoices):
    REQUESTED = "requested", _("待审核")
    APPROVED = "approved", _("已同意")
    RECEIVED = "received", _("已收货")
    RESHIPPED = "reshipped", _("已补发")
    DONE = "done", _("已完成")
    INTERCEPTING = "intercepting", _("拦截中")
    RETURNED = "returned", _("已拦截退回")
    REFUNDED = "refunded", _("已退款")
    REJECTED = "rejected", _("已拒绝")
    CANCELLED = "cancelled", _("已取消")
    FAILED = "failed", _("拦截失败")


class Condition(models.TextChoices):
    SELLABLE = "sellable", _("良品")
    DAMAGED = "damaged", _("次品")


S = CaseStatus
TRANSITIONS = {
    CaseType.REFUND_ONLY: {
        S.REQUESTED: {S.APPROVED, S.REJECTED, S.CANCELLED},
        S.APPROVED: {S.REFUNDED, S.CANCELLED},
        S.REFUNDED: set(), S.REJECTED: set(), S.CANCELLED: set(),
    },
    CaseType.RETURN_REFUND: {
        S.REQUESTED: {S.APPROVED, S.REJECTED, S.CANCELLED},
        S.APPROVED: {S.RECEIVED, S.CANCELLED},
        S.RECEIVED: {S.REFUNDED},
        S.REFUNDED: set(), S.REJECTED: set(), S.CANCELLED: set(),
    },
    CaseType.EXCHANGE: {
        S.REQUESTED: {S.APPROVED, S.REJECTED, S.CANCELLED},
        S.APPROVED: {S.RECEIVED, S.CANCELLED},
        S.RECEIVED: {S.RESHIPPED},
        S.RESHIPPED: {S.DONE},
        S.DONE: set(), S.REJECTED: set(), S.CANCELLED: set(),
    },
    CaseType.INTERCEPT: {
        S.REQUESTED: {S.INTERCEPTING, S.FAILED, S.CANCELLED},
        S.INTERCEPTING: {S.RETURNED, S.FAILED},
        S.RETURNED: {S.REFUNDED},
        S.REFUNDED: set(), S.FAILED: set(), S.CANCELLED: set(),
    },
}

# Cases still in progress (their requested refund counts against what may still be refunded).
OPEN_STATES = (S.REQUESTED, S.APPROVED, S.RECEIVED, S.RESHIPPED, S.INTERCEPTING, S.RETURNED)
# Types whose goods come back (a return is counted against the shipped quantity).
RETURN_TYPES = (CaseType.RETURN_REFUND, CaseType.EXCHANGE)
# Types that pay money back.
REFUND_TYPES = (CaseType.REFUND_ONLY, CaseType.RETURN_REFUND, CaseType.INTERCEPT)
LABELS = dict(CaseStatus.choices)
TYPE_LABELS = dict(CaseType.choices)

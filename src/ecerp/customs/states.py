r"""State machines of the customs app.

Product filing (商品备案), one per SKU:

    draft --submit--> submitted --approve--> approved
                      submitted --reject (reason)--> rejected --edit--> draft
    approved --change (a new version, audited)--> draft

Only an approved filing may be declared (queries.filing_problem).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FilingState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已备案")
    REJECTED = "rejected", _("已驳回")


F = FilingState
FILING_TRANSITIONS = {
    F.DRAFT: {F.SUBMITTED},
    F.SUBMITTED: {F.APPROVED, F.REJECTED},
    F.REJECTED: {F.DRAFT},
    F.APPROVED: {F.DRAFT},
}
FILING_LABELS = dict(FilingState.choices)
# A filing in these states may be edited in place; an approved one is changed by reopening it as a new version.
FILING_EDITABLE_STATES = (F.DRAFT, F.REJECTED)


# Declaration (申报单), one per cross-border sales order. Pre-checks gate the submission; customs receipts
# (CEB622 list receipts above all) move it on, never backwards (DECLARATION_RANK):
#
#     draft --precheck--> ready | precheck_failed;  precheck_failed --fixed or overridden--> ready
#     ready --submit (messages built, signed, queued)--> submitted --sent--> declared
#     declared --120/399--> accepted --300--> manual_review / --500--> inspection / --501..599--> detained
#     ... --800--> released --899--> closed;  100 or a negative code --> rejected --recheck--> ready
#     accepted..released --cancel (CEB623)--> cancelling --CEB624 399--> cancelled (refused: back)
#     released/closed --return (CEB625)--> returning --CEB626 399--> returned (refused: back)
#     inspection/detained --700--> returned_abroad
class DeclarationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PRECHECK_FAILED = "precheck_failed", _("预检未通过")
    READY = "ready", _("待申报")
    SUBMITTED = "submitted", _("已生成报文")
    DECLARED = "declared", _("已发送")
    ACCEPTED = "accepted", _("海关已入库")
    MANUAL_REVIEW = "manual_review", _("人工审核")
    INSPECTION = "inspection", _("查验")
    DETAINED = "detained", _("扣留")
    RELEASED = "released", _("已放行")
    CLOSED = "closed", _("已结关")
    REJECTED = "rejected", _("海关退单")
    CANCELLING = "cancelling", _("撤销申请中")
    CANCELLED = "cancelled", _("已撤销")
    RETURNING = "returning", _("退货申请中")
    RETURNED = "returned", _("已退货")
    RETURNED_ABROAD = "returned_abroad", _("已退运")


D = DeclarationStatus
# States a customs receipt may move a declaration into, in the order of progress.
_IN_CUSTOMS = {D.ACCEPTED, D.MANUAL_REVIEW, D.INSPECTION, D.DETAINED, D.RELEASED, D.CLOSED, D.REJECTED,
               D.RETURNED_ABROAD}
DECLARATION_TRANSITIONS = {
    D.DRAFT: {D.READY, D.PRECHECK_FAILED},
    D.PRECHECK_FAILED: {D.READY},
    D.READY: {D.PRECHECK_FAILED, D.SUBMITTED},
    D.SUBMITTED: {D.DECLARED} | _IN_CUSTOMS,
    D.DECLARED: set(_IN_CUSTOMS),
    D.ACCEPTED: _IN_CUSTOMS - {D.ACCEPTED} | {D.CANCELLING},
    D.MANUAL_REVIEW: {D.INSPECTION, D.DETAINED, D.RELEASED, D.CLOSED, D.REJECTED, D.RETURNED_ABROAD, D.CANCELLING},
    D.INSPECTION: {D.DETAINED, D.RELEASED, D.CLOSED, D.REJECTED, D.RETURNED_ABROAD, D.CANCELLING},
    D.DETAINED: {D.RELEASED, D.CLOSED, D.REJECTED, D.RETURNED_ABROAD},
    D.RELEASED: {D.CLOSED, D.CANCELLING, D.RETURNING},
    D.CLOSED: {D.RETURNING},
    D.REJECTED: {D.READY, D.PRECHECK_FAILED},
    # a refused cancellation or return goes back to where the declaration stood (request_state)
    D.CANCELLING: {D.CANCELLED, D.ACCEPTED, D.MANUAL_REVIEW, D.INSPECTION, D.RELEASED, D.CLOSED},
    D.RETURNING: {D.RETURNED, D.RELEASED, D.CLOSED},
    D.CANCELLED: set(),
    D.RETURNED: set(),
    D.RETURNED_ABROAD: set(),
}
DECLARATION_LABELS = dict(DeclarationStatus.choices)
# Progress through customs: a receipt never moves a declaration to a state of lower rank.
DECLARATION_RANK = {
    D.DRAFT: 0, D.PRECHECK_FAILED: 0, D.READY: 0, D.SUBMITTED: 10, D.DECLARED: 20, D.ACCEPTED: 30,
    D.MANUAL_REVIEW: 40, D.INSPECTION: 45, D.DETAINED: 50, D.RELEASED: 60, D.CLOSED: 70,
    D.REJECTED: 80, D.RETURNED_ABROAD: 80, D.CANCELLING: 65, D.CANCELLED: 90, D.RETURNING: 75, D.RETURNED: 90,
}
# Before submission (pre-checks may run, identity may be edited).
DECLARATION_EDITABLE = (D.DRAFT, D.PRECHECK_FAILED, D.READY, D.REJECTED)
# With customs (not yet final).
DECLARATION_IN_PROGRESS = (D.SUBMITTED, D.DECLARED, D.ACCEPTED, D.MANUAL_REVIEW, D.INSPECTION, D.DETAINED,
                           D.CANCELLING, D.RETURNING)
# Exceptions first on the console.
DECLARATION_EXCEPTIONS = (D.PRECHECK_FAILED, D.REJECTED, D.MANUAL_REVIEW, D.INSPECTION, D.DETAINED)
# Counted in the buyer's annual quota (released lists; returns subtract their value).
DECLARATION_COUNTED = (D.RELEASED, D.CLOSED, D.CANCELLING, D.RETURNING, D.RETURNED)


class MessageDirection(models.TextChoices):
    # in context: the inventory's 发出 is the verb "ship"
    OUT = "out", pgettext_lazy("customs message direction", "发出")
    IN = "in", pgettext_lazy("customs message direction", "收到")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    RECEIVED = "received", _("已接收")
    FAILED = "failed", _("失败")

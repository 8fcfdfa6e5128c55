r"""State machines of the customs app.

Product filing (商品备案), one per SKU:

    draft --submit--> submitted --approve--> approved
                      submitted --reject (reason)--> rejected --edit--> draft
    approved --change (a new version, audited)--> draft

Only an approved filing may be declared (queries.filing_problem).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


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



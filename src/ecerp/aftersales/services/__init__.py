"""After-sales services: the only writers of cases and of the refund and return totals.

One module per use case: cases (open, approve, reject, cancel), returns (receive and inspect,
exchange reshipping), refunds, intercepts.
"""

from ecerp.aftersales.services.cases import CaseLineInput, approve_case, cancel_case, create_case, reject_case
from ecerp.aftersales.services.common import CASE_REFERENCE
from ecerp.aftersales.services.intercepts import fail_intercept, intercept_case, record_intercept_return
from ecerp.aftersales.services.refunds import refund_case
from ecerp.aftersales.services.returns import (
    ReceiveLineInput,
    complete_exchange,
    default_defective_warehouse,
    receive_return,
    reship_exchange,
)

__all__ = [
    "CASE_REFERENCE", "CaseLineInput", "ReceiveLineInput", "approve_case", "cancel_case", "complete_exchange",
    "create_case", "default_defective_warehouse", "fail_intercept", "intercept_case", "receive_return",
    "record_intercept_return", "refund_case", "reject_case", "reship_exchange",
]

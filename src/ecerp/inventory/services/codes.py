"""Document numbers of the inventory documents (core coding rules, created here if missing)."""

from __future__ import annotations

from ecerp.core.errors import DomainError, ErrorCode
from ecerp.core.models import CodingRule, CodingRuleKind
from ecerp.core.services import next_code

# Also created by migration 0002; kept here so a flushed test database (or a deleted rule) heals.
INVENTORY_RULES = {
    "stock_receipt": dict(name="其他入库单", prefix="QR"),
    "stock_issue": dict(name="其他出库单", prefix="QC"),
    "transfer": dict(name="调拨单", prefix="DB"),
    "stocktake": dict(name="盘点单", prefix="PD"),
    "shipment": dict(name="发货单", prefix="FH", sequence_length=7),
    "pick_wave": dict(name="拣货波次", prefix="BC"),
}


def ensure_rules() -> None:
    """Create the inventory coding rules that do not exist yet (never changes an existing one)."""
    for target, values in INVENTORY_RULES.items():
        CodingRule.objects.get_or_create(target=target, defaults=dict(
            kind=CodingRuleKind.SEQUENCE, date_part="%Y%m%d", **{"sequence_length": 4, **values}))


def next_document_code(target: str) -> str:
    """The next code of an inventory document (e.g. QR202611290001)."""
    try:
        return next_code(target=target)
    except DomainError as error:
        if error.code != ErrorCode.CODE_RULE_MISSING or target not in INVENTORY_RULES:
            raise
    ensure_rules()
    return next_code(target=target)

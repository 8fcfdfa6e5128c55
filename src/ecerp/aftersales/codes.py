"""The case number (售后单号): core coding rule aftersales_case, AS + YYYYMMDD + 5 digits, created here if missing."""

from __future__ import annotations

from ecerp.core.errors import DomainError, ErrorCode
from ecerp.core.models import CodingRule, CodingRuleKind
from ecerp.core.services import next_code

TARGET = "aftersales_case"
# Also created by migration 0002; kept here so a flushed test database (or a deleted rule) heals.
RULE = dict(name="售后单", kind=CodingRuleKind.SEQUENCE, prefix="AS", date_part="%Y%m%d", sequence_length=5)


def ensure_rule() -> None:
    """Create the coding rule of cases unless it exists (never changes an existing one)."""
    CodingRule.objects.get_or_create(target=TARGET, defaults=RULE)


def next_case_code() -> str:
    """The next case number (e.g. AS2026112900001)."""
    try:
        return next_code(target=TARGET)
    except DomainError as error:
        if error.code != ErrorCode.CODE_RULE_MISSING:
            raise
    ensure_rule()
    return next_code(target=TARGET)

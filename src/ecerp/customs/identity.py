"""Identity checks for customs: the buyer's resident ID number and enterprise codes (no database).

Resident ID (GB 11643-1999, CUSTOMS.md §5.1): python-stdnum's stdnum.cn.ric does the work, except
that its validate() also rejects numbers whose area code its bundled table does not know. Customs
pre-validation then falls back to the checksum (ISO 7064 MOD 11-2) and the birth date and accepts.

Enterprise codes (CUSTOMS.md §5.2): a 10-character customs registration code or an 18-character
unified social credit code (USCC).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)

# IdCheck.code values: stable, for pages, tests and logs.
ID_EMPTY = "EMPTY"
ID_LEGACY_15 = "LEGACY_15"
ID_LENGTH = "LENGTH"
ID_FORMAT = "FORMAT"
ID_CHECKSUM = "CHECKSUM"
ID_BIRTH_DATE = "BIRTH_DATE"
ID_AREA = "AREA"

_REASONS = {
    ID_EMPTY: _("证件号码为空"),
    ID_LEGACY_15: _("不接受15位旧身份证号码，长度应为18位"),
    ID_LENGTH: _("长度应为18位"),
    ID_FORMAT: _("前17位应为数字，末位应为数字或X"),
    ID_CHECKSUM: _("校验位错误"),
    ID_BIRTH_DATE: _("出生日期无效"),
    ID_AREA: _("地址码无效"),
}

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CUSTOMS_CODE_CHARACTERS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True, slots=True)
class IdCheck:
    """The outcome of a resident ID check.

    number is the normalised number (spaces and dashes removed, x upper-cased); reason is a
    translatable Chinese message, empty when valid; code names the failed rule (see ID_*).
    """

    valid: bool
    number: str
    reason: str
    birth_date: datetime.date | None
    code: str = ""


def _refused(number: str, code: str) -> IdCheck:
    return IdCheck(valid=False, number=number, reason=_REASONS[code], birth_date=None, code=code)


def check_resident_id(value: str, *, today: datetime.date | None = None, strict_area: bool = False) -> IdCheck:
    """Check an 18-character resident ID number: format, check character, birth date.

    The birth date must exist, not lie after today and not before 1900. An area code unknown to
    python-stdnum's table is accepted unless strict_area. 15-digit numbers are refused. Never raises.
    """
    number = ric.compact((value or "").replace(" ", "").replace("-", ""))
    if not number:
        return _refused(number, ID_EMPTY)
    if len(number) == 15 and number.isdigit():
        return _refused(number, ID_LEGACY_15)
    if len(number) != 18:
        return _refused(number, ID_LENGTH)
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return _refused(number, ID_FORMAT)
    if ric.calc_check_digit(number) != number[17]:
        return _refused(number, ID_CHECKSUM)
    try:
        birth_date = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        return _refused(number, ID_BIRTH_DATE)
    if birth_date < EARLIEST_BIRTH_DATE or birth_date > (today or datetime.date.today()):
        return _refused(number, ID_BIRTH_DATE)
    try:
        ric.validate(number)
    except stdnum_errors.InvalidComponent:
        # Length, format, checksum and date passed above, so only the birth place can fail here: the
        # area code is unknown to stdnum's bundled table (or was not valid in the birth year there).
        if strict_area:
            return _refused(number, ID_AREA)
    except stdnum_errors.ValidationError:
        return _refused(number, ID_FORMAT)
    return IdCheck(valid=True, number=number, reason="", birth_date=birth_date)


def uscc_check_character(code: str) -> str:
    """Return the USCC check character of the first 17 characters (GB 32100-2015, MOD 31); needs >= 17."""
    pairs = zip(code[:17], USCC_WEIGHTS, strict=True)
    total = sum(USCC_ALPHABET.index(character) * weight for character, weight in pairs)
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_uscc(value: str) -> bool:
    """True for a well-formed unified social credit code with the right check character."""
    if uscc.is_valid(value) and value == uscc.compact(value):
        return True
    # stdnum's validate() insists on digits in positions 1-8 and so refuses codes of authorities and
    # entity types that use letters (e.g. Y1..., N2..., CUSTOMS.md §5.2), even with a right check
    # character. Only for those codes the check character is computed here.
    if len(value) != 18 or value[:8].isdigit() or any(character not in USCC_ALPHABET for character in value):
        return False
    return uscc_check_character(value) == value[17]


def is_enterprise_code(value: str) -> bool:
    """True for a customs enterprise code: 10 characters [0-9A-Z] or a valid 18-character USCC.

    The value is checked as it would be sent (no normalisation: lower case and spaces are refused).
    """
    if not value:
        return False
    if len(value) == 10:
        return all(character in _CUSTOMS_CODE_CHARACTERS for character in value)
    return len(value) == 18 and is_uscc(value)

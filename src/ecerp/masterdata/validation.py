"""Checks of single master-data values, shared by forms, API, services and spreadsheet import.

Each check returns the normalised value or raises MasterdataInvalid naming the field.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from stdnum import ean
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from ecerp.masterdata.errors import MasterdataError, MasterdataInvalid

# ISO 3166-1 alpha-2 codes (officially assigned).
ISO_COUNTRIES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
    BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ
    FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ
    IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH
    MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL
    PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD
    TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW""".split()
)

# Chinese names sellers type in spreadsheets for the usual origin countries.
COUNTRY_NAMES = {
    "中国": "CN", "日本": "JP", "韩国": "KR", "美国": "US", "英国": "GB", "法国": "FR", "德国": "DE",
    "意大利": "IT", "西班牙": "ES", "荷兰": "NL", "瑞士": "CH", "瑞典": "SE", "丹麦": "DK", "挪威": "NO",
    "芬兰": "FI", "比利时": "BE", "奥地利": "AT", "爱尔兰": "IE", "澳大利亚": "AU", "新西兰": "NZ",
    "加拿大": "CA", "泰国": "TH", "越南": "VN", "马来西亚": "MY", "新加坡": "SG", "印度尼西亚": "ID",
    "以色列": "IL", "俄罗斯": "RU", "波兰": "PL", "葡萄牙": "PT", "中国香港": "HK", "香港": "HK",
    "中国台湾": "TW", "台湾": "TW", "中国澳门": "MO", "澳门": "MO",
}

HS_PATTERN = re.compile(r"^[0-9]{10}$")
CUSTOMS_CODE_PATTERN = re.compile(r"^[0-9A-Z]{10}$")
MOBILE_PATTERN = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE_PATTERN = re.compile(r"^(0[0-9]{2,3}-?)?[0-9]{7,8}(-[0-9]{1,6})?$")


def social_credit_code(value: str, field: str = "social_credit_code") -> str:
    """Check a unified social credit code (GB 32100-2015) with python-stdnum.

    stdnum rejects codes whose first two positions are letters (see CUSTOMS.md 5.2);
    such codes are accepted when their check character is right.
    """
    code = (value or "").strip().upper().replace(" ", "").replace("-", "")
    if not code:
        return ""
    try:
        return uscc.validate(code)
    except StdnumError:
        if len(code) == 18 and code[:2].isalnum() and code[2:8].isdigit():
            try:
                if uscc.calc_check_digit(code[:17]) == code[17]:
                    return code
            except (StdnumError, KeyError, ValueError):
                pass
    raise MasterdataInvalid(
        MasterdataError.INVALID_SOCIAL_CREDIT_CODE,
        _("统一社会信用代码「%(value)s」无效（应为 18 位且校验位正确）"),
        field=field,
        value=value,
    )


def customs_code(value: str, field: str = "customs_code") -> str:
    """Check a 10-character customs registration code (海关注册编码)."""
    code = (value or "").strip().upper()
    if code and not CUSTOMS_CODE_PATTERN.match(code):
        raise MasterdataInvalid(
            MasterdataError.INVALID_CUSTOMS_CODE, _("海关注册编码「%(value)s」应为 10 位字母或数字"),
            field=field, value=value,
        )
    return code


def hs_code(value, field: str = "hs_code") -> str:
    """Check a 10-digit HS code (dots and spaces are removed: 3304.9900.99 -> 3304990099)."""
    if value is None:
        return ""
    code = str(value).strip().replace(".", "").replace(" ", "")
    if code.endswith("0") and isinstance(value, float):
        code = str(int(value))
    if code and not HS_PATTERN.match(code):
        raise MasterdataInvalid(
            MasterdataError.INVALID_HS_CODE, _("HS编码「%(value)s」应为 10 位数字"), field=field, value=value
        )
    return code


def country(value: str, field: str = "origin_country") -> str:
    """Normalise an origin country to ISO 3166 alpha-2 (JP, 日本 -> JP)."""
    text = (value or "").strip()
    if not text:
        return ""
    code = COUNTRY_NAMES.get(text, text.upper())
    if code not in ISO_COUNTRIES:
        raise MasterdataInvalid(
            MasterdataError.INVALID_COUNTRY, _("国家/地区「%(value)s」不是 ISO 3166 二位代码（如 JP、US）"),
            field=field, value=value,
        )
    return code


def id_number(value: str, field: str = "id_number") -> str:
    """Check an 18-character resident ID number (GB 11643) with python-stdnum."""
    text = (value or "").strip().upper()
    if not text:
        return ""
    try:
        return ric.validate(text)
    except StdnumError:
        raise MasterdataInvalid(
            MasterdataError.INVALID_ID_NUMBER, _("身份证号无效（应为 18 位且校验位正确）"), field=field
        ) from None


def phone(value: str, field: str = "phone") -> str:
    """Check a mainland mobile (11 digits) or landline number."""
    text = (value or "").strip().replace(" ", "")
    if text.startswith("+86"):
        text = text[3:]
    if text and not (MOBILE_PATTERN.match(text) or LANDLINE_PATTERN.match(text)):
        raise MasterdataInvalid(
            MasterdataError.INVALID_PHONE, _("电话号码「%(value)s」格式不正确"), field=field, value=value
        )
    return text


def barcode(value, field: str = "barcode") -> str:
    """Normalise a barcode; EAN-13/EAN-8/UPC numbers must carry a right check digit."""
    if value is None:
        return ""
    text = str(int(value)) if isinstance(value, float) else str(value).strip()
    if text.isdigit() and len(text) in (8, 12, 13, 14) and not ean.is_valid(text):
        raise MasterdataInvalid(
            MasterdataError.INVALID_BARCODE, _("条码「%(value)s」校验位不正确"), field=field, value=value
        )
    return text


def find_bundle_cycle(graph: dict[str, set[str]], bundle: str, components: set[str]) -> list[str] | None:
    """Return a cycle path if bundle -> components closes a loop in graph (code -> component codes)."""
    stack = [(component, [bundle, component]) for component in components]
    seen = set()
    while stack:
        node, path = stack.pop()
        if node == bundle:
            return path
        if node in seen:
            continue
        seen.add(node)
        for child in graph.get(node, ()):
            stack.append((child, [*path, child]))
    return None

"""Resident ID numbers and enterprise codes for customs (no database)."""

import datetime

import pytest
from django.utils import translation
from stdnum.cn import uscc

from ecerp.customs import identity
from ecerp.customs.identity import check_resident_id, is_enterprise_code

TODAY = datetime.date(2026, 1, 15)


def test_valid_number_with_x_check_character():
    # given a valid number whose check character is X, written in lower case with spaces
    check = check_resident_id(" 110105 19491231 002x", today=TODAY)
    # then it is valid, normalised and its birth date known
    assert check.valid and check.reason == "" and check.code == ""
    assert check.number == "11010519491231002X"
    assert check.birth_date == datetime.date(1949, 12, 31)


def test_unknown_area_code_falls_back_to_checksum_and_date():
    # given a number with a right check character but an area code stdnum does not know
    number = "999999199001011238"
    # when checked
    check = check_resident_id(number, today=TODAY)
    # then it is accepted, unless the area is checked strictly
    assert check.valid and check.birth_date == datetime.date(1990, 1, 1)
    strict = check_resident_id(number, today=TODAY, strict_area=True)
    assert not strict.valid and strict.code == "AREA"


@pytest.mark.parametrize(("number", "code", "reason"), [
    ("", "EMPTY", "证件号码为空"),
    ("110105491231002", "LEGACY_15", "不接受15位旧身份证号码，长度应为18位"),
    ("1101051949123100", "LENGTH", "长度应为18位"),
    ("11010519491231002XX", "LENGTH", "长度应为18位"),
    ("1101051949123100AX", "FORMAT", "前17位应为数字，末位应为数字或X"),
    ("11010519491231002Y", "FORMAT", "前17位应为数字，末位应为数字或X"),
    ("110105194912310021", "CHECKSUM", "校验位错误"),
    ("110105199002300028", "BIRTH_DATE", "出生日期无效"),      # 30 February
    ("110105209912310029", "BIRTH_DATE", "出生日期无效"),      # born in the future
    ("110105189912310023", "BIRTH_DATE", "出生日期无效"),      # before 1900
])
def test_refused_numbers_say_why(number, code, reason):
    check = check_resident_id(number, today=TODAY)
    assert not check.valid and check.birth_date is None
    assert check.code == code
    with translation.override("zh-hans"):
        assert str(check.reason) == reason


def test_born_today_is_valid():
    assert check_resident_id("11010520260115002X", today=TODAY).valid


def test_reasons_are_translated():
    with translation.override("en"):
        assert str(check_resident_id("110105194912310021", today=TODAY).reason) == "Wrong check character"


@pytest.mark.parametrize("code", [
    "3301960ABC",            # 10-character customs registration code
    "1105910159",
    "91110000101623741K",    # USCC accepted by stdnum
    "Y1110000MA01ABCD10",    # authority Y: stdnum refuses the letter, the check character is right
    "N2440300MJL12345XT",
])
def test_enterprise_codes_accepted(code):
    assert is_enterprise_code(code)


@pytest.mark.parametrize("code", [
    "", "3301960AB", "3301960abc", "3301960AB ", "91110000101623741X", "91110000101623741k",
    "Y1110000MA01ABCD11", "Y1110000MA01ABCDI0", "91110000101623741KK",
])
def test_enterprise_codes_refused(code):
    assert not is_enterprise_code(code)


def test_own_uscc_check_character_agrees_with_stdnum():
    for code in ("91110000101623741K", "91350100M000100Y43", "12100000400000770A"):
        assert identity.uscc_check_character(code) == uscc.calc_check_digit(code)

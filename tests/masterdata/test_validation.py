"""Checks of single master-data values (shared by forms, API, services and import)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc

from ecerp.masterdata import validation
from ecerp.masterdata.errors import MasterdataInvalid
from tests.core.factories import credit_code, id_number

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def code_of(call, *args):
    with pytest.raises(MasterdataInvalid) as error:
        call(*args)
    return error.value.code, error.value.field


def test_social_credit_code():
    assert validation.social_credit_code("91110000101623741K") == "91110000101623741K"
    assert validation.social_credit_code(" 9111-0000-1016-2374-1k ") == "91110000101623741K"
    assert validation.social_credit_code("") == ""
    assert code_of(validation.social_credit_code, "91110000101623741X") == (
        "INVALID_SOCIAL_CREDIT_CODE", "social_credit_code")
    assert code_of(validation.social_credit_code, "9111000010162374") == (
        "INVALID_SOCIAL_CREDIT_CODE", "social_credit_code")


def test_letter_prefixed_credit_codes():
    # given codes with a letter in position 1 or 2 and the right check character
    for body in ("Y1110000MA0000000", "N2310000MJ5000000", "GA110000MA0000000"):
        code = credit_code(body)
        # then they are accepted although stdnum's validate refuses them
        assert not uscc.is_valid(code)
        assert validation.social_credit_code(code.lower()) == code
    # and letters outside the code's alphabet (I O S V Z) are refused
    assert code_of(validation.social_credit_code, "I1110000MA00000001")[0] == "INVALID_SOCIAL_CREDIT_CODE"
    assert code_of(validation.social_credit_code, "中国110000MA0000000")[0] == "INVALID_SOCIAL_CREDIT_CODE"


@given(st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2), st.text(alphabet="0123456789", min_size=6, max_size=6),
       st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))
def test_credit_code_with_its_check_character_is_always_accepted(head, region, entity):
    code = credit_code(head + region + entity)
    assert validation.social_credit_code(code) == code
    # and changing the check character makes it invalid
    wrong = code[:-1] + next(char for char in USCC_ALPHABET if char != code[-1])
    with pytest.raises(MasterdataInvalid):
        validation.social_credit_code(wrong)


def test_customs_code():
    assert validation.customs_code(" 3120980abc ") == "3120980ABC"
    assert validation.customs_code("") == ""
    for bad in ("312098000", "31209800001", "3120-98000"):
        assert code_of(validation.customs_code, bad) == ("INVALID_CUSTOMS_CODE", "customs_code")


def test_hs_code_normalisation():
    assert validation.hs_code("3304.99.0099") == "3304990099"
    assert validation.hs_code("3304.9900.99") == "3304990099"
    assert validation.hs_code(" 3304 99 0099 ") == "3304990099"
    assert validation.hs_code(3304990099) == "3304990099"
    assert validation.hs_code(3304990090.0) == "3304990090"
    assert validation.hs_code(None) == "" and validation.hs_code("") == ""
    for bad in ("330499", "33049900999", "3304.99.00AB"):
        assert code_of(validation.hs_code, bad) == ("INVALID_HS_CODE", "hs_code")


def test_country():
    assert validation.country("日本") == "JP"
    assert validation.country(" jp ") == "JP"
    assert validation.country("香港") == "HK"
    assert validation.country("") == ""
    assert code_of(validation.country, "XX") == ("INVALID_COUNTRY", "origin_country")
    assert code_of(validation.country, "Japan") == ("INVALID_COUNTRY", "origin_country")


def test_id_number():
    assert validation.id_number("31010119850512123x") == "31010119850512123X"
    assert validation.id_number(id_number("44030519900307123")) == id_number("44030519900307123")
    assert validation.id_number("") == ""
    for bad in ("110101199003071234", "11010119900307123", "110101199013071233", "abc"):
        assert code_of(validation.id_number, bad) == ("INVALID_ID_NUMBER", "id_number")


def test_id_number_error_never_repeats_the_number():
    with pytest.raises(MasterdataInvalid) as error:
        validation.id_number("110101199003071234")
    assert "110101199003071234" not in str(error.value.as_dict())


def test_phone():
    assert validation.phone("13812345678") == "13812345678"
    assert validation.phone("+86 138 1234 5678") == "13812345678"
    assert validation.phone("021-12345678") == "021-12345678"
    assert validation.phone("0574-87654321-123") == "0574-87654321-123"
    assert validation.phone("") == ""
    for bad in ("12812345678", "1381234567", "abc", "138123456789"):
        assert code_of(validation.phone, bad) == ("INVALID_PHONE", "phone")


def test_barcode():
    assert validation.barcode("6901234567892") == "6901234567892"
    assert validation.barcode(6901234567892.0) == "6901234567892"
    assert validation.barcode("96385074") == "96385074"  # EAN-8
    assert validation.barcode("036000291452") == "036000291452"  # UPC-A
    assert validation.barcode("SKU-BOX-1") == "SKU-BOX-1"
    assert validation.barcode(None) == ""
    assert code_of(validation.barcode, "6901234567891") == ("INVALID_BARCODE", "barcode")


def test_find_bundle_cycle():
    graph = {"A": {"B"}, "B": {"C"}}
    assert validation.find_bundle_cycle(graph, "C", {"A"}) == ["C", "A", "B", "C"]
    assert validation.find_bundle_cycle(graph, "C", {"D"}) is None
    assert validation.find_bundle_cycle({}, "X", {"X"}) == ["X", "X"]
    # a diamond is not a cycle
    assert validation.find_bundle_cycle({"B": {"D"}, "C": {"D"}}, "A", {"B", "C"}) is None

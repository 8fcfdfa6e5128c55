"""Coding rules: generated codes, checked codes, hierarchical category codes."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecerp.core import services
from ecerp.core.errors import DomainError


@pytest.mark.django_db
def test_sequence_with_date_part():
    # given the default sales-order rule SO + YYYYMMDD + 6 digits
    when = datetime.date(2026, 11, 29)
    # when two codes are handed out
    first = services.next_code(target="sales_order", when=when)
    second = services.next_code(target="sales_order", when=when)
    # then they are consecutive and carry the date
    assert (first, second) == ("SO20261129000001", "SO20261129000002")
    # and a new day starts a new sequence
    assert services.next_code(target="sales_order", when=datetime.date(2026, 11, 30)) == "SO20261130000001"


@pytest.mark.django_db
def test_hierarchical_category_codes():
    # given the default 2-2-3 rule
    assert services.next_child_code(target="category", parent_code=None) == "01"
    assert services.next_child_code(target="category", parent_code="01") == "0101"
    assert services.next_child_code(target="category", parent_code="0101") == "0101001"
    # then a fourth level is refused
    with pytest.raises(DomainError) as error:
        services.next_child_code(target="category", parent_code="0101001")
    assert error.value.code == "CODE_LEVEL_TOO_DEEP"


@pytest.mark.django_db
def test_manual_code_checked_and_moves_sequence():
    # given a hand-given product code in the generated pattern
    assert services.check_code(target="product", code=" SKU000050 ") == "SKU000050"
    # then the next generated code does not collide with it
    assert services.next_code(target="product") == "SKU000051"
    # and garbage is refused with the field named
    with pytest.raises(DomainError) as error:
        services.check_code(target="product", code="坏 编码")
    assert error.value.code == "INVALID_CODE" and error.value.field == "code"


@pytest.mark.django_db
def test_hierarchical_manual_code_must_extend_parent():
    with pytest.raises(DomainError) as error:
        services.check_code(target="category", code="0201", parent_code="01")
    assert error.value.code == "CODE_PARENT_MISMATCH"
    assert services.check_code(target="category", code="0105", parent_code="01") == "0105"
    assert services.next_child_code(target="category", parent_code="01") == "0106"


@pytest.mark.django_db
def test_sequence_without_date_part_is_zero_padded():
    # given the default department rule D + 3 digits and the product rule SKU + 6 digits
    # when codes are handed out
    department_codes = [services.next_code(target="department") for _ in range(3)]
    product_code = services.next_code(target="product")
    # then they are padded to the rule's length, with no date part
    assert department_codes == ["D001", "D002", "D003"]
    assert product_code == "SKU000001"


@pytest.mark.django_db
def test_next_codes_batch_is_contiguous_and_continues_the_sequence():
    # given one code already handed out
    assert services.next_code(target="warehouse") == "WH001"
    # when a batch of four is asked for
    batch = services.next_codes(target="warehouse", count=4)
    # then it continues without a gap, and the next single code follows the batch
    assert batch == ["WH002", "WH003", "WH004", "WH005"]
    assert services.next_code(target="warehouse") == "WH006"
    assert services.next_codes(target="warehouse", count=0) == []


@pytest.mark.django_db
def test_sequence_exhausted_when_numbers_outgrow_the_length(admin_user):
    # given a store rule with a one-digit sequence
    services.update_coding_rule(user=admin_user, target="store", sequence_length=1)
    codes = services.next_codes(target="store", count=9)
    assert codes[0] == "ST1" and codes[-1] == "ST9"
    # when a tenth number is asked for
    with pytest.raises(DomainError) as error:
        services.next_code(target="store")
    # then the sequence is exhausted, naming the rule
    assert error.value.code == "SEQUENCE_EXHAUSTED"
    assert "店铺" in str(error.value)


@pytest.mark.django_db
def test_batch_that_would_overflow_is_refused_whole(admin_user):
    # given a one-digit store rule with seven numbers used
    services.update_coding_rule(user=admin_user, target="store", sequence_length=1)
    services.next_codes(target="store", count=7)
    # when a batch of three is asked for (8, 9, 10)
    with pytest.raises(DomainError) as error:
        services.next_codes(target="store", count=3)
    # then nothing is handed out
    assert error.value.code == "SEQUENCE_EXHAUSTED"


@pytest.mark.django_db
def test_rule_change_applies_to_new_codes_only(admin_user):
    # given two product codes under the default rule
    assert services.next_codes(target="product", count=2) == ["SKU000001", "SKU000002"]
    # when the prefix and length change
    services.update_coding_rule(user=admin_user, target="product", prefix="G", sequence_length=4)
    # then the numbering continues under the new format (no number is ever reused)
    assert services.next_code(target="product") == "G0003"
    # and adding a date part starts a fresh sequence per day
    services.update_coding_rule(user=admin_user, target="product", date_part="%Y%m")
    assert services.next_code(target="product", when=datetime.date(2026, 3, 5)) == "G2026030001"
    # and the change is audited
    from ecerp.core.models import AuditLog

    assert AuditLog.objects.filter(model="core.codingrule", action="update").count() == 2


@pytest.mark.django_db
def test_invalid_rule_change_is_a_domain_error(admin_user):
    # given the product rule
    # when the length is out of range, the prefix has a space, the date part is unknown or the field
    for changes, field in (
        ({"sequence_length": 13}, "sequence_length"),
        ({"prefix": "S K"}, "prefix"),
        ({"date_part": "%d"}, "date_part"),
        ({"no_such_field": 1}, "no_such_field"),
    ):
        with pytest.raises(DomainError) as error:
            services.update_coding_rule(user=admin_user, target="product", **changes)
        # then a domain error names the field (never a bare ValidationError)
        assert error.value.code == "INVALID_VALUE", changes
        assert error.value.field == field, changes
    # and the rule is unchanged
    assert services.next_code(target="product") == "SKU000001"


@pytest.mark.django_db
def test_hierarchical_segment_lengths_must_be_digits(admin_user):
    with pytest.raises(DomainError) as error:
        services.update_coding_rule(user=admin_user, target="category", segment_lengths="2-x-3")
    assert error.value.code == "INVALID_VALUE" and error.value.field == "segment_lengths"
    # and segments adding up to more than 40 characters are refused too
    with pytest.raises(DomainError) as error:
        services.update_coding_rule(user=admin_user, target="category", segment_lengths="9-9-9-9-9")
    assert error.value.field == "segment_lengths"


@pytest.mark.django_db
def test_manual_code_with_date_part_moves_that_days_sequence():
    # given a hand-given sales order number of 29 November
    services.check_code(target="sales_order", code="SO20261129000041")
    # then that day continues after it, another day is untouched
    assert services.next_code(target="sales_order", when=datetime.date(2026, 11, 29)) == "SO20261129000042"
    assert services.next_code(target="sales_order", when=datetime.date(2026, 11, 28)) == "SO20261128000001"


@pytest.mark.django_db
def test_manual_code_never_moves_the_sequence_backwards():
    # given five generated codes
    services.next_codes(target="product", count=5)
    # when a lower code and codes outside the pattern are given by hand
    services.check_code(target="product", code="SKU000002")
    services.check_code(target="product", code="SKU12")
    services.check_code(target="product", code="ABC-999999")
    # then the sequence goes on from five
    assert services.next_code(target="product") == "SKU000006"


@pytest.mark.django_db
def test_code_charset():
    # given codes with letters, digits and . _ - /
    for good in ("A-1", "x.2_3/4", "9" * 40):
        assert services.check_code(target="product", code=good) == good
    # then spaces, Chinese characters, a leading dash, blanks and 41 characters are refused
    for bad in ("A 1", "商品1", "-A1", "", "   ", "9" * 41, "A1;DROP"):
        with pytest.raises(DomainError) as error:
            services.check_code(target="product", code=bad)
        assert error.value.code == "INVALID_CODE", bad


@pytest.mark.django_db
def test_unknown_target_has_no_rule():
    with pytest.raises(DomainError) as error:
        services.next_code(target="no_such_thing")
    assert error.value.code == "CODE_RULE_MISSING"


@pytest.mark.django_db
def test_hierarchical_levels_use_their_own_sequences():
    # given two roots and children under each
    assert services.next_child_code(target="category", parent_code=None) == "01"
    assert services.next_child_code(target="category", parent_code=None) == "02"
    assert services.next_child_code(target="category", parent_code="01") == "0101"
    assert services.next_child_code(target="category", parent_code="02") == "0201"
    assert services.next_child_code(target="category", parent_code="02") == "0202"
    # then the third level under 0202 starts at 001 (2-2-3 rule)
    assert services.next_child_code(target="category", parent_code="0202") == "0202001"


@pytest.mark.django_db
def test_parent_code_of_no_level_length_is_a_mismatch():
    # given a parent code of 3 characters, which is no level of the 2-2-3 rule
    with pytest.raises(DomainError) as error:
        services.next_child_code(target="category", parent_code="012")
    # then the error is CODE_PARENT_MISMATCH naming the parent (not a ValueError)
    assert error.value.code == "CODE_PARENT_MISMATCH" and error.value.field == "parent"
    with pytest.raises(DomainError) as error:
        services.check_code(target="category", code="012001", parent_code="012")
    assert error.value.code == "CODE_PARENT_MISMATCH"


@pytest.mark.django_db
def test_hierarchical_manual_code_of_wrong_length_or_too_deep():
    # given the 2-2-3 rule: a root code must have 2 characters
    with pytest.raises(DomainError) as error:
        services.check_code(target="category", code="013")
    assert error.value.code == "CODE_PARENT_MISMATCH"
    assert "2" in str(error.value)
    # and a child of a third-level code is too deep
    with pytest.raises(DomainError) as error:
        services.check_code(target="category", code="0101001001", parent_code="0101001")
    assert error.value.code == "CODE_LEVEL_TOO_DEEP"


@pytest.mark.django_db
def test_hierarchical_level_exhausted(admin_user):
    # given a 1-1 rule: nine roots at most
    services.update_coding_rule(user=admin_user, target="category", segment_lengths="1-1")
    roots = [services.next_child_code(target="category", parent_code=None) for _ in range(9)]
    assert roots == [str(number) for number in range(1, 10)]
    # when a tenth root is asked for
    with pytest.raises(DomainError) as error:
        services.next_child_code(target="category", parent_code=None)
    assert error.value.code == "SEQUENCE_EXHAUSTED"


@pytest.mark.django_db
def test_check_codes_checks_a_batch_and_moves_each_sequence_once():
    # given hand-given product codes in and outside the generated pattern, with spaces
    codes = [" SKU000007 ", "SKU000030", "SKU000012", "ABC-1", "SKU12"]
    # when they are checked together
    with CaptureQueriesContext(connection) as few:
        checked = services.check_codes(target="product", codes=codes)
    # then they come back stripped, in order, and the sequence continues after the highest one
    assert checked == ["SKU000007", "SKU000030", "SKU000012", "ABC-1", "SKU12"]
    assert services.next_code(target="product") == "SKU000031"
    # and a batch a hundred times larger costs no more queries (one move of the sequence)
    with CaptureQueriesContext(connection) as many:
        services.check_codes(target="product", codes=[f"SKU{number:06d}" for number in range(100, 600)])
    assert len(many) <= len(few)
    assert services.next_code(target="product") == "SKU000600"


@pytest.mark.django_db
def test_check_codes_reports_every_refused_code_and_writes_nothing():
    # given a batch with two bad codes among good ones
    codes = ["SKU000050", "坏 编码", "SKU000060", "a" * 41]
    # when it is checked
    with pytest.raises(DomainError) as error:
        services.check_codes(target="product", codes=codes)
    # then each bad code is a detail naming its position, and no sequence moved
    assert [(detail.code, detail.params["index"]) for detail in error.value.details] == [
        ("INVALID_CODE", 1), ("INVALID_CODE", 3)]
    assert services.next_code(target="product") == "SKU000001"


@pytest.mark.django_db
def test_check_codes_with_parents_and_a_dry_run():
    # given category codes under their parents
    codes, parents = ["01", "0105", "0103", "0105002"], [None, "01", "01", "0105"]
    # when they are checked as a dry run
    assert services.check_codes(target="category", codes=codes, parent_codes=parents,
                                move_sequences=False) == codes
    # then nothing moved
    assert services.next_child_code(target="category", parent_code="01") == "0101"
    # when they are checked for real, each level's sequence moves past its highest code
    services.check_codes(target="category", codes=codes, parent_codes=parents)
    assert services.next_child_code(target="category", parent_code="01") == "0106"
    assert services.next_child_code(target="category", parent_code="0105") == "0105003"
    assert services.next_child_code(target="category", parent_code=None) == "02"
    # and a code that does not extend its parent is refused with the parent's rule message
    with pytest.raises(DomainError) as error:
        services.check_codes(target="category", codes=["0201"], parent_codes=["01"])
    assert error.value.code == "CODE_PARENT_MISMATCH" and error.value.details[0].params["index"] == 0

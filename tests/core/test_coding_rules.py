"""Coding rules: generated codes, checked codes, hierarchical category codes."""

import datetime

import pytest

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

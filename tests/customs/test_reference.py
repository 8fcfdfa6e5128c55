"""Reference data: the shipped rows, dated lookups on their boundary dates, the cache, the editing services."""

import datetime
from decimal import Decimal

import pytest

from ecerp.core.errors import DomainError
from ecerp.core.models import AuditLog
from ecerp.customs import queries, reference_data
from ecerp.customs.models import CrossBorderLimit, PositiveListLine, ReferenceCode, TaxRate
from ecerp.customs.services.reference import (
    ensure_reference_data,
    save_cross_border_limit,
    save_positive_list_line,
    save_reference_code,
    save_tax_rate,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def test_the_migration_ships_the_reference_rows():
    # then every shipped row is there once
    assert ReferenceCode.objects.count() == len(reference_data.code_rows())
    assert TaxRate.objects.count() == len(reference_data.TAX_RATES)
    assert PositiveListLine.objects.count() == len(reference_data.POSITIVE_LIST)
    assert CrossBorderLimit.objects.count() == len(reference_data.LIMITS)
    assert queries.reference_name("currency", "142") == "人民币"
    assert queries.reference_name("customs_unit", "142") == "瓶"
    assert queries.customs_country("jp") == "116" and queries.customs_country("XX") == ""
    assert ReferenceCode.objects.get(kind="country", code="142").verified
    assert not ReferenceCode.objects.get(kind="customs_district", code="4612").verified


def test_loading_again_adds_nothing_and_keeps_edited_rows():
    # given a row edited by a user
    ReferenceCode.objects.filter(kind="customs_unit", code="142").update(name_zh="瓶（已改）")
    # when the shipped rows are loaded again
    assert ensure_reference_data() == {"codes": 0, "positive_list": 0, "tax_rates": 0, "limits": 0}
    # then the edit is kept; a deleted shipped row comes back
    assert ReferenceCode.objects.get(kind="customs_unit", code="142").name_zh == "瓶（已改）"
    TaxRate.objects.filter(kind="cbec_factor").delete()
    assert ensure_reference_data()["tax_rates"] == 1


@pytest.mark.parametrize(("kind", "day", "rate"), [
    ("vat_standard", D(2018, 4, 30), "0.17"), ("vat_standard", D(2018, 5, 1), "0.16"),
    ("vat_standard", D(2019, 3, 31), "0.16"), ("vat_standard", D(2019, 4, 1), "0.13"),
    ("vat_reduced", D(2017, 6, 30), "0.13"), ("vat_reduced", D(2017, 7, 1), "0.11"),
    ("vat_reduced", D(2018, 5, 1), "0.10"), ("vat_reduced", D(2019, 4, 1), "0.09"),
    ("postal_tier_2", D(2016, 4, 7), "0.20"), ("postal_tier_2", D(2016, 4, 8), "0.30"),
    ("postal_tier_2", D(2018, 10, 31), "0.30"), ("postal_tier_2", D(2018, 11, 1), "0.25"),
    ("postal_tier_3", D(2019, 4, 8), "0.50"), ("postal_tier_1", D(2019, 4, 8), "0.15"),
    ("postal_tier_1", D(2019, 4, 9), "0.13"), ("postal_tier_2", D(2026, 11, 30), "0.20"),
    ("consumption_cosmetics_high_end", D(2016, 9, 30), "0.30"),
    ("consumption_cosmetics_high_end", D(2016, 10, 1), "0.15"), ("cbec_factor", D(2026, 1, 1), "0.70"),
])
def test_rate_on_a_date(kind, day, rate):
    assert queries.rate_on(kind, day) == Decimal(rate)


def test_a_date_without_a_rate_or_limits_is_an_error():
    with pytest.raises(DomainError) as error:
        queries.rate_on("cbec_factor", D(2016, 4, 7))
    assert error.value.code == "RATE_NOT_FOUND" and "2016-04-07" in str(error.value)
    with pytest.raises(DomainError) as error:
        queries.limits_on(D(2015, 1, 1))
    assert error.value.code == "LIMIT_NOT_FOUND"


def test_limits_on_their_boundary_dates():
    assert (queries.limits_on(D(2018, 12, 31)).single_limit, queries.limits_on(D(2018, 12, 31)).annual_limit) == (
        Decimal("2000"), Decimal("20000"))
    limits = queries.limits_on(D(2019, 1, 1))
    assert (limits.single_limit, limits.annual_limit, limits.valid_to) == (Decimal("5000"), Decimal("26000"), None)


def test_positive_list_line_by_8_or_10_digits_and_date():
    line = queries.positive_list_line("1901101000", D(2026, 11, 30))
    assert line.hs_code8 == "19011010" and "配方奶粉" in line.description
    assert queries.positive_list_line("19011010", D(2016, 4, 8)) is not None
    assert queries.positive_list_line("19011010", D(2016, 4, 7)) is None
    assert queries.positive_list_line("85171300", D(2026, 11, 30)) is None


def test_lookups_are_cached_and_a_saved_row_is_seen_at_once(admin_user, django_assert_num_queries):
    queries.clear_reference_cache()
    queries.rate_on("vat_standard", D(2026, 1, 1))
    queries.limits_on(D(2026, 1, 1))
    queries.positive_list_line("33049900", D(2026, 1, 1))
    # then further lookups read no database
    with django_assert_num_queries(0):
        for _ in range(100):
            queries.rate_on("vat_standard", D(2026, 1, 1))
            queries.limits_on(D(2026, 1, 1))
            queries.positive_list_line("33049900", D(2026, 1, 1))
    # when a rate is ended and a new one starts through the service, then the next lookup sees it
    current = TaxRate.objects.get(kind="vat_standard", valid_to=None)
    save_tax_rate(user=admin_user, instance=current, data={"valid_to": "2026-12-31"})
    save_tax_rate(user=admin_user, data={"kind": "vat_standard", "rate": "0.12", "valid_from": "2027-01-01"})
    assert queries.rate_on("vat_standard", D(2027, 1, 1)) == Decimal("0.12")
    assert queries.rate_on("vat_standard", D(2026, 12, 31)) == Decimal("0.13")


def test_overlapping_or_reversed_validity_is_refused(admin_user):
    with pytest.raises(DomainError) as error:
        save_tax_rate(user=admin_user, data={"kind": "vat_standard", "rate": "0.12", "valid_from": "2025-01-01"})
    assert error.value.code == "VALIDITY_OVERLAP" and "2019-04-01" in str(error.value)
    with pytest.raises(DomainError) as error:
        save_cross_border_limit(user=admin_user, data={"single_limit": "6000", "annual_limit": "30000",
                                                       "valid_from": "2030-01-01", "valid_to": "2029-01-01"})
    assert error.value.code == "VALIDITY_ORDER"
    with pytest.raises(DomainError) as error:
        save_tax_rate(user=admin_user, data={"kind": "postal_tier_1", "rate": "13", "valid_from": "2030-01-01"})
    assert error.value.code == "INVALID_RATE"


def test_reference_codes_and_positive_lines_are_edited_through_the_services(admin_user):
    unit = save_reference_code(user=admin_user, data={"kind": "customs_unit", "code": "163", "name_zh": "部"})
    assert queries.is_reference_code("customs_unit", "163") and unit.verified
    with pytest.raises(DomainError) as error:
        save_reference_code(user=admin_user, data={"kind": "customs_unit", "code": "163", "name_zh": "部"})
    assert error.value.code == "CODE_TAKEN"
    save_reference_code(user=admin_user, instance=unit, data={"active": False})
    assert not queries.is_reference_code("customs_unit", "163")
    line = save_positive_list_line(user=admin_user, data={"hs_code8": "85171300", "description": "手机",
                                                          "valid_from": "2027-01-01"})
    assert queries.positive_list_line("8517130000", D(2027, 1, 1)).hs_code8 == line.hs_code8
    with pytest.raises(DomainError) as error:
        save_positive_list_line(user=admin_user, data={"hs_code8": "8517", "description": "x",
                                                       "valid_from": "2027-01-01"})
    assert error.value.code == "INVALID_HS_CODE"
    assert AuditLog.objects.filter(model__in=["customs.referencecode", "customs.positivelistline"]).count() == 3

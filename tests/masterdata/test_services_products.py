"""Products/SKUs: codes, prices, weights, HS code, origin country, barcode, cross-border fields."""

import threading
from decimal import Decimal

import pytest
from django.db import connections

from ecerp.core import services as core_services
from ecerp.core.errors import DomainError
from ecerp.masterdata import services
from ecerp.masterdata.models import Product
from tests.core.factories import make_cross_border_product, make_product


def fields_of(error):
    return {detail.field: detail.code for detail in error.value.details}


@pytest.mark.django_db
def test_generated_codes_and_normalised_values(admin_user):
    # given two products with blank codes, a dotted HS code, a Chinese country name
    first = make_product(admin_user, name="面霜", barcode="4901234567894")
    second = make_cross_border_product(admin_user, hs_code="3304.99.0099", origin_country="日本")
    # then codes come from the rule and the values are normalised
    assert (first.code, second.code) == ("SKU000001", "SKU000002")
    second.refresh_from_db()
    assert (second.hs_code, second.origin_country) == ("3304990099", "JP")


@pytest.mark.parametrize("bad", ["33049900", "3304.99.00999", "33049900AB"])
@pytest.mark.django_db
def test_hs_code_not_10_digits_is_refused(admin_user, bad):
    with pytest.raises(DomainError) as error:
        make_product(admin_user, hs_code=bad)
    assert fields_of(error) == {"hs_code": "INVALID_HS_CODE"}
    assert bad in str(error.value)


@pytest.mark.django_db
def test_negative_prices_and_net_over_gross_are_all_reported(admin_user):
    # when cost and sale price are negative and the net weight exceeds the gross weight
    with pytest.raises(DomainError) as error:
        make_product(admin_user, cost_price=Decimal("-1"), sale_price=Decimal("-2"),
                     gross_weight=Decimal("0.5"), net_weight=Decimal("0.6"))
    # then every problem is reported at once
    assert fields_of(error) == {"cost_price": "NEGATIVE_AMOUNT", "sale_price": "NEGATIVE_AMOUNT",
                                "net_weight": "WEIGHT_ORDER"}
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_cross_border_fields_required_each_named(admin_user):
    # when a cross-border product has no HS code, origin country or customs unit
    with pytest.raises(DomainError) as error:
        make_product(admin_user, is_cross_border=True)
    # then each missing field is named
    assert fields_of(error) == {"hs_code": "CROSS_BORDER_FIELDS_REQUIRED",
                                "origin_country": "CROSS_BORDER_FIELDS_REQUIRED",
                                "customs_unit": "CROSS_BORDER_FIELDS_REQUIRED"}


@pytest.mark.django_db
def test_barcode_check_digit(admin_user):
    # given a valid EAN-13 and a free-form internal barcode
    assert make_product(admin_user, barcode="6901234567892").barcode == "6901234567892"
    assert make_product(admin_user, barcode="INT-0001").barcode == "INT-0001"
    # when an EAN-13 has a wrong check digit
    with pytest.raises(DomainError) as error:
        make_product(admin_user, barcode="6901234567891")
    assert fields_of(error) == {"barcode": "INVALID_BARCODE"}


@pytest.mark.django_db
def test_unknown_country_is_refused(admin_user):
    with pytest.raises(DomainError) as error:
        make_product(admin_user, origin_country="火星")
    assert fields_of(error) == {"origin_country": "INVALID_COUNTRY"}


@pytest.mark.django_db
def test_duplicate_code_is_refused(admin_user):
    make_product(admin_user, code="A-100")
    with pytest.raises(DomainError) as error:
        make_product(admin_user, code="A-100")
    assert fields_of(error) == {"code": "CODE_TAKEN"}
    assert "A-100" in str(error.value)


@pytest.mark.django_db
def test_bad_code_and_bad_fields_are_reported_together(admin_user):
    # when the code has a space and the price is negative and the name is missing
    with pytest.raises(DomainError) as error:
        make_product(admin_user, name="", code="A 1", sale_price=Decimal("-5"))
    # then the three problems come back in one error
    assert fields_of(error) == {"name": "REQUIRED", "code": "INVALID_CODE", "sale_price": "NEGATIVE_AMOUNT"}


@pytest.mark.django_db
def test_generated_code_skips_codes_already_taken(admin_user):
    # given products whose codes were written without moving the sequence (e.g. a bulk import)
    Product.objects.bulk_create([Product(code="SKU000001", name="a"), Product(code="SKU000002", name="b")])
    # when a product is saved with a blank code
    product = make_product(admin_user)
    # then it gets the next free code instead of a CODE_TAKEN error
    assert product.code == "SKU000003"


@pytest.mark.django_db
def test_manual_codes_refused_when_the_rule_forbids_them(admin_user):
    # given a product rule that does not allow hand-given codes
    core_services.update_coding_rule(user=admin_user, target="product", allow_manual=False)
    # when a new product comes with its own code
    with pytest.raises(DomainError) as error:
        make_product(admin_user, code="MY-1")
    assert fields_of(error) == {"code": "INVALID_CODE"}
    # then a blank code is generated, and updating another field keeps the existing code
    product = make_product(admin_user)
    updated = services.save_product(user=admin_user, instance=product, data={"code": product.code, "name": "新名"})
    assert updated.code == "SKU000001"


@pytest.mark.django_db
def test_update_keeps_code_and_changes_fields(admin_user):
    product = make_product(admin_user, name="旧名")
    updated = services.save_product(user=admin_user, instance=product, data={"name": "新名", "active": False})
    updated.refresh_from_db()
    assert (updated.code, updated.name, updated.active) == ("SKU000001", "新名", False)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_product_creation_gets_distinct_codes(make_user):
    # given an admin and 8 connections creating 15 products each with blank codes
    user = make_user("loader", role="admin")
    codes, failures = [], []
    barrier = threading.Barrier(8)

    def work(index):
        try:
            barrier.wait(timeout=30)
            for number in range(15):
                codes.append(make_product(user, name=f"商品{index}-{number}").code)
        except BaseException as error:  # noqa: B036 - reported to the main thread
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then all 120 were created with distinct, contiguous codes
    assert failures == []
    assert len(set(codes)) == 120 == Product.objects.count()
    assert sorted(codes) == [f"SKU{number:06d}" for number in range(1, 121)]


def test_text_prices_are_parsed_and_garbage_named(db):
    # given prices typed as text, as a form or script hands them over
    from ecerp.masterdata import services

    product = services.save_product(user=None, data={"name": "文本价格", "cost_price": "12.50", "sale_price": "20"})
    # then they are stored as Decimals
    product.refresh_from_db()
    assert str(product.cost_price) == "12.5000"
    # and a negative or garbage text price is refused with the field named, nothing written
    with pytest.raises(DomainError) as error:
        services.save_product(user=None, data={"name": "坏价格", "cost_price": "-1", "sale_price": "十块"})
    found = {(detail.field, detail.code) for detail in error.value.details}
    assert found == {("cost_price", "NEGATIVE_AMOUNT"), ("sale_price", "INVALID_DECIMAL")}

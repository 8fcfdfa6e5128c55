"""Database constraints keep the invariants even when code bypasses the services (direct ORM writes)."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from ecerp.core.models import CodeSequence, CodingRule
from ecerp.masterdata.models import (
    BundleComponent,
    Department,
    Partner,
    PartnerBankAccount,
    PartnerContact,
    Product,
    Store,
)


def refused(write):
    """True when the write raises IntegrityError (inside its own savepoint)."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


@pytest.mark.django_db
def test_product_constraints():
    # given a valid product row
    Product.objects.create(code="OK1", name="ok", hs_code="3304990099", is_cross_border=True)
    # then rows breaking a rule are refused by the database itself
    assert refused(lambda: Product.objects.create(code="P1", name="x", hs_code="33049900"))
    assert refused(lambda: Product.objects.create(code="P2", name="x", hs_code="33049900AB"))
    assert refused(lambda: Product.objects.create(code="P3", name="x", sale_price=Decimal("-0.01")))
    assert refused(lambda: Product.objects.create(code="P4", name="x", cost_price=Decimal("-1")))
    assert refused(lambda: Product.objects.create(code="P5", name="x", net_weight=Decimal("-1")))
    assert refused(lambda: Product.objects.create(code="P6", name="x", is_cross_border=True))
    assert refused(lambda: Product.objects.create(code="OK1", name="duplicate code"))
    assert Product.objects.count() == 1


@pytest.mark.django_db
def test_bundle_constraints():
    box, cream = Product.objects.create(code="B", name="box"), Product.objects.create(code="C", name="cream")
    assert refused(lambda: BundleComponent.objects.create(bundle=box, component=box, quantity=1))
    assert refused(lambda: BundleComponent.objects.create(bundle=box, component=cream, quantity=0))
    BundleComponent.objects.create(bundle=box, component=cream, quantity=2)
    assert refused(lambda: BundleComponent.objects.create(bundle=box, component=cream, quantity=1))


@pytest.mark.django_db
def test_store_constraints():
    company = Partner.objects.create(code="EC", name="ec", is_ecommerce=True)
    assert refused(lambda: Store.objects.create(code="S1", name="x", platform="tmall", shop_id="1",
                                                type="cbec_1210"))
    Store.objects.create(code="S2", name="x", platform="tmall", shop_id="2", type="cbec_9610",
                         ecommerce_company=company)
    assert refused(lambda: Store.objects.create(code="S3", name="y", platform="tmall", shop_id="2"))
    assert refused(lambda: Store.objects.create(code="S2", name="z", platform="jd", shop_id="9"))


@pytest.mark.django_db
def test_partner_constraints():
    assert refused(lambda: Partner.objects.create(code="N", name="no role"))
    Partner.objects.create(code="A", name="a", is_supplier=True, social_credit_code="91110000101623741K")
    assert refused(lambda: Partner.objects.create(code="B", name="b", is_customer=True,
                                                  social_credit_code="91110000101623741K"))
    assert refused(lambda: Partner.objects.create(code="C", name="c", is_customer=True, credit_limit=-1))
    assert refused(lambda: Partner.objects.create(
        code="D", name="d", is_customer=True, customs_code_valid_from=datetime.date(2025, 1, 2),
        customs_code_valid_until=datetime.date(2025, 1, 1)))
    assert refused(lambda: Partner.objects.create(code="A", name="dup", is_customer=True))


@pytest.mark.django_db
def test_one_primary_contact_and_one_default_account():
    partner = Partner.objects.create(code="A", name="a", is_supplier=True)
    PartnerContact.objects.create(partner=partner, name="x", is_primary=True)
    assert refused(lambda: PartnerContact.objects.create(partner=partner, name="y", is_primary=True))
    PartnerBankAccount.objects.create(partner=partner, bank_name="b", account_name="a", account_number="1",
                                      is_default=True)
    assert refused(lambda: PartnerBankAccount.objects.create(partner=partner, bank_name="b", account_name="a",
                                                             account_number="2", is_default=True))
    assert refused(lambda: PartnerBankAccount.objects.create(partner=partner, bank_name="b", account_name="a",
                                                             account_number="1"))


@pytest.mark.django_db
def test_department_cannot_be_its_own_parent():
    department = Department.objects.create(code="D", name="d")
    assert refused(lambda: Department.objects.filter(pk=department.pk).update(parent=F("id")))
    assert refused(lambda: Department.objects.create(code="D", name="dup"))


@pytest.mark.django_db
def test_code_sequence_and_rule_constraints():
    rule = CodingRule.objects.get(target="product")
    assert refused(lambda: CodeSequence.objects.create(rule=rule, scope="x", last_value=-1))
    CodeSequence.objects.create(rule=rule, scope="y", last_value=1)
    assert refused(lambda: CodeSequence.objects.create(rule=rule, scope="y", last_value=2))
    assert refused(lambda: CodingRule.objects.filter(pk=rule.pk).update(sequence_length=0))
    assert refused(lambda: CodingRule.objects.create(target="t", name="t", kind="hierarchical"))

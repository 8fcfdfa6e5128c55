"""Partners (业务单位): roles, social credit code, customs code and validity, contacts, bank accounts."""

import datetime

import pytest

from ecerp.core.errors import DomainError
from ecerp.masterdata import services
from ecerp.masterdata.models import Partner, PartnerBankAccount, PartnerContact
from tests.core.factories import VALID_CREDIT_CODE, credit_code, make_partner


def fields_of(error):
    return {detail.field: detail.code for detail in error.value.details}


@pytest.mark.django_db
def test_partner_with_roles_and_valid_codes(admin_user):
    # given a partner with two roles, a valid credit code typed in lowercase with spaces, a customs code
    partner = make_partner(admin_user, roles=["supplier", "logistics"],
                           social_credit_code=" 91110000101623741k ", customs_code="3120980abc",
                           customs_code_valid_from=datetime.date(2024, 1, 1),
                           customs_code_valid_until=datetime.date(2027, 12, 31))
    # then the values are normalised and the roles set
    partner.refresh_from_db()
    assert partner.social_credit_code == VALID_CREDIT_CODE
    assert partner.customs_code == "3120980ABC"
    assert partner.roles == ["supplier", "logistics"] and partner.code == "P00001"
    assert partner.role_labels == "供应商、物流企业"


@pytest.mark.django_db
def test_partner_needs_a_role(admin_user):
    with pytest.raises(DomainError) as error:
        make_partner(admin_user, roles=[])
    assert fields_of(error) == {"roles": "PARTNER_ROLE_REQUIRED"}


@pytest.mark.django_db
def test_unknown_role_is_refused_not_ignored(admin_user):
    # when a role is misspelt next to a valid one
    with pytest.raises(DomainError) as error:
        make_partner(admin_user, roles=["supplier", "suplier"])
    # then it is named, instead of the partner silently losing that role
    assert fields_of(error) == {"roles": "UNKNOWN_ROLE"}
    assert "suplier" in str(error.value)


@pytest.mark.django_db
def test_roles_can_be_changed_and_the_callers_data_is_left_alone(admin_user):
    partner = make_partner(admin_user, roles=["supplier"])
    data = {"roles": ["customer"]}
    services.save_partner(user=admin_user, instance=partner, data=data)
    partner.refresh_from_db()
    assert partner.roles == ["customer"]
    assert data == {"roles": ["customer"]}


@pytest.mark.django_db
def test_invalid_check_character_is_refused(admin_user):
    with pytest.raises(DomainError) as error:
        make_partner(admin_user, social_credit_code="91110000101623741X")
    assert fields_of(error) == {"social_credit_code": "INVALID_SOCIAL_CREDIT_CODE"}
    assert "91110000101623741X" in str(error.value)


@pytest.mark.django_db
def test_letter_prefixed_credit_codes_with_right_check_character_are_accepted(admin_user):
    # given codes whose first positions are letters (stdnum's validate refuses them, CUSTOMS.md 5.2)
    other_authority = credit_code("Y1110000MA0000000")
    letter_type = credit_code("N2310000MJ5000000")
    # when partners are saved with them
    first = make_partner(admin_user, name="某协会", social_credit_code=other_authority)
    second = make_partner(admin_user, name="某基金会", social_credit_code=letter_type.lower())
    # then both are kept, upper case
    assert first.social_credit_code == other_authority and second.social_credit_code == letter_type
    # and a wrong check character on such a code is still refused
    wrong = other_authority[:-1] + ("0" if other_authority[-1] != "0" else "1")
    with pytest.raises(DomainError):
        make_partner(admin_user, name="某组织", social_credit_code=wrong)


@pytest.mark.django_db
def test_duplicate_credit_code_is_refused_clearly(admin_user):
    # given a partner holding a credit code
    make_partner(admin_user, name="甲公司", social_credit_code=VALID_CREDIT_CODE)
    # when a second partner uses the same code
    with pytest.raises(DomainError) as error:
        make_partner(admin_user, name="乙公司", social_credit_code=VALID_CREDIT_CODE.lower())
    # then the field and the holder are named in Chinese (not a raw database error)
    assert fields_of(error) == {"social_credit_code": "CODE_TAKEN"}
    assert "甲公司" in str(error.value)
    # and partners without a code do not clash with each other
    make_partner(admin_user, name="丙", social_credit_code="")
    make_partner(admin_user, name="丁", social_credit_code=None)
    assert Partner.objects.filter(social_credit_code__isnull=True).count() == 2


@pytest.mark.django_db
def test_customs_code_must_be_10_characters_and_validity_ordered(admin_user):
    # when the customs code has 9 characters and the validity ends before it starts
    with pytest.raises(DomainError) as error:
        make_partner(admin_user, customs_code="312098000", customs_code_valid_from=datetime.date(2025, 1, 1),
                     customs_code_valid_until=datetime.date(2024, 12, 31))
    # then both problems are reported together
    assert fields_of(error) == {"customs_code": "INVALID_CUSTOMS_CODE", "customs_code_valid_until": "VALIDITY_ORDER"}


@pytest.mark.django_db
def test_only_one_primary_contact(admin_user):
    # given a partner with a primary contact
    partner = make_partner(admin_user)
    first = services.save_partner_contact(user=admin_user, data={"partner": partner, "name": "陈经理",
                                                                 "phone": "13812345678", "is_primary": True})
    # when a second contact is marked primary
    second = services.save_partner_contact(user=admin_user, data={"partner": partner, "name": "刘助理",
                                                                  "is_primary": True})
    # then only the second is primary
    assert list(PartnerContact.objects.filter(partner=partner, is_primary=True)) == [second]
    first.refresh_from_db()
    assert first.is_primary is False and first.phone == "13812345678"
    # and a bad phone is refused naming the field
    with pytest.raises(DomainError) as error:
        services.save_partner_contact(user=admin_user, data={"partner": partner, "name": "x", "phone": "abc"})
    assert fields_of(error) == {"phone": "INVALID_PHONE"}


@pytest.mark.django_db
def test_primary_contact_without_partner_is_a_required_error(admin_user):
    with pytest.raises(DomainError) as error:
        services.save_partner_contact(user=admin_user, data={"name": "无主", "is_primary": True})
    assert fields_of(error) == {"partner_id": "REQUIRED"}


@pytest.mark.django_db
def test_only_one_default_bank_account(admin_user):
    # given a partner with a default account
    partner = make_partner(admin_user)
    first = services.save_partner_bank_account(user=admin_user, data={
        "partner": partner, "bank_name": "招商银行上海分行", "account_name": "上海某某贸易有限公司",
        "account_number": "6225 8801 2345 6789", "is_default": True})
    assert first.account_number == "6225880123456789"
    # when another account becomes the default
    second = services.save_partner_bank_account(user=admin_user, data={
        "partner": partner, "bank_name": "工商银行", "account_name": "上海某某贸易有限公司",
        "account_number": "6222000011112222", "is_default": True})
    # then the first is no longer the default
    assert list(PartnerBankAccount.objects.filter(partner=partner, is_default=True)) == [second]


@pytest.mark.django_db
def test_bank_account_number_spaces_removed_on_update(admin_user):
    # given an account
    partner = make_partner(admin_user)
    account = services.save_partner_bank_account(user=admin_user, data={
        "partner": partner, "bank_name": "招商银行", "account_name": "某某", "account_number": "123"})
    # when its number is changed with spaces
    services.save_partner_bank_account(user=admin_user, instance=account, data={"account_number": "6225 0000 1111"})
    # then the stored number has no spaces
    account.refresh_from_db()
    assert account.account_number == "622500001111"


@pytest.mark.django_db
def test_duplicate_account_number_of_one_partner_is_refused(admin_user):
    partner = make_partner(admin_user)
    data = {"partner": partner, "bank_name": "招商银行", "account_name": "某某", "account_number": "6225000011112222"}
    services.save_partner_bank_account(user=admin_user, data=dict(data))
    with pytest.raises(DomainError) as error:
        services.save_partner_bank_account(user=admin_user, data={**data, "account_number": "6225 0000 1111 2222"})
    assert fields_of(error) == {"account_number": "CODE_TAKEN"}

"""Partners (业务单位) with their roles, contacts and bank accounts."""

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from ecerp.core.api import ErrorsOut, Pagination
from ecerp.core.permissions import api_permission
from ecerp.masterdata import queries, services
from ecerp.masterdata.api.common import DELETE_ERRORS, WRITE_ERRORS, created, deleted, input_data, stored
from ecerp.masterdata.models import (
    Partner,
    PartnerBankAccount,
    PartnerContact,
)
from ecerp.masterdata.schemas import (
    PartnerBankAccountIn,
    PartnerBankAccountOut,
    PartnerContactIn,
    PartnerContactOut,
    PartnerFilter,
    PartnerIn,
    PartnerOut,
)

# --- partners, their contacts and bank accounts ----------------------------------------------------

partners = Router(tags=["partners"])


@partners.get("", response=list[PartnerOut])
@paginate(Pagination)
@api_permission("masterdata.view_partner")
def list_partners(request: HttpRequest, filters: Query[PartnerFilter]):
    """Partners by code; role filters by one role key (supplier, customer, logistics...)."""
    return queries.list_partners(**filters.dict())


@partners.get("/{partner_id}", response={200: PartnerOut, 404: ErrorsOut})
@api_permission("masterdata.view_partner")
def get_partner(request: HttpRequest, partner_id: int):
    return queries.get_record(Partner, partner_id)


@partners.post("", response={201: PartnerOut, **WRITE_ERRORS})
@api_permission("masterdata.add_partner")
def create_partner(request: HttpRequest, payload: PartnerIn):
    """Create a partner with one or more roles; the social credit code is checked (INVALID_SOCIAL_CREDIT_CODE)."""
    data = input_data(payload, decimals=("credit_limit",))
    return created(services.save_partner(user=request.user, data=data))


@partners.patch("/{partner_id}", response={200: PartnerOut, **WRITE_ERRORS})
@api_permission("masterdata.change_partner")
def update_partner(request: HttpRequest, partner_id: int, payload: PartnerIn):
    """Change the fields given; roles, when given, replace the partner's roles."""
    partner = queries.get_record(Partner, partner_id)
    data = input_data(payload, decimals=("credit_limit",))
    return stored(services.save_partner(user=request.user, data=data, instance=partner))


@partners.delete("/{partner_id}", response={204: None, **DELETE_ERRORS})
@api_permission("masterdata.delete_partner")
def delete_partner(request: HttpRequest, partner_id: int):
    return deleted(request, queries.get_record(Partner, partner_id))


@partners.get("/{partner_id}/contacts", response={200: list[PartnerContactOut], 404: ErrorsOut})
@api_permission("masterdata.view_partnercontact")
def list_partner_contacts(request: HttpRequest, partner_id: int):
    """The partner's contacts (primary first); phones masked unless the caller may see personal data."""
    return queries.list_partner_contacts(partner=queries.get_record(Partner, partner_id))


@partners.post("/{partner_id}/contacts", response={201: PartnerContactOut, **WRITE_ERRORS})
@api_permission("masterdata.add_partnercontact")
def create_partner_contact(request: HttpRequest, partner_id: int, payload: PartnerContactIn):
    """Add a contact; marking it primary clears the partner's other primary contact."""
    data = {**input_data(payload), "partner": queries.get_record(Partner, partner_id)}
    return created(services.save_partner_contact(user=request.user, data=data))


def _contact(partner_id: int, contact_id: int):
    partner = queries.get_record(Partner, partner_id)
    return queries.get_record(PartnerContact, contact_id, queries.list_partner_contacts(partner=partner))


@partners.patch("/{partner_id}/contacts/{contact_id}", response={200: PartnerContactOut, **WRITE_ERRORS})
@api_permission("masterdata.change_partnercontact")
def update_partner_contact(request: HttpRequest, partner_id: int, contact_id: int, payload: PartnerContactIn):
    contact = _contact(partner_id, contact_id)
    return stored(services.save_partner_contact(user=request.user, data=input_data(payload), instance=contact))


@partners.delete("/{partner_id}/contacts/{contact_id}", response={204: None, **DELETE_ERRORS})
@api_permission("masterdata.delete_partnercontact")
def delete_partner_contact(request: HttpRequest, partner_id: int, contact_id: int):
    return deleted(request, _contact(partner_id, contact_id))


@partners.get("/{partner_id}/bank-accounts", response={200: list[PartnerBankAccountOut], 404: ErrorsOut})
@api_permission("masterdata.view_partnerbankaccount")
def list_partner_bank_accounts(request: HttpRequest, partner_id: int):
    """The partner's bank accounts (default first)."""
    return queries.list_partner_bank_accounts(partner=queries.get_record(Partner, partner_id))


@partners.post("/{partner_id}/bank-accounts", response={201: PartnerBankAccountOut, **WRITE_ERRORS})
@api_permission("masterdata.add_partnerbankaccount")
def create_partner_bank_account(request: HttpRequest, partner_id: int, payload: PartnerBankAccountIn):
    """Add a bank account; marking it default clears the partner's other default account."""
    data = {**input_data(payload), "partner": queries.get_record(Partner, partner_id)}
    return created(services.save_partner_bank_account(user=request.user, data=data))


def _bank_account(partner_id: int, account_id: int):
    partner = queries.get_record(Partner, partner_id)
    return queries.get_record(PartnerBankAccount, account_id,
                              queries.list_partner_bank_accounts(partner=partner))


@partners.patch("/{partner_id}/bank-accounts/{account_id}", response={200: PartnerBankAccountOut, **WRITE_ERRORS})
@api_permission("masterdata.change_partnerbankaccount")
def update_partner_bank_account(request: HttpRequest, partner_id: int, account_id: int,
                                payload: PartnerBankAccountIn):
    account = _bank_account(partner_id, account_id)
    return stored(services.save_partner_bank_account(user=request.user, data=input_data(payload), instance=account))


@partners.delete("/{partner_id}/bank-accounts/{account_id}", response={204: None, **DELETE_ERRORS})
@api_permission("masterdata.delete_partnerbankaccount")
def delete_partner_bank_account(request: HttpRequest, partner_id: int, account_id: int):
    return deleted(request, _bank_account(partner_id, account_id))

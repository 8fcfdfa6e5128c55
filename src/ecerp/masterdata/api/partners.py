"""Partners (业务单位) with their roles, contacts and bank accounts."""

from django.http import HttpRequest
from ninja import Router

from ecerp.masterdata import queries, services
from ecerp.masterdata.api.common import Crud, input_data
from ecerp.masterdata.models import Partner, PartnerBankAccount, PartnerContact
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


def _partner(request: HttpRequest, partner_id: int) -> Partner:
    return queries.get_record(Partner, partner_id)


Crud(
    model=Partner, name="partner", plural="partners", module=__name__,
    out=PartnerOut, payload=PartnerIn, filters=PartnerFilter, save=services.save_partner,
    listing=lambda request, **filters: queries.list_partners(**filters),
    data=lambda request, payload: input_data(payload, decimals=("credit_limit",)),
    docs={
        "list": "Partners by code; role filters by one role key (supplier, customer, logistics...).",
        "create": "Create a partner with one or more roles; the social credit code is checked "
                  "(INVALID_SOCIAL_CREDIT_CODE).",
        "update": "Change the fields given; roles, when given, replace the partner's roles.",
    },
).register(partners)


def _contacts(request: HttpRequest, partner_id: int):
    return queries.list_partner_contacts(partner=_partner(request, partner_id))


Crud(
    model=PartnerContact, name="partner_contact", plural="partner_contacts", module=__name__,
    collection="/{partner_id}/contacts", id_name="contact_id", paginated=False,
    operations=("list", "create", "update", "delete"),
    out=PartnerContactOut, payload=PartnerContactIn, save=services.save_partner_contact, listing=_contacts,
    fetch=lambda request, partner_id, contact_id: queries.get_record(
        PartnerContact, contact_id, _contacts(request, partner_id)),
    parent=("partner", _partner),
    docs={
        "list": "The partner's contacts (primary first); phones masked unless the caller may see personal data.",
        "create": "Add a contact; marking it primary clears the partner's other primary contact.",
    },
).register(partners)


def _bank_accounts(request: HttpRequest, partner_id: int):
    return queries.list_partner_bank_accounts(partner=_partner(request, partner_id))


Crud(
    model=PartnerBankAccount, name="partner_bank_account", plural="partner_bank_accounts", module=__name__,
    collection="/{partner_id}/bank-accounts", id_name="account_id", paginated=False,
    operations=("list", "create", "update", "delete"),
    out=PartnerBankAccountOut, payload=PartnerBankAccountIn, save=services.save_partner_bank_account,
    listing=_bank_accounts,
    fetch=lambda request, partner_id, account_id: queries.get_record(
        PartnerBankAccount, account_id, _bank_accounts(request, partner_id)),
    parent=("partner", _partner),
    docs={
        "list": "The partner's bank accounts (default first).",
        "create": "Add a bank account; marking it default clears the partner's other default account.",
    },
).register(partners)

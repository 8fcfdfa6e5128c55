"""Partners (业务单位) with their roles, contacts and bank accounts."""

from django.http import HttpRequest
from ninja import Router

from ecerp.masterdata import queries, services
from ecerp.masterdata.api.common import Crud
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
    decimals={"decimals": ("credit_limit",)},
    docs={
        "list": "Partners by code; role filters by one role key (supplier, customer, logistics...).",
        "create": "Create a partner with one or more roles; the social credit code is checked "
                  "(INVALID_SOCIAL_CREDIT_CODE).",
        "update": "Change the fields given; roles, when given, replace the partner's roles.",
    },
).register(partners)


def _partner_rows(model, name: str, segment: str, id_name: str, rows, **options) -> None:
    """A partner's own rows (contacts, bank accounts) under /{partner_id}/<segment>: not paginated, no get."""
    def listing(request: HttpRequest, partner_id: int):
        return rows(partner=_partner(request, partner_id))

    Crud(
        model=model, name=name, plural=f"{name}s", module=__name__, collection=f"/{{partner_id}}/{segment}",
        id_name=id_name, paginated=False, operations=("list", "create", "update", "delete"), listing=listing,
        fetch=lambda request, partner_id, **ids: queries.get_record(model, ids[id_name], listing(request, partner_id)),
        parent=("partner", _partner), **options,
    ).register(partners)


_partner_rows(
    PartnerContact, "partner_contact", "contacts", "contact_id", queries.list_partner_contacts,
    out=PartnerContactOut, payload=PartnerContactIn, save=services.save_partner_contact,
    docs={
        "list": "The partner's contacts (primary first); phones masked unless the caller may see personal data.",
        "create": "Add a contact; marking it primary clears the partner's other primary contact.",
    },
)

_partner_rows(
    PartnerBankAccount, "partner_bank_account", "bank-accounts", "account_id", queries.list_partner_bank_accounts,
    out=PartnerBankAccountOut, payload=PartnerBankAccountIn, save=services.save_partner_bank_account,
    docs={
        "list": "The partner's bank accounts (default first).",
        "create": "Add a bank account; marking it default clears the partner's other default account.",
    },
)

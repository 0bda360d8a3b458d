"""The customer base in the global search box: people and companies, scoped by the selectors.

One box finds a client by a phone in any format, an e-mail, a name with typos, a company or an
INN; phones and e-mails in the hits are masked for the roles that see them masked.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from crm.search import SEARCH_PROVIDERS, SearchGroup, SearchHit

from . import masking, services
from .models import Phone
from .selectors import masked_fields_for

CONTACT_HITS = 8
COMPANY_HITS = 5


def search_contacts(user, query: str) -> SearchGroup | None:
    if not user.has_perm("contacts.view_contact"):
        return None
    # The same search, and the same access-log line, as the list page's box and the API's.
    contacts = services.contacts_find(user=user, query=query, limit=CONTACT_HITS)
    if not contacts:
        return None
    masks = masked_fields_for(user)
    # The main phone of every hit in one query.
    phones: dict[int, str] = {}
    for phone in Phone.objects.filter(contact__in=[c.pk for c in contacts]).order_by(
        "contact_id", "-is_primary", "id"
    ):
        phones.setdefault(phone.contact_id, phone.number)
    hits = []
    for contact in contacts:
        number = phones.get(contact.pk)
        shown = masking.phone_for(number, masks) if number else ""
        subtitle = " · ".join(str(p) for p in (shown, contact.company, contact.owner) if p)
        hits.append(
            SearchHit(title=str(contact), url=contact.get_absolute_url(), subtitle=subtitle)
        )
    return SearchGroup(label=_("Contacts"), hits=hits)


def search_companies(user, query: str) -> SearchGroup | None:
    if not user.has_perm("contacts.view_company"):
        return None
    companies = services.companies_find(user=user, query=query, limit=COMPANY_HITS)
    if not companies:
        return None
    hits = [
        SearchHit(
            title=c.name,
            url=c.get_absolute_url(),
            subtitle=" · ".join(
                p for p in ((_("INN %(inn)s") % {"inn": c.inn}) if c.inn else "", c.region) if p
            ),
        )
        for c in companies
    ]
    return SearchGroup(label=_("Companies"), hits=hits)


def search_providers_register() -> None:
    """Clients first in the global search box; called from ``ContactsConfig.ready()``."""
    SEARCH_PROVIDERS.register("contacts", search_contacts, order=10)
    SEARCH_PROVIDERS.register("companies", search_companies, order=20)

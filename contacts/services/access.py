"""Reading the customer base leaves the same access-log line whichever door it goes through.

The list page and the API, the global search box and the API's ``?search=`` call these, so a
search or a list page is recorded once, the same way: who, what was searched for, how many
clients it showed, from where. (Card views are ``contact_viewed`` and ``company_viewed``.)
"""

from __future__ import annotations

from django.db.models import Model, QuerySet

from crm.models import AccessLog, User
from crm.services import access_record

from .. import selectors
from ..models import Company, Contact


def _searched(
    *, user: User, model: type[Model], query: str, rows: list, ip_address: str | None
) -> list:
    """Record one search of ``model`` that showed ``rows``, and hand the rows back."""
    access_record(
        user=user,
        action=AccessLog.Action.SEARCH,
        model=model,
        record_count=len(rows),
        query=query,
        ip_address=ip_address,
    )
    return rows


def contacts_find(
    *,
    user: User,
    query: str,
    within: QuerySet[Contact] | None = None,
    limit: int = 20,
    ranked: bool = True,
    ip_address: str | None = None,
) -> list[Contact]:
    """Search contacts (``selectors.contacts_found``) and record the search."""
    rows = selectors.contacts_found(user, query, within=within, limit=limit, ranked=ranked)
    return _searched(user=user, model=Contact, query=query, rows=rows, ip_address=ip_address)


def companies_find(
    *,
    user: User,
    query: str,
    within: QuerySet[Company] | None = None,
    limit: int = 10,
    ranked: bool = True,
    ip_address: str | None = None,
) -> list[Company]:
    """Search companies (``selectors.companies_found``) and record the search."""
    rows = selectors.companies_found(user, query, within=within, limit=limit, ranked=ranked)
    return _searched(user=user, model=Company, query=query, rows=rows, ip_address=ip_address)


def contacts_lookup(
    *, user: User, phone: str, limit: int = 10, ip_address: str | None = None
) -> list[Contact]:
    """Caller-ID (``selectors.contact_lookup``): who calls from ``phone``, recorded as a
    search for that number, whether the API answers it or a screen pop does."""
    rows = selectors.contact_lookup(user, phone, limit=limit)
    return _searched(user=user, model=Contact, query=phone, rows=rows, ip_address=ip_address)


def client_base_listed(
    *, user: User, model: type[Model], count: int, ip_address: str | None = None
) -> None:
    """One page of the contacts or companies list was shown: reading the base in bulk is
    recorded like a search with nothing typed (the count is what the page held)."""
    access_record(
        user=user,
        action=AccessLog.Action.SEARCH,
        model=model,
        record_count=count,
        ip_address=ip_address,
    )

"""Reading the customer base leaves the same access-log line whichever door it goes through.

The list page and the API, the global search box and the API's ``?search=`` call these, so a
search or a list page is recorded once, the same way: who, what was searched for, how many
clients it showed, from where. (Card views are ``contact_viewed`` and ``company_viewed``.)

Reading the base in bulk is an export whatever the door: every search, list page and
file is counted against the person's daily cap (``selectors.bulk_read_cap_for``) before it is
shown, through ``crm.services.bulk_read_allow``, which raises ``BulkReadRefused`` past it.
"""

from __future__ import annotations

from django.db.models import Model, QuerySet

from crm.models import AccessLog, User
from crm.services import bulk_read_allow

from .. import selectors
from ..models import Company, Contact


def _searched(
    *, user: User, model: type[Model], query: str, rows: list, ip_address: str | None
) -> list:
    """Count and record one search of ``model`` that is to show ``rows``, and hand the rows
    back (``BulkReadRefused`` past the daily cap)."""
    bulk_read(user=user, model=model, count=len(rows), query=query, ip_address=ip_address)
    return rows


def bulk_read(
    *,
    user: User,
    model: type[Model],
    count: int,
    action: str = AccessLog.Action.SEARCH,
    query: str = "",
    ip_address: str | None = None,
) -> None:
    """``count`` records of the client base are about to be shown or written at once: count
    them against ``user``'s daily cap and record them, or raise ``BulkReadRefused``."""
    bulk_read_allow(
        user=user,
        model=model,
        count=count,
        cap=selectors.bulk_read_cap_for(user),
        action=action,
        query=query,
        ip_address=ip_address,
    )


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
    """One page of a list of the client base is to be shown: counted against the daily cap
    and recorded like a search with nothing typed (the count is what the page holds)."""
    bulk_read(user=user, model=model, count=count, ip_address=ip_address)

"""Which invoices and products a person may see, decided here alone."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm.models import User

from ..models import Invoice, Product
from .deals import team_scope


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    """An invoice belongs to the deal's owner: a manager sees their own, a head the team's, an
    admin all; other roles none."""
    qs = Invoice.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    scope = team_scope(user)
    return qs if scope is None else qs.filter(scope)


def invoice_list(user: User, *, status: str = "", query: str = "") -> QuerySet[Invoice]:
    # The list shows the buyer's name only: our own requisites and the comment stay behind.
    qs = (
        invoices_visible_to(user)
        .select_related("owner", "deal")
        .defer("seller", "comment", "deal__custom")
    )
    if status:
        qs = qs.filter(status=status)
    # NUL cannot reach PostgreSQL in a text parameter; nobody searches for it on purpose.
    query = (query or "").replace("\x00", "").strip()
    if query:
        match = Q(buyer__name__icontains=query) | Q(deal__title__icontains=query)
        number = query.split("-")[-1].lstrip("0")
        if number.isdigit():
            match |= Q(number=int(number))
        qs = qs.filter(match)
    return qs.order_by("-year", "-number")


def invoice_card(user: User, pk: int) -> Invoice:
    return (
        invoices_visible_to(user)
        .select_related("company", "contact", "owner", "deal", "created_by")
        .prefetch_related("lines", "payments__recorded_by")
        .get(pk=pk)
    )


def products_catalog(user: User, *, query: str = "", active_only: bool = True) -> QuerySet[Product]:
    if not user.is_authenticated or not user.has_perm("deals.view_product"):
        return Product.objects.none()
    qs = Product.objects.all()
    if active_only:
        qs = qs.filter(is_active=True)
    query = (query or "").replace("\x00", "").strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(sku__icontains=query))
    return qs.order_by("name", "id")

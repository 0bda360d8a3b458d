"""Which leads a person may see, decided here alone."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from crm.models import Role, User

from ..models import Lead, WebForm
from ..models.leads import LeadNote
from .deals import team_scope


def leads_visible_to(user: User) -> QuerySet[Lead]:
    """A manager sees their own leads (and the team's when the team shares its clients), a
    head of sales the team's and the unassigned ones (to hand them out), an admin all of them.
    Operators create leads from calls but do not list them: nobody else sees anything."""
    qs = Lead.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    scope = team_scope(user)
    if scope is None:
        return qs
    if user.has_role(Role.HEAD):
        scope |= Q(owner__isnull=True)
    return qs.filter(scope)


def lead_list(user: User) -> QuerySet[Lead]:
    """The rows of the lead list with what each row shows, in one query."""
    return leads_visible_to(user).select_related("owner", "product", "contact", "web_form")


def lead_card(user: User, pk: int) -> Lead:
    """One lead for its card (raises Lead.DoesNotExist for one ``user`` may not see)."""
    return lead_list(user).select_related("company", "deal", "created_by").get(pk=pk)


def lead_notes(lead: Lead) -> QuerySet[LeadNote]:
    return LeadNote.objects.filter(lead=lead).select_related("author")


def lead_counts_by_status(qs: QuerySet[Lead]) -> dict[str, int]:
    """How many of ``qs`` are in each status, in one query (the tabs' counters)."""
    counts = dict.fromkeys(Lead.Status.values, 0)
    for row in qs.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def leads_in_period(
    qs: QuerySet[Lead], start: dt.date | None, end: dt.date | None
) -> QuerySet[Lead]:
    """Leads received from ``start`` to ``end`` inclusive, days in the current time zone; a
    range on the column itself, so the (status, created_at) index serves it."""
    if start:
        qs = qs.filter(created_at__gte=timezone.make_aware(dt.datetime.combine(start, dt.time())))
    if end:
        following = end + dt.timedelta(days=1)
        qs = qs.filter(
            created_at__lt=timezone.make_aware(dt.datetime.combine(following, dt.time()))
        )
    return qs


def web_forms_visible_to(user: User) -> QuerySet[WebForm]:
    """Web forms are the heads of sales' (and admins'): those who may change them see them."""
    if not user.is_authenticated or not user.is_active or not user.has_perm("deals.view_webform"):
        return WebForm.objects.none()
    return WebForm.objects.select_related("product")


def web_form_public(key: str) -> WebForm | None:
    """The active form a site posts to, by its key (None for an unknown or inactive key)."""
    return WebForm.objects.filter(key=key, is_active=True).select_related("product").first()

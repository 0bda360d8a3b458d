"""Reads of the routing engine, scoped to the user."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q, QuerySet

from crm.models import Role, User

from .models import Assignment, RoutingRule


def assignments_for(kind: str, item_id: int) -> QuerySet[Assignment]:
    """An item's assignments, newest first, with the people and rules they name (one query).
    Whoever may open the item may read why it went to whom."""
    return (
        Assignment.objects.filter(kind=kind, item_id=item_id)
        .select_related("user", "rule", "reassigned_from")
        .order_by("-assigned_at", "-id")
    )


def rules_visible_to(user: User) -> QuerySet[RoutingRule]:
    """Routing is set for the whole company: admins and heads of sales see every rule."""
    qs = RoutingRule.objects.select_related("team").prefetch_related(
        Prefetch("people", queryset=User.objects.order_by("last_name", "first_name", "pk"))
    )
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.has_perm("routing.view_routingrule"):
        return qs.order_by("kind", "order", "pk")
    return qs.none()


def assignments_visible_to(user: User) -> QuerySet[Assignment]:
    """The assignment log: everything for an admin, their teams' people's and their own for a
    head of sales, nothing for others (a manager reads the reasons on their items' cards)."""
    qs = Assignment.objects.select_related("user", "rule", "reassigned_from").order_by(
        "-assigned_at", "-id"
    )
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.has_role(Role.ADMIN):
        return qs
    if user.has_role(Role.HEAD) and user.has_perm("routing.view_assignment"):
        return qs.filter(Q(user=user) | Q(user__team__head=user))
    return qs.none()


def profiles_editable_by(user: User) -> list[User]:
    """The people whose routing profiles ``user`` sets (an admin everyone's, a head of sales
    their teams'), with ``routing_profile_cached`` set (None without a profile); two queries."""
    from crm.selectors import users_assignable_by

    if not user.has_perm("routing.change_routingprofile"):
        return []
    people = list(
        users_assignable_by(user)
        .select_related("routing_profile", "team")
        .order_by("team__name", "last_name", "first_name", "pk")
    )
    for person in people:
        try:
            person.routing_profile_cached = person.routing_profile
        except ObjectDoesNotExist:
            person.routing_profile_cached = None
    return people

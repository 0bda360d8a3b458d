"""Reads of the shared core, already scoped to the user who asks."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import ApiToken, Notification, Role, Task, Team, User


def users_assignable_by(user: User) -> QuerySet[User]:
    """Whom ``user`` may give a task to: admins and supervisors anyone, heads their teams."""
    active = User.objects.filter(is_active=True)
    if user.has_role(Role.ADMIN, Role.SUPERVISOR):
        return active
    if user.has_role(Role.HEAD):
        scope = Q(team__head=user) | Q(pk=user.pk)
        if user.team_id is not None:  # Q(team=None) would match everyone without a team
            scope |= Q(team=user.team_id)
        return active.filter(scope).distinct()
    return active.filter(pk=user.pk)


def tasks_visible_to(user: User) -> QuerySet[Task]:
    qs = Task.objects.select_related("assignee", "created_by", "content_type")
    if user.has_role(Role.ADMIN):
        return qs
    scope = Q(assignee=user) | Q(created_by=user)
    if user.has_role(Role.HEAD):
        scope |= Q(assignee__team__head=user)
    if user.has_role(Role.SUPERVISOR):
        scope |= Q(assignee__in=User.objects.filter(groups__name=Role.OPERATOR).values("pk"))
    return qs.filter(scope)


def tasks_agenda(user: User, *, now: dt.datetime | None = None) -> dict[str, list[Task]]:
    """The user's open tasks split into overdue / today / upcoming, in one query."""
    now = now or timezone.now()
    local_now = timezone.localtime(now)
    end_of_day = local_now.replace(hour=23, minute=59, second=59, microsecond=999999)
    groups: dict[str, list[Task]] = {"overdue": [], "today": [], "upcoming": []}
    open_tasks = (
        Task.objects.filter(assignee=user, status=Task.Status.OPEN)
        .select_related("created_by", "content_type")
        .order_by("due_at", "-priority", "id")[:500]
    )
    for task in open_tasks:
        if task.due_at < now:
            groups["overdue"].append(task)
        elif task.due_at <= end_of_day:
            groups["today"].append(task)
        else:
            groups["upcoming"].append(task)
    return groups


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def notifications_unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def users_visible_to(user: User) -> QuerySet[User]:
    """The staff list: admins, heads and supervisors see everyone; others whom they may give
    work to (for pickers), which for most roles is themselves."""
    if user.has_role(Role.ADMIN, Role.HEAD, Role.SUPERVISOR):
        qs = User.objects.all()
    else:
        qs = users_assignable_by(user)
    return qs.select_related("team").prefetch_related("groups")


def teams_visible_to(user: User) -> QuerySet[Team]:
    """Teams are not secret inside the company: every signed-in user sees their names."""
    if not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.all()


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """A person's tokens that were not revoked, newest first (expired ones too, marked so)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")

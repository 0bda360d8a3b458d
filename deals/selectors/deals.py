"""Which deals a person may see, decided here alone."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm.models import Role, Team, User

from ..models import Deal, Pipeline, Stage


def team_scope(user: User, field: str = "owner") -> Q | None:
    """The rows of ``user``'s people by their ``field`` (a user foreign key): everything for an
    admin (None), the teams they head and their own for a head of sales, their own (and their
    team's when the team shares its clients) for a manager, nothing for anyone else."""
    if user.has_role(Role.ADMIN):
        return None
    scope = Q(**{field: user})
    if user.has_role(Role.HEAD):
        return scope | Q(**{f"{field}__team__head": user})
    if user.has_role(Role.MANAGER):
        if (
            user.team_id
            and Team.objects.filter(pk=user.team_id, visibility=Team.Visibility.TEAM).exists()
        ):
            scope |= Q(**{f"{field}__team_id": user.team_id})
        return scope
    return Q(pk__in=[])


def deals_visible_to(user: User) -> QuerySet[Deal]:
    qs = Deal.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    scope = team_scope(user)
    return qs if scope is None else qs.filter(scope)


def pipelines_active() -> QuerySet[Pipeline]:
    return Pipeline.objects.filter(is_active=True).order_by("order", "name")


def stages_of(pipeline: Pipeline) -> QuerySet[Stage]:
    return Stage.objects.filter(pipeline=pipeline).order_by("order", "id")


def stage_first_open(pipeline: Pipeline) -> Stage | None:
    return stages_of(pipeline).filter(kind=Stage.Kind.OPEN).first()

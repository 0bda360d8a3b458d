"""Which deals a person may see, decided here alone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from contacts.models import Tag
from crm.keyset import cursor_decode, cursor_encode
from crm.models import Role, Team, User

from ..models import Deal, DealStageChange, LossReason, Pipeline, Stage


def team_scope(user: User, field: str = "owner") -> Q | None:
    """The rows of ``user``'s people by their ``field`` (a user foreign key): everything for an
    admin (None), the teams they head and their own for a head of sales, their own (and their
    team's when the team shares its clients) for a manager, nothing for anyone else."""
    if user.has_role(Role.ADMIN):
        return None
    scope = Q(**{field: user})
    if user.has_role(Role.HEAD):
        # A subquery, not a join through the team: a board of 20,000 deals then filters by an
        # id list the planner hashes once instead of joining every row to its owner's team.
        team = User.objects.filter(team__head=user).values("pk")
        return scope | Q(**{f"{field}__in": team})
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


# --- the board, the list and the card ------------------------------------------------------

# Cards a column shows before "more"; a column with 20,000 deals still answers in one page.
COLUMN_PAGE = 15


@dataclass
class Column:
    """A stage on the board: its cards (the first page), how many deals it holds under the
    filters, their sums per currency, and the cursor of the next page (None: no more)."""

    stage: Stage
    deals: list[Deal] = field(default_factory=list)
    count: int = 0
    sums: list[tuple[str, Decimal]] = field(default_factory=list)
    next_cursor: str | None = None


# The columns a card reads: a board holds a hundred cards and a client row is wide.
CARD_FIELDS = (
    "id",
    "title",
    "pipeline_id",
    "stage_id",
    "amount",
    "currency",
    "stage_entered_at",
    "owner__id",
    "owner__first_name",
    "owner__last_name",
    "owner__email",
    "contact__id",
    "contact__last_name",
    "contact__first_name",
    "contact__middle_name",
    "company__id",
    "company__name",
)


def _card_queryset(qs: QuerySet[Deal]) -> QuerySet[Deal]:
    """What a card shows, joined: owner, client, company; the tags in one more query."""
    return (
        qs.select_related("owner", "contact", "company")
        .only(*CARD_FIELDS)
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )


def _days_in_stage(deals: list[Deal], now: dt.datetime) -> list[Deal]:
    for deal in deals:
        deal.days_in_stage = max(0, (now - deal.stage_entered_at).days)
    return deals


def column_cursor(deal: Deal) -> str:
    return cursor_encode([deal.stage_entered_at.isoformat(), deal.pk])


def _after_cursor(qs: QuerySet[Deal], after: str | None) -> QuerySet[Deal]:
    """The deals after the cursor in the column's order (newest in the stage first); a cursor
    edited by hand starts the column again from the top."""
    values = cursor_decode(after, 2) if after else None
    if values is None:
        return qs
    try:
        when = dt.datetime.fromisoformat(str(values[0]))
        pk = int(values[1])
    except (TypeError, ValueError):
        return qs
    return qs.filter(Q(stage_entered_at__lt=when) | Q(stage_entered_at=when, id__lt=pk))


def column_totals(
    user: User, pipeline: Pipeline, condition: Q | None = None
) -> dict[int, tuple[int, list[tuple[str, Decimal]]]]:
    """Per stage: how many deals ``user`` sees under ``condition`` and their sum per
    currency — one grouped query, from the column index."""
    qs = deals_visible_to(user).filter(pipeline=pipeline)
    if condition is not None:
        qs = qs.filter(condition)
    totals: dict[int, tuple[int, list[tuple[str, Decimal]]]] = {}
    rows = (
        qs.order_by()
        .values("stage_id", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("stage_id", "currency")
    )
    for row in rows:
        count, sums = totals.get(row["stage_id"], (0, []))
        sums.append((row["currency"], row["total"] or Decimal("0")))
        totals[row["stage_id"]] = (count + row["n"], sums)
    return totals


def board_columns(
    user: User,
    pipeline: Pipeline,
    condition: Q | None = None,
    *,
    per_column: int = COLUMN_PAGE,
    now: dt.datetime | None = None,
) -> list[Column]:
    """The board of ``pipeline`` as ``user`` sees it, narrowed by ``condition``: a column per
    stage with its first ``per_column`` cards. Four queries however many deals and stages:
    the stages, the totals, the cards (a window numbering each stage's deals), their tags."""
    now = now or timezone.now()
    stages = list(stages_of(pipeline))
    totals = column_totals(user, pipeline, condition)
    qs = deals_visible_to(user).filter(pipeline=pipeline)
    if condition is not None:
        qs = qs.filter(condition)
    # The first cards of every column in one statement: a UNION ALL of one keyset slice per
    # stage, each read from the column index (stage, -stage_entered_at, -id), so the work is
    # the cards shown, not the deals held; then those cards with what they show.
    order = ("-stage_entered_at", "-id")
    slices = [
        qs.filter(stage=stage).order_by(*order).values_list("id", flat=True)[: per_column + 1]
        for stage in stages
    ]
    ids = list(slices[0].union(*slices[1:], all=True)) if slices else []
    cards = list(_card_queryset(Deal.objects.filter(pk__in=ids)).order_by("stage_id", *order))
    by_stage: dict[int, list[Deal]] = {}
    for deal in cards:
        by_stage.setdefault(deal.stage_id, []).append(deal)
    columns = []
    for stage in stages:
        deals = by_stage.get(stage.pk, [])
        count, sums = totals.get(stage.pk, (0, []))
        column = Column(stage=stage, count=count, sums=sums)
        if len(deals) > per_column:
            deals = deals[:per_column]
            column.next_cursor = column_cursor(deals[-1])
        for deal in deals:
            deal.stage = stage
        column.deals = _days_in_stage(deals, now)
        columns.append(column)
    return columns


def column_page(
    user: User,
    stage: Stage,
    condition: Q | None = None,
    *,
    after: str | None = None,
    size: int = COLUMN_PAGE,
    now: dt.datetime | None = None,
) -> tuple[list[Deal], str | None]:
    """The next cards of one column after the ``after`` cursor (keyset: from the column index
    however deep the page)."""
    qs = deals_visible_to(user).filter(stage=stage)
    if condition is not None:
        qs = qs.filter(condition)
    qs = _after_cursor(qs, after).order_by("-stage_entered_at", "-id")
    deals = list(_card_queryset(qs)[: size + 1])
    next_cursor = None
    if len(deals) > size:
        deals = deals[:size]
        next_cursor = column_cursor(deals[-1])
    for deal in deals:
        deal.stage = stage
    return _days_in_stage(deals, now or timezone.now()), next_cursor


def deal_list(user: User) -> QuerySet[Deal]:
    """The rows of the list view: a deal with its stage, pipeline, owner and client."""
    return deals_visible_to(user).select_related("pipeline", "stage", "owner", "contact", "company")


def deal_card(user: User, pk: int) -> Deal:
    """One deal with everything its card's head shows, or DoesNotExist when ``user`` may not
    see it."""
    return (
        deals_visible_to(user)
        .select_related("pipeline", "stage", "owner", "contact", "company", "loss_reason")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .get(pk=pk)
    )


@dataclass
class StageTime:
    stage: Stage
    seconds: int
    current: bool = False


def stage_history(deal: Deal, *, now: dt.datetime | None = None):
    """The deal's moves, oldest first, and the time spent in each stage it has been in
    (the current one counts until ``now``), in the pipeline's order."""
    now = now or timezone.now()
    changes = list(
        DealStageChange.objects.filter(deal=deal)
        .select_related("from_stage", "to_stage", "changed_by")
        .order_by("changed_at", "id")
    )
    spent: dict[int, int] = {}
    stages: dict[int, Stage] = {}
    for change in changes:
        if change.from_stage_id:
            spent[change.from_stage_id] = (
                spent.get(change.from_stage_id, 0) + change.seconds_in_previous
            )
            stages[change.from_stage_id] = change.from_stage
        stages[change.to_stage_id] = change.to_stage
    current = max(0, int((now - deal.stage_entered_at).total_seconds()))
    spent[deal.stage_id] = spent.get(deal.stage_id, 0) + current
    stages.setdefault(deal.stage_id, deal.stage)
    times = [
        StageTime(stage=stages[pk], seconds=seconds, current=pk == deal.stage_id)
        for pk, seconds in spent.items()
    ]
    times.sort(key=lambda t: (t.stage.order, t.stage.pk))
    return changes, times


def deals_of_contact(user: User, contact, *, limit: int = 10) -> list[Deal]:
    """The deals of a client that ``user`` may see, open ones first, newest first."""
    return list(
        deals_visible_to(user)
        .filter(contact=contact)
        .select_related("stage", "pipeline", "owner")
        .order_by(F("closed_at").desc(nulls_first=True), "-created_at", "-id")[:limit]
    )


def deals_of_company(user: User, company, *, limit: int = 10) -> list[Deal]:
    return list(
        deals_visible_to(user)
        .filter(company=company)
        .select_related("stage", "pipeline", "owner")
        .order_by(F("closed_at").desc(nulls_first=True), "-created_at", "-id")[:limit]
    )


def loss_reasons_active() -> QuerySet[LossReason]:
    return LossReason.objects.filter(is_active=True).order_by("order", "name")


def deal_owners_for(user: User) -> QuerySet[User]:
    """Who a deal can be given to by ``user``: anyone selling for an admin, the team for a head,
    oneself for a manager."""
    qs = User.objects.filter(is_active=True, groups__name__in=[Role.MANAGER, Role.HEAD]).distinct()
    scope = team_scope(user, field="pk")
    if scope is None:
        return qs.order_by("last_name", "first_name", "email")
    if user.has_role(Role.HEAD):
        scope = Q(pk=user.pk) | Q(team__head=user)
    elif user.has_role(Role.MANAGER):
        scope = Q(pk=user.pk)
    return qs.filter(scope).order_by("last_name", "first_name", "email")


def pipelines_with_stages(user: User | None = None) -> QuerySet[Pipeline]:
    """Every pipeline with its stages in order (the same for everyone who may read them)."""
    return Pipeline.objects.prefetch_related(
        Prefetch("stages", queryset=Stage.objects.order_by("order", "id"))
    ).order_by("order", "name")

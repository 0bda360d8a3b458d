"""The forecast and the managers' KPIs: every figure is one GROUP BY in the database.

Who sees what (``forecast_scope``):

- an administrator: everyone, per manager;
- a head of sales: their own and their teams' figures (``team_scope``), per manager;
- a manager: their own figures only (even in a team that shares its clients: a colleague's
  plan and conversion are not theirs to compare);
- a supervisor or a marketer: the whole company's totals per month and per pipeline, and the
  funnel's conversion per stage, with no breakdown by manager and no deal rows.

Months: a won deal counts in the month it was closed (``closed_at``, in the site's time zone).
An open deal is forecast to close in the month of its expected close date; with no date, or
with a date already past, in the current month — it may still close, but no earlier than now.

Money is never added across currencies: every sum is keyed by its currency.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.utils import timezone

from contacts.models import Interaction
from crm.models import Role, Task, User

from ..models import Deal, DealStageChange, Lead, Pipeline, SalesPlan, Stage
from .deals import team_scope

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The longest period one report covers: two years of months.
MAX_MONTHS = 24


def _money(value) -> Decimal:
    return (Decimal(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


# --- the period ------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_add(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole months from ``first`` to ``last`` (both the first day of their month)."""

    first: dt.date
    last: dt.date

    @property
    def months(self) -> list[dt.date]:
        count = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month
        return [month_add(self.first, i) for i in range(count + 1)]

    @property
    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.first, dt.time.min))

    @property
    def ends_at(self) -> dt.datetime:
        """The moment after the period: the first instant of the month after ``last``."""
        return timezone.make_aware(dt.datetime.combine(month_add(self.last, 1), dt.time.min))


def period_default(today: dt.date | None = None) -> Period:
    """Two months back to three ahead: last months' plan and fact, the coming months' pipeline."""
    this = month_start(today or timezone.localdate())
    return Period(month_add(this, -2), month_add(this, 3))


# --- who sees what ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastScope:
    user: User
    # None: everyone's rows; otherwise the condition on a user foreign key named "owner".
    owners: Q | None
    # False: totals only (supervisors, marketers).
    per_manager: bool

    def on(self, field: str) -> Q:
        """The scope as a condition on the user foreign key ``field``."""
        if self.owners is None:
            return Q()
        if self.user.has_role(Role.HEAD) and not self.user.has_role(Role.ADMIN):
            return team_scope(self.user, field)
        return Q(**{field: self.user})


def forecast_scope(user: User) -> ForecastScope:
    if not (user.is_authenticated and user.is_active and user.has_perm("deals.view_forecast")):
        raise PermissionDenied
    if user.has_role(Role.ADMIN):
        return ForecastScope(user, None, True)
    if user.has_role(Role.HEAD):
        return ForecastScope(user, team_scope(user), True)
    if user.has_role(Role.MANAGER):
        return ForecastScope(user, Q(owner=user), True)
    return ForecastScope(user, None, False)


def can_edit_plans(user: User) -> bool:
    return user.has_perm("deals.change_salesplan") and user.has_role(Role.ADMIN, Role.HEAD)


def managers_in_scope(user: User):
    """The people whose plans ``user`` may set: an admin anyone active who sells, a head their
    own teams' members and themselves."""
    people = User.objects.filter(is_active=True).order_by("last_name", "first_name", "email")
    if user.has_role(Role.ADMIN):
        return people.filter(groups__name__in=[Role.MANAGER, Role.HEAD]).distinct()
    if user.has_role(Role.HEAD):
        return people.filter(Q(pk=user.pk) | Q(team__head=user))
    return people.none()


# --- the figures -----------------------------------------------------------------------------


def _forecast_month(today: dt.date):
    this = Value(month_start(today), output_field=DateField())
    return TruncMonth(
        Greatest(Coalesce("expected_close_date", this), this), output_field=DateField()
    )


def _weighted_sum():
    return Sum(
        ExpressionWrapper(
            F("amount") * F("stage__probability"),
            output_field=DecimalField(max_digits=20, decimal_places=2),
        )
    )


def _open_deals(scope: ForecastScope, period: Period, today: dt.date):
    return (
        Deal.objects.filter(scope.on("owner"), closed_at__isnull=True)
        .annotate(month=_forecast_month(today))
        .filter(month__gte=period.first, month__lte=period.last)
    )


def weighted_pipeline(scope: ForecastScope, period: Period, *, today=None) -> list[dict]:
    """Open deals' Σ amount × probability / 100 per month and currency, and per manager
    (``owner``) when the scope shows managers. One query."""
    today = today or timezone.localdate()
    keys = ["month", "currency"] + (["owner"] if scope.per_manager else [])
    rows = (
        _open_deals(scope, period, today)
        .values(*keys)
        .annotate(weighted=_weighted_sum(), total=Sum("amount"), deals=Count("id"))
        .order_by(*keys)
    )
    return [
        {
            **{k: row[k] for k in (*keys, "deals")},
            "amount": _money(row["total"]),
            "weighted": _money(row["weighted"] / 100),
        }
        for row in rows
    ]


def weighted_by_pipeline(scope: ForecastScope, period: Period, *, today=None) -> list[dict]:
    """The same sums per pipeline and currency, for the whole period. One query."""
    today = today or timezone.localdate()
    rows = (
        _open_deals(scope, period, today)
        .values("pipeline", "pipeline__name", "currency")
        .annotate(weighted=_weighted_sum(), total=Sum("amount"), deals=Count("id"))
        .order_by("pipeline__name", "currency")
    )
    return [
        {
            "pipeline": row["pipeline"],
            "name": row["pipeline__name"],
            "currency": row["currency"],
            "deals": row["deals"],
            "amount": _money(row["total"]),
            "weighted": _money(row["weighted"] / 100),
        }
        for row in rows
    ]


def won_by_month(scope: ForecastScope, period: Period) -> list[dict]:
    """Won deals' amounts and counts per month of ``closed_at`` and currency (and manager).
    One query."""
    keys = ["month", "currency"] + (["owner"] if scope.per_manager else [])
    rows = (
        Deal.objects.filter(
            scope.on("owner"),
            stage__kind=Stage.Kind.WON,
            closed_at__gte=period.starts_at,
            closed_at__lt=period.ends_at,
        )
        .annotate(month=TruncMonth("closed_at", output_field=DateField()))
        .values(*keys)
        .annotate(total=Sum("amount"), deals=Count("id"))
        .order_by(*keys)
    )
    return [
        {**{k: row[k] for k in (*keys, "deals")}, "amount": _money(row["total"])} for row in rows
    ]


def plans_by_month(scope: ForecastScope, period: Period) -> list[dict]:
    """Plans per month and currency (and manager). One query."""
    keys = ["month", "currency"] + (["manager"] if scope.per_manager else [])
    rows = (
        SalesPlan.objects.filter(
            scope.on("manager"), month__gte=period.first, month__lte=period.last
        )
        .values(*keys)
        .annotate(plan=Sum("amount"))
        .order_by(*keys)
    )
    return [{**row, "plan": _money(row["plan"])} for row in rows]


def plan_fact(scope: ForecastScope, period: Period) -> list[dict]:
    """Plan against fact per (manager,) month and currency: rows with ``plan``, ``fact``,
    ``deals`` and ``percent`` (None without a plan). Two queries."""
    table: dict[tuple, dict] = {}
    who = "manager" if scope.per_manager else None

    def row(month, currency, manager):
        key = (manager, month, currency)
        if key not in table:
            table[key] = {
                "manager": manager,
                "month": month,
                "currency": currency,
                "plan": None,
                "fact": ZERO,
                "deals": 0,
            }
        return table[key]

    for plan in plans_by_month(scope, period):
        row(plan["month"], plan["currency"], plan.get(who) if who else None)["plan"] = plan["plan"]
    for won in won_by_month(scope, period):
        target = row(won["month"], won["currency"], won.get("owner") if who else None)
        target["fact"], target["deals"] = won["amount"], won["deals"]
    for item in table.values():
        plan = item["plan"]
        item["percent"] = (
            int((item["fact"] * 100 / plan).quantize(Decimal("1"), ROUND_HALF_UP)) if plan else None
        )
    return sorted(table.values(), key=lambda r: (r["month"], r["currency"], r["manager"] or 0))


class Median(Aggregate):
    """PostgreSQL's continuous median (NULLs are left out, as by every aggregate)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def leads_received(scope: ForecastScope, period: Period) -> list[dict]:
    """Leads per manager received in the period (assigned to them; created by them when never
    assigned), and the average and median seconds from receiving to the first action
    (``taken_at``). One query; a lead not yet taken counts as received but not in the times."""
    received = Coalesce("assigned_at", "created_at")
    keys = ["owner"] if scope.per_manager else []
    qs = (
        Lead.objects.filter(scope.on("owner"), owner__isnull=False)
        .annotate(received=received)
        .filter(received__gte=period.starts_at, received__lt=period.ends_at)
        .annotate(wait=EpochSeconds(F("taken_at") - received))
    )
    if keys:
        qs = qs.values(*keys).order_by(*keys)
    figures = {
        "leads": Count("id"),
        "taken": Count("taken_at"),
        "wait_avg": Avg("wait"),
        "wait_median": Median("wait"),
    }
    if keys:
        return list(qs.annotate(**figures))
    return [qs.aggregate(**figures)]


def stage_conversion(scope: ForecastScope, period: Period, pipeline: Pipeline) -> list[dict]:
    """Per stage of ``pipeline`` (and manager): the deals that entered it in the period, how
    many of them went on to a later stage (any but a lost one), and how many are won now.
    One query."""
    later = DealStageChange.objects.filter(
        deal=OuterRef("deal"),
        changed_at__gte=OuterRef("changed_at"),
        to_stage__order__gt=OuterRef("to_stage__order"),
    ).exclude(to_stage__kind=Stage.Kind.LOST)
    keys = ["to_stage"] + (["deal__owner"] if scope.per_manager else [])
    rows = (
        DealStageChange.objects.filter(
            scope.on("deal__owner"),
            to_stage__pipeline=pipeline,
            changed_at__gte=period.starts_at,
            changed_at__lt=period.ends_at,
        )
        .annotate(went_on=Exists(later))
        .values(*keys)
        .annotate(
            entered=Count("deal", distinct=True),
            advanced=Count("deal", distinct=True, filter=Q(went_on=True)),
            won=Count("deal", distinct=True, filter=Q(deal__stage__kind=Stage.Kind.WON)),
        )
        .order_by(*keys)
    )
    return [
        {
            "stage": row["to_stage"],
            "owner": row.get("deal__owner"),
            "entered": row["entered"],
            "advanced": row["advanced"],
            "won": row["won"],
            "percent": round(row["advanced"] * 100 / row["entered"]) if row["entered"] else None,
        }
        for row in rows
    ]


def activities(scope: ForecastScope, period: Period) -> dict[int, dict]:
    """Per manager: interactions they recorded and tasks they finished in the period. Two
    queries (the two tables)."""
    if not scope.per_manager:
        return {}
    result: dict[int, dict] = defaultdict(lambda: {"interactions": 0, "tasks": 0})
    for row in (
        Interaction.objects.filter(
            scope.on("author"),
            occurred_at__gte=period.starts_at,
            occurred_at__lt=period.ends_at,
        )
        .values("author")
        .annotate(n=Count("id"))
        .order_by()
    ):
        result[row["author"]]["interactions"] = row["n"]
    for row in (
        Task.objects.filter(
            scope.on("assignee"),
            status=Task.Status.DONE,
            completed_at__gte=period.starts_at,
            completed_at__lt=period.ends_at,
        )
        .values("assignee")
        .annotate(n=Count("id"))
        .order_by()
    ):
        result[row["assignee"]]["tasks"] = row["n"]
    return dict(result)


# --- the report the pages, the CSV and the API show -----------------------------------------


@dataclass
class ManagerKpi:
    manager: User
    leads: int = 0
    taken: int = 0
    wait_avg: float | None = None
    wait_median: float | None = None
    won: dict[str, Decimal] = field(default_factory=dict)  # currency → amount
    won_deals: int = 0
    interactions: int = 0
    tasks: int = 0
    conversion: dict[int, dict] = field(default_factory=dict)  # stage id → figures

    @property
    def activities(self) -> int:
        return self.interactions + self.tasks

    def conversion_for(self, stage: Stage) -> dict | None:
        return self.conversion.get(stage.pk)


@dataclass
class ForecastReport:
    scope: ForecastScope
    period: Period
    pipeline: Pipeline | None
    stages: list[Stage]
    currency: str
    weighted: list[dict]
    by_pipeline: list[dict]
    plan_fact: list[dict]
    leads_total: dict
    conversion_total: dict[int, dict]
    managers: list[ManagerKpi]

    @property
    def per_manager(self) -> bool:
        return self.scope.per_manager

    def weighted_months(self, currency: str | None = None) -> list[dict]:
        """One entry per month of the period in ``currency``: amount, weighted, deals."""
        currency = currency or self.currency
        months = {
            m: {"month": m, "amount": ZERO, "weighted": ZERO, "deals": 0}
            for m in self.period.months
        }
        for row in self.weighted:
            if row["currency"] == currency and row["month"] in months:
                entry = months[row["month"]]
                entry["amount"] += row["amount"]
                entry["weighted"] += row["weighted"]
                entry["deals"] += row["deals"]
        return list(months.values())

    def weighted_other_currencies(self) -> list[dict]:
        """Sums in currencies other than the main one, per currency (never converted)."""
        totals: dict[str, dict] = {}
        for row in self.weighted:
            if row["currency"] == self.currency:
                continue
            entry = totals.setdefault(
                row["currency"],
                {"currency": row["currency"], "amount": ZERO, "weighted": ZERO, "deals": 0},
            )
            entry["amount"] += row["amount"]
            entry["weighted"] += row["weighted"]
            entry["deals"] += row["deals"]
        return sorted(totals.values(), key=lambda r: r["currency"])

    def weighted_per_manager(self) -> list[dict]:
        """Per manager in the main currency: the weighted sum for each month and in total."""
        if not self.per_manager:
            return []
        cells: dict[int, dict] = {}
        for row in self.weighted:
            if row["currency"] != self.currency:
                continue
            cells.setdefault(row["owner"], {})[row["month"]] = row["weighted"]
        result = []
        for kpi in self.managers:
            months = cells.get(kpi.manager.pk, {})
            result.append(
                {
                    "manager": kpi.manager,
                    "months": [months.get(m, ZERO) for m in self.period.months],
                    "total": sum(months.values(), ZERO),
                }
            )
        return result

    def plan_fact_months(self) -> list[dict]:
        """Company or team totals per month in the main currency."""
        months = {
            m: {"month": m, "plan": ZERO, "fact": ZERO, "has_plan": False}
            for m in self.period.months
        }
        for row in self.plan_fact:
            if row["currency"] != self.currency or row["month"] not in months:
                continue
            entry = months[row["month"]]
            if row["plan"] is not None:
                entry["plan"] += row["plan"]
                entry["has_plan"] = True
            entry["fact"] += row["fact"]
        return list(months.values())

    def plan_fact_per_manager(self, until: dt.date | None = None) -> list[dict]:
        """Per manager in the main currency: plan, fact and per cent over the period's months
        up to ``until`` (a month; all of them when None) — the months that could be won yet."""
        if not self.per_manager:
            return []
        totals: dict[int, dict] = {}
        for row in self.plan_fact:
            if row["currency"] != self.currency or (until and row["month"] > until):
                continue
            entry = totals.setdefault(row["manager"], {"plan": ZERO, "fact": ZERO})
            entry["plan"] += row["plan"] or ZERO
            entry["fact"] += row["fact"]
        result = []
        for kpi in self.managers:
            entry = totals.get(kpi.manager.pk, {"plan": ZERO, "fact": ZERO})
            plan, fact = entry["plan"], entry["fact"]
            percent = (
                int((fact * 100 / plan).quantize(Decimal("1"), ROUND_HALF_UP)) if plan else None
            )
            result.append({"manager": kpi.manager, "plan": plan, "fact": fact, "percent": percent})
        return result


def forecast_report(
    user: User,
    period: Period,
    *,
    pipeline: Pipeline | None = None,
    today: dt.date | None = None,
) -> ForecastReport:
    """Everything the forecast page shows, scoped to ``user``. A fixed number of queries
    whatever the number of deals, leads or managers (about a dozen)."""
    scope = forecast_scope(user)
    pipeline = pipeline or Pipeline.objects.filter(is_active=True).order_by("order", "name").first()
    stages = (
        list(Stage.objects.filter(pipeline=pipeline).order_by("order", "id")) if pipeline else []
    )
    weighted = weighted_pipeline(scope, period, today=today)
    by_pipeline = weighted_by_pipeline(scope, period, today=today)
    rows = plan_fact(scope, period)
    leads = leads_received(scope, period)
    conversion = stage_conversion(scope, period, pipeline) if pipeline else []
    managers: list[ManagerKpi] = []
    conversion_total: dict[int, dict] = {}
    for item in conversion:
        total = conversion_total.setdefault(
            item["stage"], {"entered": 0, "advanced": 0, "won": 0, "percent": None}
        )
        for key in ("entered", "advanced", "won"):
            total[key] += item[key]
    for total in conversion_total.values():
        if total["entered"]:
            total["percent"] = round(total["advanced"] * 100 / total["entered"])
    leads_total = {"leads": 0, "taken": 0, "wait_avg": None, "wait_median": None}
    if not scope.per_manager:
        leads_total = leads[0] if leads else leads_total
    else:
        acts = activities(scope, period)
        ids = (
            {r["owner"] for r in weighted}
            | {r["manager"] for r in rows}
            | {r["owner"] for r in leads}
            | {r["owner"] for r in conversion}
            | set(acts)
        )
        people_q = Q(pk__in=ids)
        if scope.owners is not None and user.has_role(Role.HEAD):
            people_q |= Q(is_active=True) & (Q(pk=user.pk) | Q(team__head=user))
        elif scope.owners is not None:
            people_q |= Q(pk=user.pk)
        people = User.objects.filter(people_q).order_by("last_name", "first_name", "email")
        by_id = {kpi.manager.pk: kpi for kpi in (ManagerKpi(manager=p) for p in people)}
        managers = list(by_id.values())
        for row in leads:
            kpi = by_id.get(row["owner"])
            if kpi:
                kpi.leads, kpi.taken = row["leads"], row["taken"]
                kpi.wait_avg, kpi.wait_median = row["wait_avg"], row["wait_median"]
        for row in rows:
            kpi = by_id.get(row["manager"])
            if kpi and row["deals"]:
                kpi.won[row["currency"]] = kpi.won.get(row["currency"], ZERO) + row["fact"]
                kpi.won_deals += row["deals"]
        for item in conversion:
            kpi = by_id.get(item["owner"])
            if kpi:
                kpi.conversion[item["stage"]] = item
        for pk, figures in acts.items():
            kpi = by_id.get(pk)
            if kpi:
                kpi.interactions, kpi.tasks = figures["interactions"], figures["tasks"]
        for kpi in managers:
            leads_total["leads"] += kpi.leads
            leads_total["taken"] += kpi.taken
    return ForecastReport(
        scope=scope,
        period=period,
        pipeline=pipeline,
        stages=stages,
        currency=settings.DEFAULT_CURRENCY,
        weighted=weighted,
        by_pipeline=by_pipeline,
        plan_fact=rows,
        leads_total=leads_total,
        conversion_total=conversion_total,
        managers=managers,
    )


def plans_visible_to(user: User):
    """Sales plans: an admin's all, a head's their teams' and own, a manager's own."""
    qs = SalesPlan.objects.select_related("manager")
    if not (user.is_authenticated and user.is_active and user.has_perm("deals.view_salesplan")):
        return qs.none()
    if user.has_role(Role.ADMIN):
        return qs
    if user.has_role(Role.HEAD):
        return qs.filter(team_scope(user, "manager"))
    return qs.filter(manager=user)


def plan_grid(user: User, managers, months: list[dt.date]) -> dict[tuple[int, dt.date], Decimal]:
    """The plans of ``managers`` for ``months``: {(manager id, month): amount}. One query."""
    return {
        (p.manager_id, p.month): p.amount
        for p in plans_visible_to(user).filter(manager__in=managers, month__in=months)
    }

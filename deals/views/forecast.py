"""The forecast page, its KPI table as CSV, and the plan grid."""

from __future__ import annotations

import csv
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crm.models import Role

from ..forms_forecast import PeriodForm, PlanGridForm
from ..models import Stage
from ..selectors import forecast as selectors
from ..services.plans import plans_set

# The chart's drawing area (SVG user units; the picture scales to the page's width).
CHART_W, CHART_H, CHART_TOP, CHART_BOTTOM, CHART_LEFT = 720, 260, 24, 36, 8


def _require_forecast(user) -> None:
    if not user.has_perm("deals.view_forecast"):
        raise PermissionDenied


def can_download(user) -> bool:
    """The KPI table as a file is for those who see it per manager and lead people: heads
    and admins. It holds aggregates about the team, no client's data: not a bulk read of the
    base, so it is not counted against the export cap."""
    return user.has_perm("deals.view_forecast") and user.has_role(Role.ADMIN, Role.HEAD)


def money_short(value: Decimal) -> str:
    """1 250 000 → "1.3 M" (in the active language's words and separators)."""
    value = Decimal(value or 0)
    if value >= 1_000_000:
        return _("%(n)s M") % {"n": formats.number_format(value / 1_000_000, 1)}
    if value >= 1_000:
        return _("%(n)s K") % {"n": formats.number_format(value / 1_000, 0)}
    return formats.number_format(value, 0)


def duration_short(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(m)s min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)s d %(h)s h") % {"d": days, "h": hours}


def _month_label(month) -> str:
    return formats.date_format(month, "M Y")


def weighted_chart(report: selectors.ForecastReport) -> dict:
    """Bar geometry per month: won so far (green) with the weighted open pipeline on top
    (blue), the open deals' full amount behind it (light), the plan as a dashed mark."""
    months = report.weighted_months()
    plans = {m["month"]: m for m in report.plan_fact_months()}
    top = max(
        [m["amount"] + plans[m["month"]]["fact"] for m in months]
        + [plans[m["month"]]["plan"] for m in months]
        + [Decimal(0)]
    ) or Decimal(1)
    plot_h = CHART_H - CHART_TOP - CHART_BOTTOM
    base = CHART_TOP + plot_h
    slot = (CHART_W - CHART_LEFT * 2) / max(len(months), 1)
    bar_w = min(64, slot * 0.55)

    def height(value) -> float:
        return float(value / top) * plot_h

    bars = []
    for i, m in enumerate(months):
        won, plan = plans[m["month"]]["fact"], plans[m["month"]]["plan"]
        x = CHART_LEFT + slot * i + (slot - bar_w) / 2
        won_h = height(won)
        w_h = height(m["weighted"])
        full_h = height(m["amount"])
        plan_y = base - height(plan)
        forecast = won + m["weighted"]
        bars.append(
            {
                "x": round(x, 1),
                "w": round(bar_w, 1),
                "won_y": round(base - won_h, 1),
                "won_h": round(won_h, 1),
                "y": round(base - won_h - w_h, 1),
                "h": round(w_h, 1),
                "full_y": round(base - won_h - full_h, 1),
                "full_h": round(full_h, 1),
                "plan": plan if plans[m["month"]]["has_plan"] else None,
                "plan_y": round(plan_y, 1),
                "plan_x1": round(x - 8, 1),
                "plan_x2": round(x + bar_w + 8, 1),
                "cx": round(x + bar_w / 2, 1),
                "label_y": round(min(base - won_h - w_h, base - won_h - full_h) - 6, 1),
                "value": money_short(forecast) if forecast else "",
                "month": _month_label(m["month"]),
                "title": _(
                    "%(month)s: won %(won)s, weighted pipeline %(weighted)s of %(amount)s "
                    "in %(deals)s deals, plan %(plan)s"
                )
                % {
                    "month": _month_label(m["month"]),
                    "won": _grouped(won),
                    "weighted": _grouped(m["weighted"]),
                    "amount": _grouped(m["amount"]),
                    "deals": m["deals"],
                    "plan": _grouped(plan) if plans[m["month"]]["has_plan"] else "—",
                },
                "won": won,
                "weighted": m["weighted"],
                "amount": m["amount"],
                "deals": m["deals"],
            }
        )
    return {
        "width": CHART_W,
        "height": CHART_H,
        "baseline": base,
        "axis_y": CHART_H - 12,
        "bars": bars,
        "total": sum((m["weighted"] for m in months), Decimal(0)),
    }


def _grouped(value) -> str:
    return formats.number_format(value, 0, force_grouping=True)


def plan_fact_bars(rows: list[dict], label) -> list[dict]:
    """Horizontal bars (per cent of the longest) of plan and fact for each row."""
    top = max([r["plan"] for r in rows] + [r["fact"] for r in rows] + [Decimal(0)]) or Decimal(1)
    result = []
    for row in rows:
        percent = row.get("percent")
        if percent is None and row["plan"]:
            percent = round(row["fact"] * 100 / row["plan"])
        result.append(
            {
                "label": label(row),
                "plan": row["plan"],
                "fact": row["fact"],
                "plan_w": round(float(row["plan"] / top) * 100, 1),
                "fact_w": round(float(row["fact"] / top) * 100, 1),
                "percent": percent if row["plan"] else None,
                "state": "ok" if percent is not None and percent >= 100 else "short",
            }
        )
    return result


def _scope_label(report: selectors.ForecastReport) -> str:
    user = report.scope.user
    if not report.per_manager:
        return _("Company totals (no breakdown by manager)")
    if report.scope.owners is None:
        return _("Everyone's figures")
    if user.has_role(Role.HEAD):
        return _("Your team's figures")
    return _("Your figures")


def _totals(report: selectors.ForecastReport, today) -> dict:
    """The period's plan, and the fact against the plan of the months begun so far (a month
    still to come cannot be behind its plan yet)."""
    months = report.plan_fact_months()
    this = selectors.month_start(today)
    plan = sum((m["plan"] for m in months), Decimal(0))
    plan_to_date = sum((m["plan"] for m in months if m["month"] <= this), Decimal(0))
    fact = sum((m["fact"] for m in months), Decimal(0))
    return {
        "plan_total": plan,
        "plan_to_date": plan_to_date,
        "fact_total": fact,
        "plan_percent": round(fact * 100 / plan_to_date) if plan_to_date else None,
    }


@login_required
@require_GET
def forecast(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_forecast(user)
    form = PeriodForm(request.GET or None)
    status = 400 if form.is_bound and not form.is_valid() else 200
    pipeline = form.cleaned_data.get("pipeline") if form.is_bound and form.is_valid() else None
    today = timezone.localdate()
    report = selectors.forecast_report(user, form.period, pipeline=pipeline, today=today)
    if report.per_manager:
        pf_rows = plan_fact_bars(
            report.plan_fact_per_manager(until=selectors.month_start(today)),
            lambda r: str(r["manager"]),
        )
    else:
        pf_rows = plan_fact_bars(
            [
                m
                for m in report.plan_fact_months()
                if (m["has_plan"] or m["fact"]) and m["month"] <= selectors.month_start(today)
            ],
            lambda r: _month_label(r["month"]),
        )
    # Conversion is about going on from a stage in progress; won and lost are where it ends.
    kpi_stages = [s for s in report.stages if s.kind == Stage.Kind.OPEN]
    managers = [
        {
            "kpi": kpi,
            "wait_avg": duration_short(kpi.wait_avg),
            "wait_median": duration_short(kpi.wait_median),
            "won": sorted(kpi.won.items()),
            "conversion": [kpi.conversion_for(stage) for stage in kpi_stages],
        }
        for kpi in report.managers
    ]
    context = {
        "form": form,
        "report": report,
        "chart": weighted_chart(report),
        "plan_fact_rows": pf_rows,
        "weighted_rows": report.weighted_per_manager(),
        "managers": managers,
        "kpi_stages": kpi_stages,
        "conversion_total": [report.conversion_total.get(s.pk) for s in kpi_stages],
        **_totals(report, today),
        "leads_total": {
            **report.leads_total,
            "wait_median_label": duration_short(report.leads_total.get("wait_median")),
            "wait_avg_label": duration_short(report.leads_total.get("wait_avg")),
        },
        "month_labels": [_month_label(m) for m in report.period.months],
        "scope_label": _scope_label(report),
        "can_edit_plans": selectors.can_edit_plans(user),
        "can_download": can_download(user),
        "can_rules": user.has_perm("deals.view_repeatdealrule"),
        "query": request.GET.urlencode(),
    }
    return render(request, "deals/forecast/forecast.html", context, status=status)


@login_required
@require_GET
def forecast_csv(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can_download(user):
        raise PermissionDenied
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    pipeline = form.cleaned_data.get("pipeline") if form.is_bound else None
    report = selectors.forecast_report(user, form.period, pipeline=pipeline)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    period = f"{report.period.first:%Y-%m}_{report.period.last:%Y-%m}"
    response["Content-Disposition"] = f'attachment; filename="kpi_{period}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 Cyrillic correctly only with the BOM
    writer = csv.writer(response, delimiter=";")
    stages = [s for s in report.stages if s.kind == Stage.Kind.OPEN]
    writer.writerow(
        [
            _("Manager"),
            _("Leads received"),
            _("Leads taken"),
            _("Time to first action, median, min"),
            _("Time to first action, average, min"),
            _("Won deals"),
            *(_("Won, %(currency)s") % {"currency": c} for c in _currencies(report)),
            _("Interactions"),
            _("Tasks done"),
            *(_("%(stage)s: entered") % {"stage": s.name} for s in stages),
            *(_("%(stage)s: went on, %%") % {"stage": s.name} for s in stages),
        ]
    )
    currencies = _currencies(report)
    for kpi in report.managers:
        conversion = [kpi.conversion_for(s) for s in stages]
        writer.writerow(
            [
                str(kpi.manager),
                kpi.leads,
                kpi.taken,
                _minutes(kpi.wait_median),
                _minutes(kpi.wait_avg),
                kpi.won_deals,
                *(str(kpi.won.get(c, Decimal("0.00"))) for c in currencies),
                kpi.interactions,
                kpi.tasks,
                *((c or {}).get("entered", 0) for c in conversion),
                *("" if not c or c["percent"] is None else c["percent"] for c in conversion),
            ]
        )
    return response


def _currencies(report) -> list[str]:
    found = {c for kpi in report.managers for c in kpi.won}
    return sorted(found | {report.currency})


def _minutes(seconds) -> str:
    return "" if seconds is None else str(round(seconds / 60))


@login_required
def plan_edit(request: HttpRequest) -> HttpResponse:
    """A grid of managers × months: heads fill their teams' plans, admins anyone's."""
    user = request.user
    if not selectors.can_edit_plans(user):
        raise PermissionDenied
    # Plans are set ahead: this month and the next five unless other months are asked for.
    this = selectors.month_start(timezone.localdate())
    period_form = PeriodForm(
        request.GET or None, default=selectors.Period(this, selectors.month_add(this, 5))
    )
    period = period_form.period
    managers = list(selectors.managers_in_scope(user))
    months = period.months
    plans = selectors.plan_grid(user, managers, months)
    status = 200
    if request.method == "POST":
        form = PlanGridForm(request.POST, managers=managers, months=months, plans=plans)
        if form.is_valid():
            try:
                changed = plans_set(actor=user, cells=form.cells())
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    name = f"plan-{key}"
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Plans saved: %(n)s changed.") % {"n": changed})
                query = request.GET.urlencode()
                return redirect(reverse("deals:plan-edit") + (f"?{query}" if query else ""))
        status = 400
    else:
        form = PlanGridForm(managers=managers, months=months, plans=plans)
    totals = [
        sum((plans.get((m.pk, month), Decimal(0)) for m in managers), Decimal(0))
        for month in months
    ]
    context = {
        "form": form,
        "period_form": period_form,
        "months": [_month_label(m) for m in months],
        "totals": totals,
        "currency": settings.DEFAULT_CURRENCY,
        "query": request.GET.urlencode(),
    }
    return render(request, "deals/forecast/plans.html", context, status=status)

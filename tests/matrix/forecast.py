"""The forecast, KPIs, sales plans and the sales generator's rules.

Everyone who sells or reads sales figures opens the forecast (each their own scope: see
deals/selectors/forecast.py); the KPI file, the plan grid and the rules are for heads of sales
and admins. Plans are read by the manager they are for and the heads of their team.
"""

from __future__ import annotations

from decimal import Decimal

LOGIN = 302
#                          admin head mgr  mgr2 oper sup  mkt  anon
HEADS_ONLY = [200, 200, 403, 403, 403, 403, 403, LOGIN]
FORECAST = [200, 200, 200, 200, 403, 200, 200, LOGIN]

ROWS = {
    "deals:forecast": ("GET", "/deals/forecast/", FORECAST),
    "deals:forecast-csv": ("GET", "/deals/forecast/kpi.csv", HEADS_ONLY),
    "deals:plan-edit": ("GET", "/deals/forecast/plans/", HEADS_ONLY),
    "deals:generator-list": ("GET", "/deals/generator/", HEADS_ONLY),
    "deals:generator-create": ("GET", "/deals/generator/new/", HEADS_ONLY),
    "deals:generator-edit": ("GET", "/deals/generator/{repeat_rule}/edit/", HEADS_ONLY),
    "deals-api:forecast": ("GET", "/api/v1/forecast/", [200, 200, 200, 200, 403, 200, 200, 401]),
    "deals-api:forecast-kpis": (
        "GET",
        "/api/v1/forecast/kpis/",
        [200, 200, 200, 200, 403, 200, 200, 401],
    ),
    "deals-api:salesplan-list": (
        "GET",
        "/api/v1/sales-plans/",
        [200, 200, 200, 200, 403, 403, 403, 401],
    ),
    "deals-api:salesplan-detail": (
        "GET",
        "/api/v1/sales-plans/{sales_plan}/",
        [200, 200, 200, 404, 403, 403, 403, 401],
    ),
    "deals-api:repeatdealrule-list": (
        "GET",
        "/api/v1/repeat-rules/",
        [200, 200, 403, 403, 403, 403, 403, 401],
    ),
    "deals-api:repeatdealrule-detail": (
        "GET",
        "/api/v1/repeat-rules/{repeat_rule}/",
        [200, 200, 403, 403, 403, 403, 403, 401],
    ),
}


def records(base: dict) -> dict:
    from django.utils import timezone

    from deals.models import SalesPlan
    from deals.selectors.forecast import month_start
    from deals.tests.factories import PipelineFactory
    from deals.tests.factories_forecast import RepeatDealRuleFactory

    plan = SalesPlan.objects.create(
        manager=base["manager"],
        month=month_start(timezone.localdate()),
        amount=Decimal("500000.00"),
    )
    rule = RepeatDealRuleFactory(source_pipeline=PipelineFactory(name="Матрица: прогноз"))
    return {"sales_plan": plan.pk, "repeat_rule": rule.pk}

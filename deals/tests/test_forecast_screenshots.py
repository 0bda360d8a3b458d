"""The forecast, the plan grid and the sales generator in a real browser, on the demo data and
a season of deals: pictures for the guide (``CRM_DOCS_SCREENSHOTS=1`` writes docs/img/)."""

from __future__ import annotations

import datetime as dt
import os
import random
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from contacts.tests.factories import InteractionFactory
from crm.demo import DemoContext, demo_load_all
from crm.models import User
from deals.demo import plans as plans_demo
from deals.models import DealStageChange, Lead, Pipeline, Stage
from deals.tests.factories import DealFactory, LeadFactory

from .factories_forecast import at, month_add, this_month

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = (
    Path(settings.BASE_DIR, "docs", "img")
    if os.environ.get("CRM_DOCS_SCREENSHOTS")
    else Path(settings.BASE_DIR, "var", "screenshots", "docs")
)

FURNITURE = [
    ("Заявка", 10, Stage.Kind.OPEN),
    ("Замер", 25, Stage.Kind.OPEN),
    ("Дизайн-проект", 40, Stage.Kind.OPEN),
    ("Договор", 70, Stage.Kind.OPEN),
    ("Производство", 85, Stage.Kind.OPEN),
    ("Доставка", 95, Stage.Kind.OPEN),
    ("Сделка успешна", 100, Stage.Kind.WON),
    ("Сделка провалена", 0, Stage.Kind.LOST),
]
TITLES = [
    "Кухня угловая",
    "Шкаф-купе в прихожую",
    "Гардеробная",
    "Детская под ключ",
    "Кухня-остров",
    "Стеллаж в кабинет",
    "Прихожая",
    "Спальня",
]


def _season(people: list[User]) -> None:
    """Half a year of a furniture workshop: open deals with expected dates, won and lost ones,
    leads and calls, so that every figure of the page has something to show."""
    rng = random.Random(7)
    pipeline, _ = Pipeline.objects.get_or_create(name="Мебель на заказ")
    if not pipeline.stages.exists():
        for order, (name, probability, kind) in enumerate(FURNITURE):
            Stage.objects.create(
                pipeline=pipeline, name=name, order=order, probability=probability, kind=kind
            )
    stages = list(pipeline.stages.order_by("order"))
    open_stages = [s for s in stages if s.kind == Stage.Kind.OPEN]
    won = next(s for s in stages if s.kind == Stage.Kind.WON)
    lost = next(s for s in stages if s.kind == Stage.Kind.LOST)
    month = this_month()
    for person in people:
        for _ in range(14):
            amount = Decimal(rng.randrange(90, 900) * 1000)
            path = open_stages[: rng.randrange(1, len(open_stages) + 1)]
            outcome = rng.random()
            closed = None
            if outcome < 0.35:
                path, closed = [*path, won], won
            elif outcome < 0.5:
                path, closed = [*path, lost], lost
            start = at(month_add(month, -rng.randrange(0, 3)), rng.randrange(1, 20), 10)
            deal = DealFactory(
                title=f"{rng.choice(TITLES)} №{rng.randrange(100, 999)}",
                owner=person,
                pipeline=pipeline,
                stage=path[-1],
                amount=amount,
                expected_close_date=month_add(month, rng.randrange(0, 4)).replace(
                    day=rng.randrange(1, 28)
                ),
            )
            when = start
            previous = None
            for stage in path:
                DealStageChange.objects.create(
                    deal=deal, from_stage=previous, to_stage=stage, changed_at=when
                )
                previous, when = stage, when + dt.timedelta(days=rng.randrange(1, 6))
            if closed is not None:
                closed_at = min(when, timezone.now())
                type(deal).objects.filter(pk=deal.pk).update(closed_at=closed_at)
        for _ in range(12):
            assigned = at(month_add(month, -rng.randrange(0, 3)), rng.randrange(1, 25), 11)
            LeadFactory(
                owner=person,
                assigned_at=assigned,
                taken_at=assigned + dt.timedelta(minutes=rng.randrange(4, 180)),
                status=Lead.Status.IN_WORK,
            )
        for _ in range(20):
            InteractionFactory(author=person, occurred_at=at(month, rng.randrange(1, 25), 15))


def test_forecast_pages_for_the_guide(live_server, page, login_as):
    demo_load_all("docs-Pa55word-1")
    head = User.objects.get(email="head@example.com")
    _season([head, User.objects.get(email="manager@example.com")])
    # the generator's demo rule needs the furniture pipeline, made above when the demo has none
    plans_demo.load(DemoContext(password=""))
    OUT.mkdir(parents=True, exist_ok=True)
    shots = [
        ("head@example.com", "/deals/forecast/", "forecast", True),
        ("head@example.com", "/deals/forecast/plans/", "forecast-plans", False),
        ("head@example.com", "/deals/generator/", "forecast-generator", False),
        ("marketer@example.com", "/deals/forecast/", "forecast-marketer", True),
    ]
    for email, path, name, full in shots:
        page.context.clear_cookies()
        login_as(page, User.objects.get(email=email))
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ru", "url": live_server.url}]
        )
        response = page.goto(f"{live_server.url}{path}", wait_until="domcontentloaded")
        page.locator("main h1").wait_for()
        assert response is not None
        assert response.status == 200, f"{email} {path} answered {response.status}"
        page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    # the chart is drawn, and the keyboard reaches the period selector
    page.goto(f"{live_server.url}/deals/forecast/", wait_until="domcontentloaded")
    assert page.locator("svg.chart rect.bar-weighted").count() == 6

"""The routing pages of a head of sales in a real browser, on the demo data, for the guide:
with ``CRM_DOCS_SCREENSHOTS=1`` the pictures go to docs/img/, otherwise to var/screenshots/."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from crm.demo import demo_load_all
from crm.models import User
from crm.routing import services
from crm.routing.kinds import ROUTING_KINDS
from crm.routing.models import RoutingRule
from crm.tests.factories import UserFactory
from deals.models import Lead
from deals.routing import LEAD
from deals.tests.factories import LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = (
    Path(settings.BASE_DIR, "docs", "img")
    if os.environ.get("CRM_DOCS_SCREENSHOTS")
    else Path(settings.BASE_DIR, "var", "screenshots", "docs")
)


def _assign_directly(lead, user, reason):
    Lead.objects.filter(pk=lead.pk).update(owner=user, assigned_at=timezone.now())


def test_a_head_of_sales_reads_the_rules_a_rule_and_the_log(live_server, page, login_as):
    # given the demo's rules, one manager away, and leads routed on a weekday at noon
    ROUTING_KINDS.register(LEAD.code, dataclasses.replace(LEAD, assign=_assign_directly))
    demo_load_all("docs-Pa55word-1")
    head = User.objects.get(email="head@example.com")
    north = head.team
    UserFactory(email="volkov@example.com", first_name="Пётр", last_name="Волков", team=north)
    UserFactory(
        email="petrova@example.com",
        first_name="Ирина",
        last_name="Петрова",
        team=north,
        availability=User.Availability.AWAY,
    )
    moscow = RoutingRule.objects.get(name="Москва B2B")
    noon = dt.datetime(2026, 11, 30, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Moscow"))
    leads = [
        LeadFactory(region="Москва", company_name="ООО «Вектор»", language="ru"),
        LeadFactory(region="Москва", company_name="ИП Морозов", language="ru"),
        LeadFactory(region="Казань"),
        LeadFactory(region="Тверь"),
        LeadFactory(region="Тула"),
    ]
    for n, lead in enumerate(leads):
        services.routing_route(kind=LEAD.code, item_id=lead.pk, now=noon + dt.timedelta(minutes=n))
    OUT.mkdir(parents=True, exist_ok=True)
    login_as(page, head)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )

    for path, name, wait_for in [
        ("/settings/routing/", "routing-rules", "table.rules"),
        (f"/settings/routing/{moscow.pk}/", "routing-rule-form", "#rule-form"),
        ("/settings/routing/log/", "routing-log", "table"),
    ]:
        # when the head opens the page
        response = page.goto(f"{live_server.url}{path}", wait_until="domcontentloaded")
        page.locator(wait_for).first.wait_for()

        # then it answers and its picture is taken
        assert response is not None
        assert response.status == 200
        page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)

    assert "round robin, 1st in turn" in page.content()
    assert "Ирина Петрова away" in page.content()

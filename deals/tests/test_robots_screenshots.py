"""The robots page in a real browser: a head of sales opens the workshop's robots, adds one
with the htmx form, and the pictures of the guide are taken (``CRM_DOCS_SCREENSHOTS=1`` writes
them to docs/img/, otherwise to var/screenshots/docs/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from crm.automation.models import AutomationRule
from crm.demo import DemoContext
from crm.models import Role
from crm.tests.factories import UserFactory
from deals.demo import robots as demo_robots

from .factories import PipelineFactory
from .test_robots_demo import FURNITURE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = (
    Path(settings.BASE_DIR, "docs", "img")
    if os.environ.get("CRM_DOCS_SCREENSHOTS")
    else Path(settings.BASE_DIR, "var", "screenshots", "docs")
)


def test_a_head_of_sales_sets_up_a_robot(live_server, page, login_as, team_a):
    head = UserFactory(
        email="head@example.com",
        role=Role.HEAD,
        team=team_a,
        first_name="Ирина",
        last_name="Соколова",
    )
    pipeline = PipelineFactory(name="Мебель на заказ", stages=FURNITURE)
    PipelineFactory(name="Опт B2B")
    demo_robots.load(DemoContext(password="x"))
    login_as(page, head)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )

    page.set_viewport_size({"width": 1680, "height": 900})
    page.goto(f"{live_server.url}/deals/automation/{pipeline.pk}/")
    page.get_by_role("heading", name="Замер").wait_for()
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / "automation-robots.png"), full_page=True)

    # Add a robot to "Производство" with the keyboard-usable htmx form.
    column = page.locator("section.robot-col", has=page.get_by_role("heading", name="Производство"))
    column.get_by_role("link", name="Add a robot").click()
    form = page.locator("#robot-form")
    form.get_by_label("Name").fill("Напомнить о сроках производства")
    form.get_by_label("Action 1").select_option("deals.task")
    form.get_by_label("Task").wait_for()
    form.get_by_label("Task").fill("Сообщить клиенту сроки")
    page.screenshot(path=str(OUT / "automation-robot-form.png"), full_page=True)
    form.get_by_role("button", name="Save").click()
    page.get_by_text("Напомнить о сроках производства").wait_for()

    rule = AutomationRule.objects.get(name="Напомнить о сроках производства")
    assert rule.scope == {
        "pipeline": pipeline.pk,
        "stage": pipeline.stages.get(name="Производство").pk,
    }
    assert rule.actions[0]["params"]["title"] == "Сообщить клиенту сроки"

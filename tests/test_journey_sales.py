"""Browser journeys of the sales funnel (issue 9), across its parts and with the background work
done by a real Celery worker on the Redis broker:

1. a visitor of the workshop's site sends the embedded web form; the worker routes the lead to
   a sales manager, who sees the notification, reads why the lead is theirs, converts it, drags
   the deal to "Замер" on the board and finds the task the stage's robot gave them;
2. a head of sales changes a robot's deadline on the robots page and reads the team's
   weighted pipeline and plan against fact on the forecast page.

The pictures are saved as var/screenshots/journey-sales-<step>.png.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conftest import SCREENSHOT_DIR
from crm.automation.models import AutomationRule
from crm.routing.models import Strategy
from crm.routing.services import routing_rule_create
from deals.models import Deal, Lead, Stage, WebForm
from deals.routing import LEAD_KIND
from deals.tests.factories import PipelineFactory
from deals.tests.factories_automation import TASK, robot
from deals.tests.factories_forecast import (
    SalesPlanFactory,
    at,
    open_deal,
    this_month,
    won_deal,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# With the other journeys' pictures (conftest.SCREENSHOT_DIR), for people to look at; the
# guides' pictures in docs/img are made by the screenshot tests.
OUT = SCREENSHOT_DIR

FURNITURE = [
    ("Заявка", 10, Stage.Kind.OPEN),
    ("Замер", 25, Stage.Kind.OPEN),
    ("Дизайн-проект", 40, Stage.Kind.OPEN),
    ("Договор", 70, Stage.Kind.OPEN),
    ("Производство", 85, Stage.Kind.OPEN),
    ("Сделка успешна", 100, Stage.Kind.WON),
    ("Сделка провалена", 0, Stage.Kind.LOST),
]

HOST_PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Мебель-Пример</title></head>
<body style="font-family: system-ui, sans-serif; margin: 0; background: #f6f3ee">
<header style="background: #3b2f2a; color: #fff; padding: 18px 40px; font-size: 22px">
  Мебель-Пример · кухни и шкафы на заказ</header>
<main style="display: flex; gap: 40px; padding: 32px 40px">
  <section style="flex: 1"><h1>Бесплатный замер за один день</h1>
    <p>Оставьте заявку — менеджер перезвонит и договорится о времени.</p></section>
  <section style="flex: 1">{snippet}</section>
</main></body></html>"""


class _Site(ThreadingHTTPServer):
    html = ""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # the name http.server calls
        body = self.server.html.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def other_site():
    """The workshop's own site: another origin on this machine, embedding the snippet."""
    server = _Site(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def furniture():
    return PipelineFactory(name="Мебель на заказ", stages=FURNITURE)


@pytest.fixture
def english(page, live_server):
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    return page


def shot(page, step: str, *, full_page: bool = False) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"journey-sales-{step}.png"), full_page=full_page)


def reload_until_visible(page, locator, *, tries: int = 30) -> None:
    """A page that does not refresh itself is read again until the worker's result is on it,
    as a person presses F5; each look waits on Playwright's own auto-wait, not a sleep."""
    for _ in range(tries - 1):
        try:
            expect(locator).to_be_visible(timeout=1_000)
            return
        except AssertionError:
            page.reload()
    expect(locator).to_be_visible()


def current_area(page):
    """The menu's entry marked as the current page (one, even where areas nest)."""
    return page.get_by_role("navigation", name="Main navigation").locator('[aria-current="page"]')


def _column(page, name):
    return page.locator("section.column", has=page.get_by_role("heading", name=name, exact=True))


def _drag(page, card, target) -> None:
    start = card.bounding_box()
    end = target.bounding_box()
    page.mouse.move(start["x"] + 10, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(start["x"] + 35, start["y"] + 25, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 30, steps=20)
    page.mouse.up()


def test_a_web_form_lead_reaches_a_manager_who_converts_it_and_gets_the_robots_task(
    celery_worker, live_server, page, english, login_as, manager, furniture, other_site
):
    # given the workshop's set-up: site leads go round robin to the manager, a robot on "Замер"
    # gives the deal's owner "Подтвердить замер" in two hours, and the form allowed on the site
    manager.first_name, manager.last_name = "Алексей", "Орлов"
    manager.save()
    routing_rule_create(
        actor=None,
        kind=LEAD_KIND,
        name="Заявки с сайта",
        strategy=Strategy.ROUND_ROBIN,
        people=[manager],
    )
    robot(furniture, "Замер", TASK, name="Задача на замер")
    site = f"http://127.0.0.1:{other_site.server_address[1]}"
    web_form = WebForm.objects.create(
        name="Заявка на замер",
        allowed_origins=[site],
        success_message="Спасибо! Менеджер перезвонит вам в течение часа.",
    )
    src = f"{live_server.url}/deals/leads/forms/{web_form.key}/embed.js"
    other_site.html = HOST_PAGE.replace("{snippet}", f'<script src="{src}"></script>')

    # when a visitor fills the form on the site and sends it
    visitor = page.context.browser.new_context(
        locale="ru-RU", viewport={"width": 1100, "height": 640}
    )
    try:
        site_page = visitor.new_page()
        site_page.goto(f"{site}/?utm_source=yandex&utm_campaign=zamer")
        site_page.get_by_label("Ваше имя").fill("Вера Никитина")
        site_page.get_by_label("Телефон").fill("8 (916) 765-43-21")
        site_page.get_by_label("Сообщение").fill("Нужна угловая кухня 3,4 м, замер в субботу.")
        shot(site_page, "1-web-form")
        site_page.get_by_role("button", name="Отправить").click()
        expect(site_page.get_by_role("status")).to_have_text(web_form.success_message)
    finally:
        visitor.close()

    # then the worker routes it and the manager's bell tells them about the new lead
    login_as(page, manager)
    page.goto("/")
    bell = page.locator("#bell")
    expect(bell.locator("#bell-count")).to_have_text("1", timeout=30_000)
    bell.locator("summary.bell").click()
    notification = bell.locator("a.notif", has_text="Вера Никитина")
    expect(notification).to_contain_text("New lead")
    expect(notification).to_contain_text("Заявки с сайта")
    shot(page, "2-notification")

    # when the manager opens the lead, the card says why it is theirs
    notification.click()
    expect(page.get_by_role("heading", name="Вера Никитина")).to_be_visible()
    assignment = page.locator(".assignments-block li").first
    expect(assignment).to_contain_text("Алексей Орлов")
    expect(assignment.locator(".reason")).to_contain_text("Заявки с сайта")
    expect(assignment.locator(".reason")).to_contain_text("round robin")
    expect(current_area(page)).to_have_text("Leads")
    shot(page, "3-lead-card", full_page=True)

    # and converts it into a deal of the furniture pipeline
    page.get_by_role("link", name="Convert").click()
    page.get_by_label("Pipeline").select_option(label="Мебель на заказ")
    page.get_by_label("Title").fill("Кухня Никитиной")
    page.get_by_label("Amount").fill("320000")
    shot(page, "4-convert")
    page.get_by_role("button", name="Convert into a deal").click()
    expect(page.locator(".lead-status")).to_have_text("Converted")
    deal = Deal.objects.get(title="Кухня Никитиной")
    assert (deal.owner, deal.amount, deal.stage.name) == (manager, 320000, "Заявка")

    # when the manager drags the new deal's card to "Замер" on the board
    page.goto(f"/deals/pipelines/{furniture.pk}/")
    card = _column(page, "Заявка").locator(f'li.deal-card[data-deal="{deal.pk}"]')
    expect(card).to_contain_text("Кухня Никитиной")
    _drag(page, card.locator(".deal-amount"), _column(page, "Замер").locator("ol.cards"))
    expect(page.locator("#board-status")).to_contain_text("Замер")
    expect(_column(page, "Замер").locator(f'li.deal-card[data-deal="{deal.pk}"]')).to_be_visible()
    shot(page, "5-board")

    # then the robot's task is on the deal's card, for the manager, due in two hours
    page.goto(f"/deals/{deal.pk}/")
    task = page.locator("#deal-tasks li", has_text="Подтвердить замер")
    reload_until_visible(page, task)
    expect(page.locator("#deal-tasks")).not_to_contain_text("No open tasks")
    shot(page, "6-robot-task", full_page=True)
    # and in "My tasks"
    page.goto("/tasks/")
    expect(page.get_by_text("Подтвердить замер")).to_be_visible()
    lead = Lead.objects.get(name="Вера Никитина")
    assert (lead.owner, lead.deal) == (manager, deal)


def test_a_head_of_sales_changes_a_robot_and_reads_the_teams_forecast(
    live_server, page, english, login_as, head, manager, manager2, furniture
):
    # given the robot of "Замер", and the deals and plans of two teams this month
    head.first_name, head.last_name = "Ирина", "Соколова"
    head.save()
    manager.first_name, manager.last_name = "Алексей", "Орлов"
    manager.save()
    rule = robot(furniture, "Замер", TASK, name="Задача на замер")
    month = this_month()
    open_deal(manager, furniture, "Замер", "200000")  # 25% → 50 000
    open_deal(manager, furniture, "Договор", "300000")  # 70% → 210 000
    won_deal(manager, furniture, "150000", at(month, 1, 9))
    SalesPlanFactory(manager=manager, month=month, amount=Decimal("500000"))
    # another team's deal and plan, which the head must not count
    open_deal(manager2, furniture, "Договор", "1000000")
    won_deal(manager2, furniture, "900000", at(month, 1, 9))
    SalesPlanFactory(manager=manager2, month=month, amount=Decimal("700000"))
    login_as(page, head)

    # when the head of sales opens the pipeline's robots and edits the one on "Замер"
    page.set_viewport_size({"width": 1500, "height": 900})
    page.goto(f"/deals/automation/{furniture.pk}/")
    card = page.locator(f"#rule-{rule.pk}")
    expect(card).to_contain_text("Подтвердить замер, in 120 min")
    card.get_by_role("link", name="Edit").click()
    form = page.locator("#robot-form")
    expect(form.get_by_label("Deadline in, minutes")).to_have_value("120")
    form.get_by_label("Deadline in, minutes").fill("60")
    shot(page, "7-robot-edit", full_page=True)
    form.get_by_role("button", name="Save").click()

    # then the robot's card says the task is now due in an hour
    card = page.locator(f"#rule-{rule.pk}")
    expect(card).to_contain_text("Подтвердить замер, in 60 min")
    shot(page, "8-robots", full_page=True)
    rule = AutomationRule.objects.get(pk=rule.pk)
    assert rule.actions[0]["params"]["due_in_minutes"] == 60

    # when they open the forecast
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/deals/forecast/")

    # then the figures are their team's: 200 000 × 25% + 300 000 × 70% weighted, and the
    # manager's 150 000 won against a plan of 500 000
    weighted = page.locator(".forecast-stats .stat").filter(has_text="Weighted pipeline")
    expect(weighted.locator(".n")).to_have_text("260,000")
    won = page.locator(".forecast-stats .stat").filter(has_text="Won in the period")
    expect(won.locator(".n")).to_have_text("150,000")
    row = page.locator(".pf-list li", has_text="Алексей Орлов")
    expect(row).to_contain_text("150,000")
    expect(row).to_contain_text("500,000")
    expect(row).to_contain_text("30%")
    expect(page.locator(".pf-list")).not_to_contain_text("900,000")
    expect(current_area(page)).to_have_text("Forecast")
    shot(page, "9-forecast", full_page=True)

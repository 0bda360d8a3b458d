"""Browser journey of a web-form lead: a page of another site (a local server on another
port) embeds the snippet, a visitor who came from an ad sends the form, and a head of sales
finds the lead, with its UTM tags, in the list and on its card.

The pictures of the guide are taken here: with ``CRM_DOCS_SCREENSHOTS=1`` they are written to
docs/img/, otherwise to var/screenshots/docs/ so that a test run does not change the repository.
"""

from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from crm.demo import DemoContext
from deals.demo import leads as leads_demo
from deals.models import Lead, WebForm
from deals.tests.factories import PipelineFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = (
    Path(settings.BASE_DIR, "docs", "img")
    if os.environ.get("CRM_DOCS_SCREENSHOTS")
    else Path(settings.BASE_DIR, "var", "screenshots", "docs")
)

HOST_PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Мебель на заказ — пример</title></head>
<body style="font-family: system-ui, sans-serif; margin: 0; background: #f6f3ee">
<header style="background: #3b2f2a; color: #fff; padding: 18px 40px; font-size: 22px">
  Мебель-Пример · кухни и шкафы на заказ</header>
<main style="display: flex; gap: 40px; padding: 32px 40px">
  <section style="flex: 1">
    <h1>Кухня вашей мечты за 30 дней</h1>
    <p>Бесплатный замер и дизайн-проект. Оставьте заявку — дизайнер перезвонит в течение часа.</p>
  </section>
  <section style="flex: 1">
    {snippet}
  </section>
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
    """Someone's site on another port of this machine: another origin for the browser."""
    server = _Site(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_a_visitor_of_another_site_sends_the_form_and_the_head_sees_the_lead(
    live_server, page, login_as, head, manager, manager2, operator, other_site
):
    # given the demo leads of the last two weeks and the kitchen form allowed on the site
    PipelineFactory(name="Мебель на заказ")
    ProductFactory(name="Кухня «Лофт»")
    leads_demo.load(DemoContext(password="x"))
    web_form = WebForm.objects.get(name="Заявка на кухню")
    login_as(page, head)
    page.goto(f"/deals/leads/forms/{web_form.pk}/")
    snippet = page.locator("#snippet").input_value()
    assert f"/deals/leads/forms/{web_form.key}/embed.js" in snippet
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / "webform-settings.png"))
    site = f"http://127.0.0.1:{other_site.server_address[1]}"
    web_form.allowed_origins = [*web_form.allowed_origins, site]
    web_form.save()
    other_site.html = HOST_PAGE.replace("{snippet}", snippet)

    # when a visitor who came from an ad fills the form on that site and sends it
    visitor = page.context.browser.new_context(
        locale="ru-RU", viewport={"width": 1100, "height": 640}
    )
    try:
        site_page = visitor.new_page()
        site_page.goto(f"{site}/?utm_source=yandex&utm_medium=cpc&utm_campaign=kuhni-osen")
        site_page.get_by_label("Ваше имя").fill("Вера Никитина")
        site_page.get_by_label("Телефон").fill("8 (916) 765-43-21")
        site_page.get_by_label("Сообщение").fill("Нужна угловая кухня 3,4 м, фасады — светлый дуб.")
        site_page.screenshot(path=str(OUT / "webform.png"))
        site_page.get_by_role("button", name="Отправить").click()

        # then the site thanks them with the form's own message
        expect(site_page.get_by_role("status")).to_have_text(web_form.success_message)
    finally:
        visitor.close()
    lead = Lead.objects.get(name="Вера Никитина")
    assert (lead.phone, lead.channel, lead.web_form_id) == ("+79167654321", "web_form", web_form.pk)
    assert (lead.utm_source, lead.utm_medium, lead.utm_campaign) == ("yandex", "cpc", "kuhni-osen")
    assert lead.language == "ru"

    # when the head of sales opens the list, the new lead is at the top, not assigned yet
    page.goto("/deals/leads/")
    row = page.locator("tr", has_text="Вера Никитина")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Nobody yet")
    page.screenshot(path=str(OUT / "leads-list.png"))

    # and the card shows the request with its UTM tags; taking it puts it in work
    row.get_by_role("link", name="Вера Никитина").click()
    expect(page.get_by_role("heading", name="Вера Никитина")).to_be_visible()
    expect(page.locator(".utm")).to_contain_text("kuhni-osen")
    page.get_by_label("Note").fill("Перезвонила, замер в субботу в 11:00.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#timeline-items")).to_contain_text("замер в субботу")
    page.screenshot(path=str(OUT / "lead-card.png"))
    page.get_by_role("button", name="Take into work").click()
    expect(page.locator(".lead-status")).to_have_text("In work")
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == ("in_work", head)

    # and converting it opens a deal in the kitchen pipeline, with the note on the client
    page.get_by_role("link", name="Convert").click()
    page.get_by_label("Amount").fill("320000")
    page.screenshot(path=str(OUT / "lead-convert.png"))
    page.get_by_role("button", name="Convert into a deal").click()
    expect(page.locator(".lead-status")).to_have_text("Converted")
    lead.refresh_from_db()
    assert lead.deal.amount == 320000
    assert lead.contact.interactions.filter(body__contains="замер в субботу").exists()


def test_the_embed_refuses_a_site_that_is_not_allowed(live_server, page, other_site):
    # given a form allowed on one site only, and its snippet on another one
    web_form = WebForm.objects.create(name="Кухни", allowed_origins=["https://mebel-primer.ru"])
    src = f"{live_server.url}/deals/leads/forms/{web_form.key}/embed.js"
    other_site.html = HOST_PAGE.replace("{snippet}", f'<script src="{src}"></script>')
    site = f"http://127.0.0.1:{other_site.server_address[1]}"
    # when a visitor sends it
    page.goto(site)
    page.get_by_label("Phone").fill("+79161234567")
    page.get_by_role("button", name="Send").click()
    # then the browser gets no answer it may read, the visitor is told, nothing is made
    expect(page.get_by_role("alert").filter(has_text="could not be sent")).to_be_visible()
    assert not Lead.objects.exists()


def test_an_operator_enters_a_lead_from_a_call(live_server, page, login_as, operator):
    # given an operator on a call from someone who wants a wardrobe
    login_as(page, operator)
    page.goto("/deals/leads/new/")
    # when they type what the caller says, without leaving the keyboard
    expect(page.get_by_label("Name")).to_be_focused()
    page.keyboard.type("Григорий Сафонов")
    page.get_by_label("Phone").fill("8 926 555-01-02")
    page.get_by_label("What the client wants").fill("Шкаф-купе в спальню, 2,8 м, до конца месяца.")
    page.screenshot(path=str(OUT / "lead-new.png"))
    page.get_by_label("What the client wants").press("Control+Enter")
    # then they are told it is saved, and get an empty form for the next call
    expect(page.locator(".messages")).to_contain_text("a sales manager will get it shortly")
    expect(page.get_by_label("Name")).to_have_value("")
    lead = Lead.objects.get()
    assert (lead.phone, lead.channel, lead.owner) == ("+79265550102", "call", None)

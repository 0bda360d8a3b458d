"""The messages' pages in Chromium on the demo data: the editor's live preview works under
the Content-Security-Policy, and the guide's pictures are taken (docs/img/messaging-*.png with
CRM_DOCS_SCREENSHOTS=1, otherwise var/screenshots/docs/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from crm.demo import DEMO_LOADERS, DemoContext, demo_load_all
from crm.messaging.models import MessageTemplate, OutboundMessage
from crm.messaging.services import MessageRefused, email_compose
from crm.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = (
    Path(settings.BASE_DIR, "docs", "img")
    if os.environ.get("CRM_DOCS_SCREENSHOTS")
    else Path(settings.BASE_DIR, "var", "screenshots", "docs")
)


def _log_rows() -> None:
    """A log with each status, as a week of robots leaves it."""
    client = {"name": "Петров Иван Сергеевич", "first_name": "Иван"}
    manager = {"name": "Анна Смирнова", "email": "manager@example.com", "phone": "+7 495 000-00-03"}
    deal = {"title": "Кухня «Модерн»"}
    invoice = {
        "number": "2026-0042",
        "total": "185000",
        "currency": "₽",
        "due_on": "2026-12-10",
        "url": "https://crm.example.com/deals/invoices/42/pdf/",
    }
    for key, code, to in [
        ("d1:measure", "deal_measurement_booked", "petrov@romashka.ru"),
        ("d1:invoice", "invoice_sent", "petrov@romashka.ru"),
        ("d2:measure", "deal_measurement_booked", "sidorova@example.com"),
        ("d3:won", "deal_won_thanks", "grigoriev@alfa-trade.ru"),
    ]:
        email_compose(
            actor=None,
            template_code=code,
            to=to,
            key=key,
            context={"client": client, "manager": manager, "deal": deal, "invoice": invoice},
        )
    OutboundMessage.objects.filter(key__in=["d1:measure", "d3:won"]).update(
        status=OutboundMessage.Status.SENT,
        attempts=1,
        sent_at=OutboundMessage.objects.first().created_at,
    )
    OutboundMessage.objects.filter(key="d2:measure").update(
        status=OutboundMessage.Status.FAILED,
        attempts=3,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    with pytest.raises(MessageRefused):
        email_compose(
            actor=None,
            template_code="winter_sale",
            to="otpiska@example.com",
            key="sale:1",
            context={"client": client, "unsubscribe_url": "https://x"},
        )


def test_the_editor_previews_as_one_types_and_the_pages_look_right(live_server, page, login_as):
    # given the demo data (the messages' loader at least) and a week of messages
    if "contacts" in DEMO_LOADERS:
        demo_load_all("docs-Pa55word-1")
    else:  # pragma: no cover
        DEMO_LOADERS.get("messaging")(DemoContext(password="x"))
    _log_rows()
    head = User.objects.get(email="head@example.com")
    OUT.mkdir(parents=True, exist_ok=True)
    login_as(page, head)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )

    # when the head of sales opens the templates
    page.goto(f"{live_server.url}/settings/messages/", wait_until="domcontentloaded")
    page.locator("#templates").wait_for()
    assert page.locator("tr[data-template]").count() == MessageTemplate.objects.count()
    page.screenshot(path=str(OUT / "messaging-templates.png"))

    # and edits one: the preview follows the typing
    template = MessageTemplate.objects.get(code="deal_measurement_booked")
    page.goto(f"{live_server.url}/settings/messages/templates/{template.pk}/")
    page.locator("#preview-subject").wait_for()
    subject = page.locator("#id_subject")
    subject.fill("Замер назначен: {{ deal.title }} — {{ client.first_name }}")
    page.locator("#preview-subject", has_text="Кухня на заказ — Иван").wait_for()
    page.locator("#id_body").press("End")
    page.locator("#id_body").type(" {{ client.__class__ }}")
    page.locator("#preview .notice").wait_for()
    assert "may not use" in page.locator("#preview").inner_text()
    page.locator("#id_body").fill(template.body)
    page.locator("#preview-body").wait_for()
    page.screenshot(path=str(OUT / "messaging-template-edit.png"))

    # the suppression list and the log
    page.goto(f"{live_server.url}/settings/messages/suppressions/")
    page.locator("#suppressions").wait_for()
    page.screenshot(path=str(OUT / "messaging-suppressions.png"))
    page.goto(f"{live_server.url}/settings/messages/log/")
    page.locator("#messages").wait_for()
    assert page.locator("tr[data-status=failed]").count() == 1
    page.screenshot(path=str(OUT / "messaging-log.png"))

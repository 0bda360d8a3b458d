"""The board in a real browser: a manager drags a card to "Замер" and it stays there after a
reload; another card moves from the keyboard; the board and the card are photographed for the
guide (``CRM_DOCS_SCREENSHOTS=1`` writes them to docs/img/)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from contacts.demo import load_contacts
from crm.demo import DemoContext
from deals.demo.deals import FURNITURE
from deals.demo.deals import load as demo_load
from deals.models import Deal, Pipeline

from .factories import DealFactory, stage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = (
    Path(settings.BASE_DIR, "docs", "img")
    if os.environ.get("CRM_DOCS_SCREENSHOTS")
    else Path(settings.BASE_DIR, "var", "screenshots", "docs")
)


def _column(page, name):
    return page.locator("section.column", has=page.get_by_role("heading", name=name, exact=True))


def test_a_manager_drags_a_deal_to_measurement_and_moves_another_from_the_keyboard(
    live_server, page, login_as, admin_user, head, manager, manager2, operator
):
    # given the demo clients and pipelines, and two fresh deals of the manager in "Заявка"
    ctx = DemoContext(password="x")
    load_contacts(ctx)
    demo_load(ctx)
    pipeline = Pipeline.objects.get(name=FURNITURE)
    dragged = DealFactory(pipeline=pipeline, owner=manager, title="Кухня Соколовых", amount=340000)
    keyed = DealFactory(pipeline=pipeline, owner=manager, title="Шкаф Ивановой", amount=95000)
    login_as(page, manager)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    page.goto(f"/deals/pipelines/{pipeline.pk}/")
    card = page.locator(f'li.deal-card[data-deal="{dragged.pk}"]')
    expect(card).to_be_visible()
    OUT.mkdir(parents=True, exist_ok=True)
    # Wide enough for the guide to show most of the funnel at once.
    page.set_viewport_size({"width": 1720, "height": 900})
    page.screenshot(path=str(OUT / "deals-board.png"))
    page.set_viewport_size({"width": 1280, "height": 860})

    # when the manager drags the card onto the "Замер" column
    target = _column(page, "Замер").locator("ol.cards")
    start = card.locator(".deal-amount").bounding_box()
    end = target.bounding_box()
    page.mouse.move(start["x"] + 5, start["y"] + 5)
    page.mouse.down()
    page.mouse.move(start["x"] + 30, start["y"] + 20, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 30, steps=20)
    page.mouse.up()

    # then the server confirms and, after a reload, the card is still there
    expect(page.locator("#board-status")).to_contain_text("Замер")
    page.reload()
    expect(
        _column(page, "Замер").locator(f'li.deal-card[data-deal="{dragged.pk}"]')
    ).to_be_visible()
    assert Deal.objects.get(pk=dragged.pk).stage == stage(pipeline, "Замер")

    # when another card is focused and moved one stage right from the keyboard
    other = page.locator(f'li.deal-card[data-deal="{keyed.pk}"]')
    other.focus()
    page.keyboard.press("Shift+ArrowRight")

    # then it is in the next column, still focused, and saved
    expect(_column(page, "Замер").locator(f'li.deal-card[data-deal="{keyed.pk}"]')).to_be_focused()
    expect(page.locator("#board-status")).to_contain_text("Шкаф Ивановой")
    assert Deal.objects.get(pk=keyed.pk).stage == stage(pipeline, "Замер")

    # and the card of the deal opens with its stage bar and history
    page.goto(f"/deals/{dragged.pk}/")
    expect(page.get_by_role("heading", name="Кухня Соколовых")).to_be_visible()
    expect(page.locator(".history-table")).to_contain_text("Замер")
    demo_deal = (
        Deal.objects.filter(
            pipeline=pipeline, stage__name="Производство", owner=manager, contact__isnull=False
        ).first()
        or Deal.objects.filter(pipeline=pipeline, stage__name="Производство").first()
    )
    login_as(page, head)
    page.goto(f"/deals/{demo_deal.pk}/")
    expect(page.locator(".stage-bar")).to_be_visible()
    page.screenshot(path=str(OUT / "deal-card.png"), full_page=True)


def test_a_lost_drop_asks_for_the_reason_and_cancel_puts_the_card_back(
    live_server, page, login_as, admin_user, head, manager, manager2
):
    demo_load(DemoContext(password="x"))
    pipeline = Pipeline.objects.get(name=FURNITURE)
    deal = DealFactory(pipeline=pipeline, owner=manager, title="Прихожая Петровых")
    login_as(page, manager)
    page.goto(f"/deals/pipelines/{pipeline.pk}/")

    page.locator(f'li.deal-card[data-deal="{deal.pk}"]').focus()
    select = page.locator(f"#move-{deal.pk}")
    select.select_option(str(stage(pipeline, "Сделка провалена").pk))

    dialog = page.locator("#loss-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=re.compile("Cancel|Отмена")).click()
    expect(_column(page, "Заявка").locator(f'li.deal-card[data-deal="{deal.pk}"]')).to_be_visible()
    assert Deal.objects.get(pk=deal.pk).stage.name == "Заявка"


def test_more_deals_loads_the_rest_of_a_column(
    live_server, page, login_as, admin_user, head, manager, manager2
):
    demo_load(DemoContext(password="x"))
    pipeline = Pipeline.objects.get(name=FURNITURE)
    design = stage(pipeline, "Дизайн-проект")
    for i in range(20):
        DealFactory(pipeline=pipeline, stage=design, owner=manager, title=f"Проект №{i}")
    login_as(page, manager)
    page.goto(f"/deals/pipelines/{pipeline.pk}/")
    column = _column(page, "Дизайн-проект")
    shown = column.locator("li.deal-card").count()

    column.get_by_role("button", name=re.compile("More deals|Ещё сделки")).click()

    expect(column.locator("li.deal-card")).to_have_count(
        Deal.objects.filter(stage=design, owner=manager).count()
    )
    assert shown == 15
    expect(column.get_by_role("button", name=re.compile("More deals|Ещё сделки"))).to_have_count(0)

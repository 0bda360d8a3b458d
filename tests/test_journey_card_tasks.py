"""Browser journeys of issue 8: a manager sets "call back tomorrow" on the client's card, and a
marketer reads a note with a phone and an e-mail in it masked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contacts.models import Interaction
from contacts.tests.factories import ContactFactory, InteractionFactory
from crm.models import Task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_sets_a_task_from_the_card(live_server, page, screenshot, login_as, manager):
    # given a client of the manager's, with nothing to do about them yet
    client = ContactFactory(last_name="Смирнов", first_name="Иван", owner=manager)
    login_as(page, manager)
    page.goto(client.get_absolute_url())
    tasks = page.locator("#open-tasks")
    expect(tasks).to_contain_text("No open tasks about this client.")

    # when the manager writes what to do and adds it, keeping the suggested due time
    tasks.get_by_label("Title").fill("Call back about the offer")
    tasks.get_by_role("button", name="Add task").click()

    # then the task is in the card's open tasks without a reload, and the form is ready again
    expect(tasks.locator("li.task")).to_contain_text("Call back about the offer")
    expect(tasks.get_by_label("Title")).to_have_value("")
    task = Task.objects.get()
    assert (task.assignee, task.object_id) == (manager, str(client.pk))
    screenshot("task-added")

    # when the title is left out, the form says so in place
    tasks.get_by_role("button", name="Add task").click()
    expect(tasks.locator(".errorlist")).to_be_visible()
    assert Task.objects.count() == 1


def test_marketer_reads_a_note_with_contact_details_masked(
    live_server, page, screenshot, login_as, marketer, manager
):
    client = ContactFactory(last_name="Кузнецова", first_name="Анна", owner=manager)
    InteractionFactory(
        contact=client,
        kind=Interaction.Kind.NOTE,
        subject="",
        body="Перезвонить на 8 (958) 306-07-66, почта ivan@example.ru",
        author=manager,
    )
    login_as(page, marketer)

    page.goto(client.get_absolute_url())

    note = page.locator(".tl-item.kind-note .tl-text")
    expect(note).to_have_text("Перезвонить на +7 958 ***-**-66, почта i***@example.ru")
    screenshot("note-masked")

"""Browser journey of the foundation: log in, switch to Russian, create a task with a
reminder a minute ahead, and see the reminder arrive in the bell and in the mailbox."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from crm.models import Notification, Role, Task, User
from crm.tasks import send_due_reminders
from crm.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PASSWORD = "journey-Pa55word"


def test_reminder_reaches_bell_and_mailbox_in_russian(
    live_server, page, screenshot, smtp_sink, celery_worker
):
    # given a sales manager who works in Moscow time
    manager = UserFactory(
        email="anna@example.com",
        first_name="Anna",
        role=Role.MANAGER,
        language="en",
        time_zone="Europe/Moscow",
        password=PASSWORD,
    )

    # when she logs in
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill("ANNA@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("link", name="My tasks").is_visible()

    # and switches the interface to Russian
    page.locator("#language-menu summary").click()
    page.locator("#language-menu button[data-lang=ru]").click()
    page.wait_for_load_state()

    # then the interface speaks Russian, and remembers it for her
    assert page.get_by_role("link", name="Мои задачи").is_visible()
    assert page.locator("html").get_attribute("lang") == "ru"
    manager.refresh_from_db()
    assert manager.language == "ru"

    # when she creates a task with a reminder one minute ahead
    page.get_by_role("link", name="Мои задачи").click()
    moscow = zoneinfo.ZoneInfo("Europe/Moscow")
    now = timezone.now().astimezone(moscow)
    remind = (now + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    due = now + dt.timedelta(hours=2)
    form = page.locator("#task-form")
    form.locator("[name=title]").fill("Перезвонить ООО «Ромашка»")
    form.locator("[name=due_at]").fill(due.strftime("%Y-%m-%dT%H:%M"))
    form.locator("[name=remind_at]").fill(remind.strftime("%Y-%m-%dT%H:%M"))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()

    # then it is in her list, with the reminder at the time she typed (her time zone)
    assert (
        page.locator("[data-section=today], [data-section=upcoming]")
        .get_by_text("Перезвонить ООО «Ромашка»")
        .first.is_visible()
    )
    task = Task.objects.get(title="Перезвонить ООО «Ромашка»")
    assert task.remind_at == remind
    assert task.assignee == manager

    # when beat ticks after the reminder time (the worker on Redis does the work); rather
    # than wait up to a minute for the clock, the reminder she set falls due now
    Task.objects.filter(pk=task.pk).update(remind_at=timezone.now() - dt.timedelta(seconds=1))
    send_due_reminders.delay()
    send_due_reminders.delay()  # a second, racing tick must not send it again

    # then the bell shows one unread reminder without reloading the page
    page.locator("#bell-count").wait_for(timeout=30_000)
    assert page.locator("#bell-count").inner_text() == "1"
    page.locator("#bell summary").click()
    assert page.locator("#bell .notif").first.inner_text().startswith("Напоминание: Перезвонить")
    screenshot("reminder_in_bell")

    # and exactly one e-mail, in Russian, reached the SMTP server
    message = smtp_sink.wait_for(1)
    assert len(smtp_sink.messages) == 1
    assert "Напоминание" in message["subject"]
    assert message["to"] == "anna@example.com"
    assert Notification.objects.filter(recipient=manager, kind="task-reminder").count() == 1
    assert User.objects.get(pk=manager.pk).notifications.get().email_state == "sent"

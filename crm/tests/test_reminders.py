"""Reminders arrive exactly once: one in-app notification and one e-mail per reminder."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from crm import services
from crm.models import Notification, Task
from crm.tasks import HEARTBEAT_KEY, send_due_reminders, send_notification_email, worker_heartbeat
from crm.tests.factories import TaskFactory, UserFactory
from crm.tests.helpers import wait_until


def _ago(minutes: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def _in(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


@pytest.mark.django_db
def test_a_due_reminder_becomes_one_notification_even_when_swept_twice(
    manager, django_capture_on_commit_callbacks
):
    # given one due reminder and one not yet due
    due = TaskFactory(assignee=manager, title="Call Ivanov", due_at=_in(2), remind_at=_ago(1))
    TaskFactory(assignee=manager, title="Later", due_at=_in(5), remind_at=_in(1))

    # when the sweep runs twice
    with django_capture_on_commit_callbacks() as callbacks:
        first = services.reminders_send_due()
        second = services.reminders_send_due()

    # then the due one is notified once, with its e-mail queued once
    assert (first, second) == (1, 0)
    notification = Notification.objects.get()
    assert notification.recipient == manager
    assert notification.kind == "task-reminder"
    assert "Call Ivanov" in notification.title
    assert notification.url == f"/tasks/{due.pk}/"
    assert notification.email_state == Notification.EmailState.PENDING
    assert len(callbacks) == 1
    due.refresh_from_db()
    assert due.reminded_at is not None


@pytest.mark.django_db
def test_the_email_job_starts_only_after_commit(
    manager, django_capture_on_commit_callbacks, monkeypatch
):
    TaskFactory(assignee=manager, due_at=_in(2), remind_at=_ago(1))
    queued: list[int] = []
    monkeypatch.setattr(send_notification_email, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_send_due()
        assert queued == []  # nothing leaves before the transaction commits

    assert queued == [Notification.objects.get().pk]


@pytest.mark.django_db
def test_reminders_of_closed_tasks_and_tasks_without_reminder_are_skipped(manager):
    TaskFactory(assignee=manager, remind_at=_ago(5), due_at=_in(1), status=Task.Status.DONE)
    TaskFactory(assignee=manager, remind_at=_ago(5), due_at=_in(1), status=Task.Status.CANCELLED)
    TaskFactory(assignee=manager, remind_at=None)

    assert services.reminders_send_due() == 0
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_the_sweep_works_through_more_reminders_than_one_batch(manager):
    TaskFactory.create_batch(7, assignee=manager, due_at=_in(2), remind_at=_ago(1))

    assert services.reminders_send_due(batch_size=3) == 7
    assert Notification.objects.count() == 7
    assert not Task.objects.filter(reminded_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_remind_each_of_50_tasks_once():
    # given 50 due reminders
    people = UserFactory.create_batch(5)
    tasks = [
        TaskFactory(assignee=people[i % 5], due_at=_in(2), remind_at=_ago(1)) for i in range(50)
    ]
    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            start.wait(timeout=10)
            counts.append(services.reminders_send_due(batch_size=5))
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)
        finally:
            connection.close()

    # when two sweeps run at the same moment
    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    # then every task was claimed by exactly one of them
    assert not errors, errors
    assert sum(counts) == 50
    assert Notification.objects.filter(kind="task-reminder").count() == 50
    for task in tasks:
        assert (
            Notification.objects.filter(
                recipient=task.assignee, dedupe_key__startswith=f"task-reminder:{task.pk}:"
            ).count()
            == 1
        )
    assert not Task.objects.filter(reminded_at__isnull=True).exists()


@pytest.mark.django_db
def test_notification_email_is_sent_once_when_asked_twice(manager, mailoutbox):
    notification = services.notification_create(
        recipient=manager,
        title="Reminder: call Ivanov",
        dedupe_key="k",
        email=True,
        url="/tasks/1/",
    )

    assert services.notification_send_email(notification_id=notification.pk) is True
    assert services.notification_send_email(notification_id=notification.pk) is False

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [manager.email]
    assert mail.subject == "Reminder: call Ivanov"
    assert f"{settings.SITE_URL}/tasks/1/" in mail.body
    notification.refresh_from_db()
    assert notification.email_state == Notification.EmailState.SENT
    assert notification.emailed_at is not None


@pytest.mark.django_db
def test_a_failed_send_can_be_retried(manager, settings):
    # given an SMTP server that refuses connections
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    notification = services.notification_create(
        recipient=manager, title="Hi", dedupe_key="k", email=True
    )

    # when sending fails
    with pytest.raises(ConnectionRefusedError):
        services.notification_send_email(notification_id=notification.pk)

    # then it is waiting to be sent again, not lost in "sending"
    notification.refresh_from_db()
    assert notification.email_state == Notification.EmailState.PENDING


@pytest.mark.django_db
def test_an_email_claimed_by_a_worker_that_died_is_sent_by_the_next_sweep(
    manager, mailoutbox, settings
):
    # given an e-mail a worker claimed and then died with, longer ago than the claim timeout
    settings.EMAIL_CLAIM_TIMEOUT = 60
    notification = services.notification_create(
        recipient=manager, title="Reminder: call Petrov", dedupe_key="k", email=True
    )
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    Notification.objects.filter(pk=notification.pk).update(
        email_state=Notification.EmailState.SENDING,
        email_claimed_at=long_ago,
        created_at=long_ago,
    )

    # when the sweep runs, it queues the e-mail again, and the job sends it
    assert services.notifications_requeue_stale() == 1
    assert services.notification_send_email(notification_id=notification.pk) is True

    # then it went out once, and a fresh claim is not taken over
    assert len(mailoutbox) == 1
    Notification.objects.filter(pk=notification.pk).update(
        email_state=Notification.EmailState.SENDING, email_claimed_at=timezone.now()
    )
    assert services.notification_send_email(notification_id=notification.pk) is False
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_notification_without_email_is_never_mailed(manager, mailoutbox):
    notification = services.notification_create(recipient=manager, title="Hi", dedupe_key="k")

    assert services.notification_send_email(notification_id=notification.pk) is False
    assert mailoutbox == []


@pytest.mark.skipif(
    not Path(settings.BASE_DIR, "locale/ru/LC_MESSAGES/django.mo").exists(),
    reason="the Russian catalog is not compiled",
)
@pytest.mark.django_db
def test_reminder_email_speaks_the_recipients_language(mailoutbox):
    # given a Russian-speaking and an English-speaking manager, each with a due reminder
    ivan = UserFactory(language="ru", email="ivan@example.com")
    anna = UserFactory(language="en", email="anna@example.com")
    TaskFactory(assignee=ivan, title="Позвонить", due_at=_in(2), remind_at=_ago(1))
    TaskFactory(assignee=anna, title="Call back", due_at=_in(2), remind_at=_ago(1))

    # when the sweep runs and the e-mails are sent
    with translation.override("en"):
        services.reminders_send_due()
        for notification in Notification.objects.all():
            services.notification_send_email(notification_id=notification.pk)

    # then each reads the subject in their own language
    with translation.override("ru"):
        russian = gettext("Reminder: %(title)s") % {"title": "Позвонить"}
    assert russian != "Reminder: Позвонить", "the reminder subject has no Russian translation"
    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert subjects == {"ivan@example.com": russian, "anna@example.com": "Reminder: Call back"}
    with translation.override("ru"):
        greeting = gettext("Hello, %(name)s!") % {"name": ivan.get_short_name()}
    russian_mail = next(m for m in mailoutbox if m.to == ["ivan@example.com"])
    assert greeting in russian_mail.body


# --- through a real worker and a real SMTP server ------------------------------------------


def _worker_barrier() -> None:
    """Wait until the worker has run everything queued before this call.

    The solo worker takes one message at a time in queue order, so once a heartbeat queued
    now has run, every message queued earlier has been handled.
    """
    cache.delete(HEARTBEAT_KEY)
    worker_heartbeat.delay()
    wait_until(lambda: cache.get(HEARTBEAT_KEY), timeout=30)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_sends_one_email_per_due_reminder(celery_worker, smtp_sink):
    # given two managers with a due reminder each
    ivan = UserFactory(email="ivan@example.com")
    anna = UserFactory(email="anna@example.com")
    t1 = TaskFactory(assignee=ivan, title="Call Ivanov", due_at=_in(2), remind_at=_ago(1))
    t2 = TaskFactory(assignee=anna, title="Send the offer", due_at=_in(2), remind_at=_ago(1))

    # when the beat asks for the sweep twice in a row
    send_due_reminders.delay()
    send_due_reminders.delay()

    # then each of them receives one e-mail
    smtp_sink.wait_for(2)
    _worker_barrier()
    assert sorted(str(m["to"]) for m in smtp_sink.messages) == [anna.email, ivan.email]
    subjects = {str(m["to"]): str(m["subject"]) for m in smtp_sink.messages}
    assert "Call Ivanov" in subjects[ivan.email]
    assert "Send the offer" in subjects[anna.email]
    # and one in-app notification per task, marked as e-mailed
    for task in (t1, t2):
        notification = Notification.objects.get(recipient=task.assignee)
        assert notification.email_state == Notification.EmailState.SENT
    assert Notification.objects.count() == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_sends_a_notification_email_once_when_the_job_runs_twice(celery_worker, smtp_sink):
    # given a notification whose e-mail was already sent by its own job
    manager = UserFactory(email="manager@example.com")
    notification = services.notification_create(
        recipient=manager, title="Reminder: call Ivanov", dedupe_key="k", email=True
    )
    smtp_sink.wait_for(1)

    # when the job is delivered twice more (a broker redelivery, a requeue)
    send_notification_email.delay(notification.pk)
    send_notification_email.delay(notification.pk)
    _worker_barrier()

    # then the recipient still has one e-mail
    assert len(smtp_sink.messages) == 1
    assert str(smtp_sink.messages[0]["subject"]) == "Reminder: call Ivanov"
    notification.refresh_from_db()
    assert notification.email_state == Notification.EmailState.SENT

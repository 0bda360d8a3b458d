"""Robots that reach other parts of sales through their services: the e-mail of the
messages part and the invoice of the invoices part. Skipped until those parts are merged."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.utils import timezone

from contacts.tests.factories import ContactFactory
from crm.automation.models import AutomationRun
from crm.automation.services import automation_runs_execute_due
from crm.models import Notification
from deals.services.deals import deal_move_to_stage

from .factories import DealFactory, PipelineFactory, stage
from .factories_automation import robot

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.fixture
def template():
    pytest.importorskip("crm.messaging.services")
    from crm.messaging.models import MessageTemplate

    return MessageTemplate.objects.create(
        code="deal_measurement_booked",
        purpose="transactional",
        subject="Замер назначен",
        body="Здравствуйте! Замер по заказу «{{ deal.title }}» назначен.",
    )


def test_the_robot_mails_the_client_once(
    template, manager, smtp_sink, django_capture_on_commit_callbacks
):
    pipeline = PipelineFactory()
    robot(pipeline, "Замер", ("deals.email", {"template": "deal_measurement_booked"}))
    contact = ContactFactory(email="client@example.ru")
    deal = DealFactory(pipeline=pipeline, owner=manager, contact=contact)
    with django_capture_on_commit_callbacks(execute=True):
        deal_move_to_stage(actor=manager, deal=deal, stage=stage(pipeline, "Замер"))

    automation_runs_execute_due()
    automation_runs_execute_due(now=timezone.now() + dt.timedelta(hours=1))

    assert AutomationRun.objects.get().status == "done"
    assert len(smtp_sink.to("client@example.ru")) == 1


def test_smtp_down_is_retried_with_backoff_then_fails_on_the_deal(
    template, manager, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    settings.EMAIL_TIMEOUT = 2
    settings.AUTOMATION_MAX_ATTEMPTS = 3
    pipeline = PipelineFactory()
    robot(
        pipeline,
        "Замер",
        ("deals.email", {"template": "deal_measurement_booked"}),
        name="Письмо о замере",
    )
    deal = DealFactory(
        pipeline=pipeline, owner=manager, contact=ContactFactory(email="client@example.ru")
    )
    with django_capture_on_commit_callbacks(execute=True):
        deal_move_to_stage(actor=manager, deal=deal, stage=stage(pipeline, "Замер"))

    at = timezone.now()
    automation_runs_execute_due(now=at)
    run = AutomationRun.objects.get()
    assert run.status == "scheduled"
    assert run.next_attempt_at == at + dt.timedelta(minutes=1)
    for _ in range(2):
        automation_runs_execute_due(now=run.next_attempt_at)
        run.refresh_from_db()

    assert (run.status, run.attempts) == ("failed", 3)
    assert run.last_error.startswith("1. deals.email:")
    assert Notification.objects.filter(recipient=manager, kind="automation-failed").exists()


def test_a_refused_message_is_recorded_as_skipped(
    template, manager, django_capture_on_commit_callbacks
):
    pipeline = PipelineFactory()
    robot(pipeline, "Замер", ("deals.email", {"template": "deal_measurement_booked"}))
    deal = DealFactory(pipeline=pipeline, owner=manager, contact=ContactFactory())  # no address
    with django_capture_on_commit_callbacks(execute=True):
        deal_move_to_stage(actor=manager, deal=deal, stage=stage(pipeline, "Замер"))
    automation_runs_execute_due()
    run = AutomationRun.objects.get()
    assert run.status == "skipped"
    assert run.last_error.startswith("skipped:")


def test_the_robot_makes_one_invoice_from_the_deals_products(
    manager, django_capture_on_commit_callbacks
):
    pytest.importorskip("deals.services.invoices")
    from deals.models import Invoice

    pipeline = PipelineFactory()
    robot(pipeline, "Договор", ("deals.invoice", {"due_in_days": 5}))
    deal = DealFactory(pipeline=pipeline, owner=manager)
    with django_capture_on_commit_callbacks(execute=True):
        deal_move_to_stage(actor=manager, deal=deal, stage=stage(pipeline, "Договор"))
    automation_runs_execute_due()
    automation_runs_execute_due(now=timezone.now() + dt.timedelta(hours=2))
    run = AutomationRun.objects.get()
    assert run.status in ("done", "failed")
    assert Invoice.objects.filter(deal=deal).count() == (1 if run.status == "done" else 0)

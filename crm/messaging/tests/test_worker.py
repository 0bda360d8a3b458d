"""The delivery task on a real Celery worker and Redis: retried while the mail server is
down, sent once when it is back."""

from __future__ import annotations

import socket

import pytest
from django.db import transaction

from crm.messaging.models import OutboundMessage
from crm.messaging.services import email_send
from crm.tests.helpers import wait_until

from .factories import MessageTemplateFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_message_is_retried_with_backoff_until_the_server_answers(
    celery_worker, smtp_sink, settings, monkeypatch
):
    # given a mail server that is down, and the backoff's waits shortened to a second (the
    # delays it asks for are recorded)
    from celery.app import autoretry

    asked = []

    def backoff(**kwargs):
        asked.append(kwargs)
        return 1

    monkeypatch.setattr(autoretry, "get_exponential_backoff_interval", backoff)
    sink_port = smtp_sink.port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    settings.EMAIL_PORT = closed_port
    settings.EMAIL_TIMEOUT = 2
    template = MessageTemplateFactory(code="deal_won_thanks")

    # when the message is sent
    with transaction.atomic():
        message = email_send(
            actor=None,
            template_code=template.code,
            to="ivan@example.com",
            context={"client": {"first_name": "Иван"}, "deal": {"title": "Кухня"}},
            key="deal:1:won",
        )

    # then the failure is recorded and retried
    def failed_twice():
        row = OutboundMessage.objects.get(pk=message.pk)
        return row if row.attempts >= 2 else None

    failed = wait_until(failed_twice, timeout=60)
    assert failed.status == OutboundMessage.Status.FAILED
    assert "Connection" in failed.last_error
    assert smtp_sink.messages == []

    # and once the server is back, a retry sends it, once
    settings.EMAIL_PORT = sink_port

    def sent():
        row = OutboundMessage.objects.get(pk=message.pk)
        return row if row.status == OutboundMessage.Status.SENT else None

    assert wait_until(sent, timeout=60).attempts >= 3
    smtp_sink.wait_for(1)
    assert len(smtp_sink.to("ivan@example.com")) == 1
    # exponential: 30 s, then twice that, … capped at 30 minutes, with jitter
    assert asked[0] == {"factor": 30, "retries": 0, "maximum": 1800, "full_jitter": True}
    assert asked[1]["retries"] == 1

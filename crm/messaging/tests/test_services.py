"""Composing, delivering and refusing messages, through the real SMTP sink."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from contacts.models import Consent
from contacts.tests.factories import ConsentFactory, ContactFactory
from crm.messaging import services
from crm.messaging.models import OutboundMessage, Purpose, Suppression
from crm.messaging.services import (
    DeliveryFailed,
    MessageRefused,
    TemplateMissing,
    email_compose,
    email_send,
    message_deliver,
)

from .factories import MessageTemplateFactory, SuppressionFactory

pytestmark = pytest.mark.django_db

CONTEXT = {"client": {"first_name": "Иван"}, "deal": {"title": "Кухня"}}


@pytest.fixture
def template(db):
    return MessageTemplateFactory(code="deal_measurement_booked")


@pytest.fixture
def marketing(db):
    return MessageTemplateFactory(
        code="winter_sale", purpose=Purpose.MARKETING, subject="Скидка", body="Скидка 15%"
    )


def compose(to="ivan@example.com", key="deal:1:measurement", code="deal_measurement_booked", **kw):
    return email_compose(
        actor=kw.pop("actor", None), template_code=code, to=to, context=CONTEXT, key=key, **kw
    )


def test_compose_twice_makes_one_message_and_deliver_twice_sends_one_email(template, smtp_sink):
    # when the same message is asked for twice and delivered twice
    first = compose(to="Ivan@Example.com")
    second = compose(to="Ivan@Example.com")
    message_deliver(message_id=first.pk)
    sent = message_deliver(message_id=first.pk)

    # then there is one row and one e-mail, with its HTML alternative
    assert first.pk == second.pk
    assert OutboundMessage.objects.count() == 1
    assert sent.status == OutboundMessage.Status.SENT
    assert sent.attempts == 1
    assert sent.sent_at is not None
    assert len(smtp_sink.messages) == 1
    mail = smtp_sink.messages[0]
    assert mail["to"] == "ivan@example.com"
    assert mail["subject"] == "Замер назначен: Кухня"
    assert "Здравствуйте, Иван!" in mail.get_body(("plain",)).get_content()
    assert "<p>Здравствуйте, Иван!</p>" in mail.get_body(("html",)).get_content()


def test_the_message_is_linked_to_its_record(template, manager):
    message = compose(related=manager)

    assert message.related == manager
    assert message.template == template


def test_a_missing_template_is_an_error_of_its_own(db):
    with pytest.raises(TemplateMissing):
        compose(code="nope")


def test_an_inactive_template_is_missing(template):
    template.is_active = False
    template.save()

    with pytest.raises(TemplateMissing):
        compose()


def test_a_suppressed_address_is_refused_and_the_refusal_recorded(template):
    SuppressionFactory(address="ivan@example.com")

    with pytest.raises(MessageRefused, match="suppression list") as caught:
        compose(to=" IVAN@example.com ")

    message = caught.value.message
    assert message.status == OutboundMessage.Status.REFUSED
    assert "suppression list" in message.last_error


def test_an_unsubscribe_stops_a_message_already_queued(template, smtp_sink, marketer):
    # given a message queued before the client unsubscribed
    message = compose()
    services.suppression_add(
        actor=marketer, address="ivan@example.com", reason=Suppression.Reason.UNSUBSCRIBED
    )

    # when the worker gets to it
    delivered = message_deliver(message_id=message.pk)

    # then nothing is sent
    assert delivered.status == OutboundMessage.Status.REFUSED
    assert smtp_sink.messages == []


def test_a_refused_message_goes_once_the_reason_is_gone(marketing, smtp_sink):
    # given a client with no marketing consent
    contact = ContactFactory(email="ivan@example.com")
    with pytest.raises(MessageRefused, match="not agreed"):
        compose(code="winter_sale", key="sale:1")

    # when they consent and the same message is asked for again
    ConsentFactory(contact=contact, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True)
    message = compose(code="winter_sale", key="sale:1")

    # then it is the same message, now queued
    assert message.status == OutboundMessage.Status.QUEUED
    assert OutboundMessage.objects.count() == 1


def test_marketing_needs_consent_and_transactional_does_not(template, marketing):
    contact = ContactFactory(email="ivan@example.com")
    ConsentFactory(contact=contact, purpose=Consent.Purpose.MARKETING_EMAIL, granted=False)

    with pytest.raises(MessageRefused, match="not agreed"):
        compose(code="winter_sale", key="sale:1")
    with pytest.raises(MessageRefused, match="No client"):
        compose(code="winter_sale", key="sale:2", to="stranger@example.com")
    assert compose().status == OutboundMessage.Status.QUEUED


def test_a_withdrawal_on_any_card_with_the_address_wins(marketing):
    for granted in (True, False):
        contact = ContactFactory(email="shared@example.com")
        ConsentFactory(contact=contact, purpose=Consent.Purpose.MARKETING_EMAIL, granted=granted)

    with pytest.raises(MessageRefused):
        compose(code="winter_sale", to="shared@example.com", key="sale:3")


def test_no_address_is_refused(template):
    with pytest.raises(MessageRefused, match="no valid e-mail"):
        compose(to="", key="k1")
    with pytest.raises(MessageRefused, match="no valid e-mail"):
        compose(to="not an address", key="k2")


def test_a_value_missing_at_send_time_is_a_refusal_not_a_crash(template):
    with pytest.raises(MessageRefused, match="does not have"):
        email_compose(
            actor=None,
            template_code=template.code,
            to="ivan@example.com",
            context={"client": {"first_name": "Иван"}},
            key="k",
        )


def test_smtp_down_fails_visibly_and_a_later_try_sends(template, settings, smtp_sink):
    # given a mail server that refuses connections (a closed port)
    message = compose()
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    # when delivering
    with pytest.raises(DeliveryFailed) as caught:
        message_deliver(message_id=message.pk)

    # then the failure is recorded on the message
    failed = OutboundMessage.objects.get(pk=message.pk)
    assert failed.status == OutboundMessage.Status.FAILED
    assert failed.attempts == 1
    assert "Connection" in failed.last_error
    assert caught.value.message.pk == message.pk

    # and once the server is back, the next try sends it
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    sent = message_deliver(message_id=message.pk)
    assert sent.status == OutboundMessage.Status.SENT
    assert sent.attempts == 2
    assert sent.last_error == ""
    assert len(smtp_sink.messages) == 1


def test_a_message_claimed_by_another_worker_is_not_sent_twice(template, smtp_sink):
    from django.utils import timezone

    message = compose()
    OutboundMessage.objects.filter(pk=message.pk).update(claimed_at=timezone.now())

    assert message_deliver(message_id=message.pk).status == OutboundMessage.Status.QUEUED
    assert smtp_sink.messages == []


def test_email_send_delivers_after_commit(template, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        message = email_send(
            actor=None,
            template_code=template.code,
            to="ivan@example.com",
            context=CONTEXT,
            key="k",
        )

    assert message.status == OutboundMessage.Status.QUEUED
    assert len(callbacks) == 1


def test_email_send_of_a_sent_message_starts_nothing(template, django_capture_on_commit_callbacks):
    message = compose(key="k")
    OutboundMessage.objects.filter(pk=message.pk).update(status=OutboundMessage.Status.SENT)

    with django_capture_on_commit_callbacks() as callbacks:
        email_send(
            actor=None,
            template_code=template.code,
            to="ivan@example.com",
            context=CONTEXT,
            key="k",
        )

    assert callbacks == []


def test_sending_needs_the_permission(template, supervisor, manager):
    with pytest.raises(PermissionDenied):
        compose(actor=supervisor)
    assert compose(actor=manager).actor == manager


def test_a_template_with_an_error_cannot_be_saved(head):
    with pytest.raises(ValidationError) as caught:
        services.template_create(
            actor=head, code="bad", name="Bad", subject="Hi", body="{{ client.nmae }}"
        )

    assert "body" in caught.value.message_dict


def test_only_an_admin_removes_an_unsubscribed_address(marketer, admin_user):
    unsubscribed = SuppressionFactory(reason=Suppression.Reason.UNSUBSCRIBED)
    manual = SuppressionFactory(reason=Suppression.Reason.MANUAL)

    with pytest.raises(PermissionDenied):
        services.suppression_remove(actor=marketer, suppression=unsubscribed)
    services.suppression_remove(actor=marketer, suppression=manual)
    services.suppression_remove(actor=admin_user, suppression=unsubscribed)

    assert not Suppression.objects.exists()


def test_suppression_add_normalises_and_is_idempotent(marketer):
    first = services.suppression_add(actor=marketer, address=" Ivan@Example.COM ")
    second = services.suppression_add(actor=marketer, address="ivan@example.com")

    assert first.pk == second.pk
    assert first.address == "ivan@example.com"
    with pytest.raises(ValidationError):
        services.suppression_add(actor=marketer, address="nope")


def test_a_marketing_message_carries_its_unsubscribe_link(marketing, smtp_sink, client):
    # given a client who consented, and a marketing template with the link
    marketing.body = "Скидка 15%\n\nОтписаться: {{ unsubscribe_url }}"
    marketing.save()
    contact = ContactFactory(email="ivan@example.com")
    ConsentFactory(contact=contact, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True)

    # when it is sent
    message = compose(code="winter_sale", key="sale:1")
    message_deliver(message_id=message.pk)

    # then the text and the headers hold the link (RFC 8058 one-click)
    mail = smtp_sink.messages[0]
    link = mail["List-Unsubscribe"].strip().strip("<>")
    assert link in message.body
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = link.split("://", 1)[1].split("/", 1)[1]

    # opening it only asks; the button (or the mail client's POST) unsubscribes
    assert client.get(f"/{path}").status_code == 200
    assert not Suppression.objects.exists()
    assert client.post(f"/{path}").status_code == 200
    assert Suppression.objects.get().reason == Suppression.Reason.UNSUBSCRIBED
    with pytest.raises(MessageRefused, match="suppression list"):
        compose(code="winter_sale", key="sale:2")


def test_a_forged_unsubscribe_link_is_not_found(client):
    response = client.post("/settings/messages/unsubscribe/ivan@example.com/")

    assert response.status_code == 404
    assert not Suppression.objects.exists()


def test_a_transactional_message_has_no_unsubscribe_header(template, smtp_sink):
    message_deliver(message_id=compose().pk)

    assert smtp_sink.messages[0]["List-Unsubscribe"] is None


def test_a_message_whose_job_was_lost_is_queued_again(template, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    # given a queued message from five minutes ago, one just made and one that failed
    lost = compose(key="lost")
    fresh = compose(key="fresh")
    failed = compose(key="failed")
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    OutboundMessage.objects.filter(pk__in=[lost.pk, failed.pk]).update(created_at=long_ago)
    OutboundMessage.objects.filter(pk=failed.pk).update(status=OutboundMessage.Status.FAILED)

    # when the sweep runs
    with django_capture_on_commit_callbacks() as callbacks:
        count = services.messages_requeue_stale()

    # then only the lost one is queued again
    assert count == 1
    assert len(callbacks) == 1
    assert fresh.pk != lost.pk

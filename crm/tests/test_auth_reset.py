"""Password reset: the page answers alike for known and unknown addresses, a worker looks
the account up and mails the link, and requests are limited per address and per e-mail."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm import services
from crm.models import ApiToken

RESET_URL = "/accounts/password/reset/"


@pytest.mark.django_db(transaction=True)
def test_the_worker_mails_a_reset_link_that_works(client, manager, smtp_sink, celery_worker):
    # given a manager who forgot their password, with an API token
    _token, key = services.api_token_create(actor=manager, user=manager, name="Script")

    # when they ask for a reset (the address typed in other letters)
    response = client.post(RESET_URL, {"email": "MANAGER@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")

    # then one mail arrives, through the worker and a real SMTP server, with a working link
    mail = smtp_sink.wait_for(1, to=manager.email)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^/\s]+/[^/\s]+/)", body)
    assert match, body
    page = client.get(match.group(1), follow=True)
    assert page.status_code == 200
    set_password_url = page.redirect_chain[-1][0] if page.redirect_chain else match.group(1)
    done = client.post(
        set_password_url, {"new_password1": "Fresh-pass-2024!", "new_password2": "Fresh-pass-2024!"}
    )
    assert done.status_code == 302
    manager.refresh_from_db()
    assert manager.check_password("Fresh-pass-2024!")
    # and the new password ended the tokens made with the old one
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client, manager, smtp_sink, celery_worker
):
    unknown = client.post(RESET_URL, {"email": "nobody@example.com"})
    known = client.post(RESET_URL, {"email": manager.email})

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    # the one worker handles the jobs in order: once the known address's mail is there, the
    # unknown one's job is done too, and it sent nothing
    smtp_sink.wait_for(1, to=manager.email)
    assert [str(m["to"]) for m in smtp_sink.messages] == [manager.email]


@pytest.mark.django_db
def test_the_request_does_not_look_the_account_up(
    client, manager, django_capture_on_commit_callbacks
):
    # The same work, whether the address is known or not: no user query, one job queued.
    answers = []
    for email in (manager.email, "nobody@example.com"):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks() as jobs,
        ):
            response = client.post(RESET_URL, {"email": email})
        assert not [q["sql"] for q in queries.captured_queries if "crm_user" in q["sql"]]
        answers.append((response.status_code, response["Location"], len(jobs)))

    assert answers[0] == answers[1] == (302, reverse("password_reset_done"), 1)


@pytest.mark.django_db
def test_reset_mails_are_limited_per_email(client, manager, django_capture_on_commit_callbacks):
    limit = settings.PASSWORD_RESET_LIMIT_PER_EMAIL
    with django_capture_on_commit_callbacks() as jobs:
        answers = [
            client.post(RESET_URL, {"email": manager.email}, REMOTE_ADDR=f"192.0.2.{i}")
            for i in range(limit + 3)
        ]

    # every request gets the same answer, but only ``limit`` mails are queued
    assert {r.status_code for r in answers} == {302}
    assert len(jobs) == limit


@pytest.mark.django_db
def test_reset_requests_are_limited_per_address(client, django_capture_on_commit_callbacks):
    limit = settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
    with django_capture_on_commit_callbacks() as jobs:
        answers = [
            client.post(
                RESET_URL,
                {"email": f"person-{i}@example.com"},
                REMOTE_ADDR="203.0.113.9",
                HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",  # not trusted: no proxy is configured
            ).status_code
            for i in range(limit + 2)
        ]
    other_address = client.post(
        RESET_URL, {"email": "person-x@example.com"}, REMOTE_ADDR="198.51.100.1"
    )

    assert answers == [302] * limit + [429, 429]
    assert len(jobs) == limit
    assert other_address.status_code == 302


@pytest.mark.django_db
def test_the_reset_mail_is_in_the_persons_language(manager, mailoutbox):
    manager.language = "ru"
    manager.save(update_fields=["language"])

    sent = services.password_reset_send(email=manager.email)

    assert sent == 1
    assert mailoutbox[0].to == [manager.email]
    assert mailoutbox[0].subject != "Set a new password for the CRM"

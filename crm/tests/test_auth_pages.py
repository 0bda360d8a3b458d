"""Signing in, out and resetting a password, as a person does it in the browser."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/"


@pytest.mark.parametrize("url", ["/tasks/", "/notifications/", "/settings/", "/search/?q=x"])
def test_staff_pages_need_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN_URL}?next=")


def test_login_page_renders(client):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert reverse("password_reset") in html


def test_login_with_the_right_password(client, manager, password):
    response = client.post(LOGIN_URL, {"username": manager.email, "password": password})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get("/").status_code == 200


def test_login_with_a_wrong_password_shows_an_error(client, manager):
    response = client.post(LOGIN_URL, {"username": manager.email, "password": "wrong"})

    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors()
    assert str(form.non_field_errors()[0]) in response.content.decode()
    assert client.get("/").status_code == 302  # still signed out


def test_login_with_an_unknown_email_shows_the_same_error(client, manager):
    wrong_password = client.post(LOGIN_URL, {"username": manager.email, "password": "wrong"})
    unknown = client.post(LOGIN_URL, {"username": "nobody@example.com", "password": "wrong"})

    assert unknown.status_code == 200
    assert (
        unknown.context["form"].non_field_errors()
        == wrong_password.context["form"].non_field_errors()
    )


def test_login_with_a_malformed_email_is_a_form_error(client):
    response = client.post(LOGIN_URL, {"username": "not an email", "password": "x"})

    assert response.status_code == 200
    assert response.context["form"].errors


def test_login_email_is_case_insensitive(client, manager, password):
    response = client.post(LOGIN_URL, {"username": "  Manager@Example.COM ", "password": password})

    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == manager


def test_login_returns_to_the_page_asked_for(client, manager, password):
    response = client.post(
        f"{LOGIN_URL}?next=/tasks/",
        {"username": manager.email, "password": password, "next": "/tasks/"},
    )

    assert response["Location"] == "/tasks/"


def test_login_does_not_redirect_off_site(client, manager, password):
    response = client.post(
        LOGIN_URL,
        {"username": manager.email, "password": password, "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("home")


def test_logout(client, manager):
    client.force_login(manager)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_reset_mails_a_link_that_works(client, manager, mailoutbox):
    # given a manager who forgot their password
    response = client.post("/accounts/password/reset/", {"email": "MANAGER@example.com"})
    assert response.status_code == 302

    # then one mail arrives with a reset link
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [manager.email]
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^/\s]+/[^/\s]+/)", mail.body)
    assert match, mail.body

    # when they follow it and choose a new password
    page = client.get(match.group(1), follow=True)
    assert page.status_code == 200
    set_password_url = page.redirect_chain[-1][0] if page.redirect_chain else match.group(1)
    done = client.post(
        set_password_url, {"new_password1": "Fresh-pass-2024!", "new_password2": "Fresh-pass-2024!"}
    )
    assert done.status_code == 302

    # then the new password signs them in
    manager.refresh_from_db()
    assert manager.check_password("Fresh-pass-2024!")


def test_password_reset_for_an_unknown_address_sends_nothing_but_looks_the_same(client, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []

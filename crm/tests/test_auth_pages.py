"""Signing in, out and resetting a password, as a person does it in the browser."""

from __future__ import annotations

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


# The password reset, sent by a worker, is tested in test_auth_reset.py.

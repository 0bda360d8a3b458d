"""The browser fixtures work: Chromium opens the login page of a live server."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_opens_in_chromium(page):
    response = page.goto("/accounts/login/")

    assert response is not None
    assert response.status == 200
    assert "Log in" in page.title()
    assert "Operational CRM" in page.title()
    assert page.locator('input[name="username"]').is_visible()
    assert page.locator('input[name="password"]').is_visible()


def test_login_as_signs_the_browser_in(page, login_as, manager):
    login_as(page, manager)

    page.goto("/")

    assert page.url.endswith("/")
    assert page.get_by_role("link", name="My tasks").is_visible()

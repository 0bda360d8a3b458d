"""Every role's main pages, on the demo data, in a real browser.

It checks that none of them fails with the demo data loaded, and it takes the pictures of the
guides in docs/: with ``CRM_DOCS_SCREENSHOTS=1`` they are written to docs/img/, otherwise to
var/screenshots/ so that a test run does not change the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from contacts.models import Contact, Phone
from crm.demo import demo_load_all
from crm.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = (
    Path(settings.BASE_DIR, "docs", "img")
    if os.environ.get("CRM_DOCS_SCREENSHOTS")
    else Path(settings.BASE_DIR, "var", "screenshots", "docs")
)


def test_every_role_opens_its_pages_on_the_demo_data(live_server, page, login_as):
    # given the demo data, as the run command loads it
    demo_load_all("docs-Pa55word-1")
    petrov = Contact.objects.get(
        pk=Phone.objects.get(number="+79161234567", contact__isnull=False).contact_id
    )
    pages = [
        ("manager@example.com", "/", "home"),
        ("manager@example.com", "/tasks/", "tasks"),
        ("manager@example.com", "/contacts/", "contacts-list"),
        ("manager@example.com", f"/contacts/{petrov.pk}/", "contact-card"),
        ("manager@example.com", "/contacts/new/", "contact-form"),
        ("operator@example.com", "/search/?q=8+916+123-45-67", "operator-search"),
        ("operator@example.com", f"/contacts/{petrov.pk}/", "operator-card"),
        ("marketer@example.com", "/contacts/", "marketer-masked-list"),
        ("head@example.com", "/contacts/duplicates/", "duplicates"),
        ("head@example.com", "/contacts/import/", "import"),
        ("head@example.com", "/settings/", "settings"),
        ("admin@example.com", "/admin/", "admin"),
        ("admin@example.com", "/mail-sink/", "mail-sink"),
        ("admin@example.com", "/api/docs/", "api-docs"),
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    for email, path, name in pages:
        # when each person opens their page (in English, the language of the guides)
        page.context.clear_cookies()
        login_as(page, User.objects.get(email=email))
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
        )
        response = page.goto(f"{live_server.url}{path}", wait_until="domcontentloaded")
        # what the person waits for: the page's own content (the bell keeps polling, so the
        # network is never idle for long)
        page.locator("main, #container, #swagger-ui").first.wait_for()

        # then it answers, and its picture is taken
        assert response is not None
        assert response.status < 400, f"{email} {path} answered {response.status}"
        page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)

    # and the Russian interface, for the record
    page.context.clear_cookies()
    login_as(page, User.objects.get(email="manager@example.com"))
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ru", "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/contacts/{petrov.pk}/", wait_until="domcontentloaded")
    page.locator("main").wait_for()
    assert page.locator("html").get_attribute("lang") == "ru"
    page.screenshot(path=str(OUT / "contact-card-ru.png"))

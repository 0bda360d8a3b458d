"""The Content-Security-Policy: on every page, no inline script allowed, violations logged,
and the pages still work under it in a real browser; the API schema behind a login."""

from __future__ import annotations

import json
import logging

import pytest
from django.urls import reverse

from contacts.tests.factories import ContactFactory
from crm.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

HEADER = "Content-Security-Policy"


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def _pages(manager) -> list[str]:
    contact = ContactFactory(owner=manager, phone="+79161234567")
    task = TaskFactory(assignee=manager, created_by=manager)
    return [
        "/",
        "/tasks/",
        f"/tasks/{task.pk}/",
        "/notifications/",
        "/notifications/bell/",
        "/settings/",
        "/search/?q=ab",
        "/contacts/",
        f"/contacts/{contact.pk}/",
        f"/contacts/{contact.pk}/edit/",
        "/contacts/new/",
        "/contacts/companies/",
        "/api/docs/",
        "/api/v1/tasks/",
        "/admin/",
        "/nowhere/",
    ]


def test_every_page_carries_a_policy_without_inline_script(client, admin_user, manager):
    pages = _pages(manager)
    client.force_login(admin_user)

    for url in [*pages, reverse("login")]:
        response = client.get(url)
        header = response.get(HEADER)

        assert header, f"{url} ({response.status_code}) has no {HEADER}"
        directives = _directives(header)
        script = directives["script-src"]
        assert "'unsafe-inline'" not in script, url
        assert "'unsafe-eval'" not in script, url
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["report-uri"] == ["/csp-report/"]

    client.logout()
    assert client.get(reverse("login")).has_header(HEADER)


def test_templates_carry_no_inline_script(client, manager):
    client.force_login(manager)

    for url in _pages(manager):
        html = client.get(url).content.decode()
        if "<html" not in html:
            continue
        assert "<script>" not in html, url
        for handler in (" onclick=", " onchange=", " onsubmit=", " onload=", "hx-on"):
            assert handler not in html, (url, handler)


# --- the report view -----------------------------------------------------------------------


def test_a_violation_report_is_logged(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "http://testserver/contacts/1/",
            "violated-directive": "script-src-elem",
            "blocked-uri": "inline",
            "line-number": 12,
        }
    }

    with caplog.at_level(logging.WARNING, logger="crm.csp"):
        response = client.post(
            "/csp-report/", json.dumps(report), content_type="application/csp-report"
        )

    assert response.status_code == 204
    assert "script-src-elem" in caplog.text
    assert "http://testserver/contacts/1/" in caplog.text


def test_a_reporting_api_report_is_logged(client, caplog):
    reports = [{"type": "csp-violation", "body": {"effectiveDirective": "img-src"}}]

    with caplog.at_level(logging.WARNING, logger="crm.csp"):
        response = client.post(
            "/csp-report/", json.dumps(reports), content_type="application/reports+json"
        )

    assert response.status_code == 204
    assert "img-src" in caplog.text


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[" * 5000, b'{"csp-report": 5}', b"\xff\xfe\x00", b'"text"', b"[1, 2]"],
)
def test_garbage_reports_answer_400_never_500(client, body):
    response = client.post("/csp-report/", body, content_type="application/csp-report")

    assert response.status_code == 400


def test_a_large_report_is_refused(client):
    body = json.dumps({"csp-report": {"blocked-uri": "x" * 20_000}})

    response = client.post("/csp-report/", body, content_type="application/csp-report")

    assert response.status_code == 413


def test_reports_are_rate_limited_per_address(client, settings, caplog):
    settings.CSP_REPORTS_PER_MINUTE = 3
    body = json.dumps({"csp-report": {"violated-directive": "script-src"}})

    statuses = [
        client.post("/csp-report/", body, content_type="application/csp-report").status_code
        for _ in range(5)
    ]

    assert statuses == [204, 204, 204, 429, 429]


def test_reports_need_no_csrf_token_and_only_post(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    body = json.dumps({"csp-report": {"violated-directive": "script-src"}})

    assert (
        strict.post("/csp-report/", body, content_type="application/csp-report").status_code == 204
    )
    assert client.get("/csp-report/").status_code == 405


# --- the schema and its docs ---------------------------------------------------------------


def test_the_schema_and_docs_need_a_login(client, api_client, api_client_for, manager):
    assert api_client.get("/api/schema/").status_code == 401
    docs = client.get("/api/docs/")
    assert docs.status_code == 302
    assert docs["Location"].startswith(reverse("login"))
    assert client.get("/api/docs/?script").status_code == 302

    assert api_client_for(manager, token=True).get("/api/schema/").status_code == 200
    assert api_client_for(manager).get("/api/schema/").status_code == 200
    client.force_login(manager)
    assert client.get("/api/docs/").status_code == 200
    script = client.get("/api/docs/?script")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


# --- in a real browser ---------------------------------------------------------------------


def _watch_for_violations(page) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


@pytest.mark.django_db(transaction=True)
def test_card_and_form_work_under_the_policy(page, login_as, manager):
    # given a client with a company to pick
    from contacts.tests.factories import CompanyFactory

    contact = ContactFactory(owner=manager, last_name="Петров", phone="+79161234567")
    CompanyFactory(owner=manager, name="Вектор")
    login_as(page, manager)
    violations = _watch_for_violations(page)

    # when a note is added on the card with Ctrl+Enter (htmx, no reload)
    page.goto(f"/contacts/{contact.pk}/")
    page.wait_for_selector("#bell .bell, #bell a, #bell button", state="attached")
    box = page.locator("#note-form textarea")
    box.fill("Called back, all fine")
    box.press("Control+Enter")

    # then the note is on the timeline and the box is empty again
    page.locator("#timeline-items", has_text="Called back, all fine").wait_for()
    page.wait_for_function("document.querySelector('#note-form textarea').value === ''")

    # when the company box suggests and a suggestion is picked
    page.goto("/contacts/new/")
    page.locator("#id_company_name").fill("Век")
    page.locator("#company-suggest [data-company]").first.click()

    # then the hidden id is filled, and another phone row can be added
    assert page.locator("#id_company").input_value()
    rows = page.locator("[data-formset] .point-rows > *")
    before = rows.count()
    page.locator("[data-formset] .add-row").first.click()
    assert rows.count() == before + 1

    assert violations == []


@pytest.mark.django_db(transaction=True)
def test_api_docs_render_under_the_policy(page, login_as, manager):
    login_as(page, manager)
    violations = _watch_for_violations(page)

    page.goto("/api/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()

    assert violations == []

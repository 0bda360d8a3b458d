"""Malformed input gets a clear answer, never a server error."""

from __future__ import annotations

import pytest

from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(manager):
    return ContactFactory(owner=manager, phone="+79161234567")


def test_malformed_query_strings_and_forms_never_answer_500(client, manager, contact):
    client.force_login(manager)
    c = contact.pk
    gets = [
        "/contacts/?sort=nonsense&owner=abc&tag=zzz&source=%00",
        "/contacts/?after=garbage",
        "/contacts/?q=" + "я" * 500,
        f"/contacts/{c}/timeline/?before=not-a-cursor&kind=unknown",
        "/contacts/companies/?sort=-nothing&after=%%%",
        "/contacts/export/?format=pdf",
        "/search/?q=%00%00",
        "/api/v1/tasks/?due_before=yesterday&status=maybe&ordering=password",
        "/api/v1/tasks/?cursor=broken",
        "/api/v1/contacts/?lifetime_value__gte=lots&created_after=never",
        "/api/v1/contacts/?search=%00ab",
        "/contacts/?q=ab%00",
        "/api/v1/contacts/lookup/?phone=",
        "/api/v1/contacts/lookup/?phone=not-a-number",
    ]
    for url in gets:
        assert client.get(url).status_code < 500, url
    posts = [
        ("/tasks/", {"title": "", "due_at": "tomorrow-ish", "priority": "9"}),
        (f"/tasks/{999999}/status/", {"status": "done"}),
        ("/notifications/read/", {"id": "abc"}),
        ("/availability/", {"availability": "asleep"}),
        ("/language/", {"language": "xx"}),
        (f"/contacts/{c}/notes/", {"body": ""}),
        (f"/contacts/{c}/consents/", {"purpose": "spam", "granted": "maybe"}),
        ("/contacts/new/", {"last_name": "Петров", "phones-TOTAL_FORMS": "x"}),
        ("/contacts/merge/", {"keep": "a", "drop": "b"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code < 500, url
    api_posts = [
        ("/api/v1/tasks/", {"title": "x", "due_at": "soon", "assignee": "me"}),
        ("/api/v1/contacts/", {"phones": "not a list", "custom": 5}),
        ("/api/v1/interactions/", {"contact": c, "kind": "telepathy"}),
        ("/api/v1/purchases/", {"contact": c, "amount": "a lot"}),
    ]
    for url, data in api_posts:
        response = client.post(url, data, content_type="application/json")
        assert response.status_code == 400, (url, response.status_code, response.content[:300])
        assert "fields" in response.json()

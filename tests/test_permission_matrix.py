"""Who may open what: every role against the screens and API lists, in one table.

A row is (URL, the status each role gets). The data belongs to the sales manager of team A,
so the matrix also shows that a manager of another team cannot reach it by its address.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from contacts.tests.factories import CompanyFactory, ContactFactory
from crm.tests.factories import TaskFactory

ROLES = ["admin_user", "head", "manager", "manager2", "operator", "supervisor", "marketer"]


@pytest.fixture
def records(manager):
    company = CompanyFactory(owner=manager)
    contact = ContactFactory(owner=manager, company=company, phone="+79161234567")
    task = TaskFactory(assignee=manager, created_by=manager)
    return {"contact": contact, "company": company, "task": task}


def _matrix(r):
    c, co, t = r["contact"].pk, r["company"].pk, r["task"].pk
    #   url                                  admin head mgr mgr2 oper sup  mkt
    return [
        ("/", [200, 200, 200, 200, 200, 200, 200]),
        ("/tasks/", [200, 200, 200, 200, 200, 200, 200]),
        (f"/tasks/{t}/", [200, 200, 200, 404, 404, 404, 404]),
        ("/contacts/", [200, 200, 200, 200, 403, 200, 200]),
        (f"/contacts/{c}/", [200, 200, 200, 404, 200, 200, 200]),
        (f"/contacts/{c}/edit/", [200, 200, 200, 404, 200, 403, 403]),
        (f"/contacts/companies/{co}/", [200, 200, 200, 404, 200, 200, 200]),
        # duplicates among the clients one may list; merging them needs contacts.merge_contact
        ("/contacts/duplicates/", [200, 200, 200, 200, 403, 200, 200]),
        ("/contacts/merges/", [200, 200, 403, 403, 403, 403, 403]),
        ("/contacts/import/", [200, 200, 403, 403, 403, 403, 403]),
        ("/contacts/export/?format=csv", [200, 200, 200, 200, 403, 403, 200]),
        ("/mail-sink/", [200, 302, 302, 302, 302, 302, 302]),
        ("/admin/", [200, 302, 302, 302, 302, 302, 302]),
        ("/api/v1/tasks/", [200, 200, 200, 200, 200, 200, 200]),
        (f"/api/v1/tasks/{t}/", [200, 200, 200, 404, 404, 404, 404]),
        ("/api/v1/contacts/", [200, 200, 200, 200, 403, 200, 200]),
        (f"/api/v1/contacts/{c}/", [200, 200, 200, 404, 200, 200, 200]),
        ("/api/v1/contacts/lookup/?phone=89161234567", [200, 200, 200, 200, 200, 200, 200]),
    ]


@pytest.mark.django_db
def test_each_role_reaches_only_what_it_may(client, request, records):
    matrix = _matrix(records)
    failures = []
    for index, role in enumerate(ROLES):
        user = request.getfixturevalue(role)
        client.force_login(user)
        for url, expected in matrix:
            status = client.get(url).status_code
            if status != expected[index]:
                failures.append(f"{role:<10} {url:<45} expected {expected[index]}, got {status}")
        client.logout()
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in_or_refused(client, records):
    for url in ["/", "/tasks/", "/contacts/", f"/contacts/{records['contact'].pk}/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    for url in ["/api/v1/tasks/", "/api/v1/contacts/", "/api/v1/contacts/lookup/?phone=1"]:
        assert client.get(url).status_code == 401

"""Who may open what: every route of the URL configuration against every role, in one table.

The routes are read from the resolver (``tests/routes.py``): a route with no row here, and no
reason to be skipped, fails the test, so a new screen or endpoint cannot go unchecked. The
records belong to team A (their manager, their head); ``manager2`` is the manager of team B, so
every detail route is also tried with another team's ids — it must answer 404 (or 403), never
the record.
"""

from __future__ import annotations

import os

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from contacts import services as contact_services
from contacts.models import CustomField
from contacts.tests.factories import (
    CompanyFactory,
    ConsentFactory,
    ContactFactory,
    InteractionFactory,
    PurchaseFactory,
)
from crm import services as crm_services
from crm.models import AccessLog, Job
from crm.tests.factories import NotificationFactory, TaskFactory

from .matrix import parts
from .routes import routes

ROLES = (
    "admin_user",
    "head",
    "manager",
    "manager2",
    "operator",
    "supervisor",
    "marketer",
    "anonymous",
)
LOGIN = 302  # a staff page sends an anonymous visitor to log in

# Routes not in the table, each with its reason. A prefix ends with "*".
SKIPPED = {
    "healthz": "the load balancer's health check: public by design, no data",
    "api-schema": "the OpenAPI schema: its access is the CSP/schema work's test (issue 7)",
    "api-docs": "the API docs page: likewise",
    "admin/*": "Django admin: every view goes through admin_site.admin_view (staff and the "
    "model's permission); probed below by its index and the contacts pages, and opened in "
    "full for every model by crm/tests/test_admin.py",
    "format-suffix": "DRF's <route>.<format> twins answer exactly as the route without the suffix",
}

# route name → (method, path, status per role in ROLES order). Placeholders are the records
# of ``records`` below, all of team A.
#                                                      admin head mgr  mgr2 oper sup  mkt  anon
MATRIX = {
    "home": ("GET", "/", [200, 200, 200, 200, 200, 200, 200, LOGIN]),
    "login": ("GET", "/accounts/login/", [302, 302, 302, 302, 302, 302, 302, 200]),
    "password_change": ("GET", "/accounts/password/change/", [200] * 7 + [LOGIN]),
    "password_change_done": ("GET", "/accounts/password/change/done/", [200] * 7 + [LOGIN]),
    "password_reset": ("GET", "/accounts/password/reset/", [200] * 8),
    "password_reset_done": ("GET", "/accounts/password/reset/done/", [200] * 8),
    "password_reset_confirm": (
        "GET",
        "/accounts/password/reset/MQ/set-password/",
        [200] * 8,
    ),
    "password_reset_complete": ("GET", "/accounts/password/reset/complete/", [200] * 8),
    "task-list": ("GET", "/tasks/", [200] * 7 + [LOGIN]),
    "task-detail": ("GET", "/tasks/{task}/", [200, 200, 200, 404, 404, 404, 404, LOGIN]),
    "task-status": (
        "POST",
        "/tasks/{task}/status/",
        [400, 400, 400, 404, 404, 404, 404, LOGIN],
    ),
    "notification-list": ("GET", "/notifications/", [200] * 7 + [LOGIN]),
    "notification-bell": ("GET", "/notifications/bell/", [200] * 7 + [LOGIN]),
    "notification-read": ("POST", "/notifications/read/", [302] * 7 + [LOGIN]),
    "settings": ("GET", "/settings/", [200] * 7 + [LOGIN]),
    # the profile's API tokens: everyone makes their own; only the owner revokes one
    "api-token-create": ("POST", "/settings/tokens/", [400] * 7 + [LOGIN]),
    "api-token-revoke": (
        "POST",
        "/settings/tokens/{revoked_token}/revoke/",
        [404, 404, 302, 404, 404, 404, 404, LOGIN],
    ),
    "availability-set": ("POST", "/availability/", [400] * 7 + [LOGIN]),
    "language-set": ("POST", "/language/", [400] * 8),
    # browsers post violations without a session; the view trusts nothing it is sent
    "csp-report": ("POST", "/csp-report/", [400] * 8),
    "search": ("GET", "/search/?q=Петров", [200] * 7 + [LOGIN]),
    "area-coming": ("GET", "/area/tickets/", [200] * 7 + [LOGIN]),
    "mail-sink": ("GET", "/mail-sink/", [200, 302, 302, 302, 302, 302, 302, LOGIN]),
    "job-progress": ("GET", "/jobs/{job}/progress/", [200, 200, 404, 404, 404, 404, 404, LOGIN]),
    "job-start": ("POST", "/jobs/{job}/start/", [302, 302, 404, 404, 404, 404, 404, LOGIN]),
    # --- the API of the core
    "api:api-root": ("GET", "/api/v1/", [200] * 7 + [401]),
    "api:api-token": ("GET", "/api/v1/auth/token/", [401] * 8),  # a password POST; GET is no door
    "api:api-token-item-list": ("GET", "/api/v1/auth/tokens/", [200] * 7 + [401]),
    "api:api-token-item-detail": (
        "DELETE",  # revoking is all a token's address does
        "/api/v1/auth/tokens/{api_token}/",
        [404, 404, 204, 404, 404, 404, 404, 401],
    ),
    "api:api-me": ("GET", "/api/v1/me/", [200] * 7 + [401]),
    "api:user-list": ("GET", "/api/v1/users/", [200] * 7 + [401]),
    # people one may assign work to or work with: not the other team's, not for operators
    "api:user-detail": (
        "GET",
        "/api/v1/users/{manager}/",
        [200, 200, 200, 404, 404, 200, 404, 401],
    ),
    "api:team-list": ("GET", "/api/v1/teams/", [200] * 7 + [401]),
    "api:team-detail": ("GET", "/api/v1/teams/{team}/", [200] * 7 + [401]),
    "api:task-list": ("GET", "/api/v1/tasks/", [200] * 7 + [401]),
    "api:task-detail": ("GET", "/api/v1/tasks/{task}/", [200, 200, 200, 404, 404, 404, 404, 401]),
    "api:task-status": (
        "POST",
        "/api/v1/tasks/{task}/status/",
        [400, 400, 400, 404, 404, 404, 404, 401],
    ),
    "api:notification-list": ("GET", "/api/v1/notifications/", [200] * 7 + [401]),
    "api:notification-read": ("POST", "/api/v1/notifications/read/", [200] * 7 + [401]),
    "api:notification-detail": (
        "GET",
        "/api/v1/notifications/{notification}/",
        [404, 404, 200, 404, 404, 404, 404, 401],
    ),
    # --- the contacts API
    "contacts-api:contact-lookup": (
        "GET",
        "/api/v1/contacts/lookup/?phone=89161234567",
        [200] * 7 + [401],
    ),
    "api/v1/contacts/lookup": (
        "GET",
        "/api/v1/contacts/lookup?phone=89161234567",
        [200] * 7 + [401],
    ),
    "contacts-api:company-list": (
        "GET",
        "/api/v1/companies/",
        [200, 200, 200, 200, 403, 200, 200, 401],
    ),
    "contacts-api:company-detail": (
        "GET",
        "/api/v1/companies/{company}/",
        [200, 200, 200, 404, 200, 200, 200, 401],
    ),
    "contacts-api:contact-list": (
        "GET",
        "/api/v1/contacts/",
        [200, 200, 200, 200, 403, 200, 200, 401],
    ),
    "contacts-api:contact-detail": (
        "GET",
        "/api/v1/contacts/{contact}/",
        [200, 200, 200, 404, 200, 200, 200, 401],
    ),
    "contacts-api:phone-list": ("GET", "/api/v1/phones/", [200, 200, 200, 200, 403, 403, 403, 401]),
    "contacts-api:phone-detail": (
        "GET",
        "/api/v1/phones/{phone}/",
        [200, 200, 200, 404, 200, 403, 403, 401],
    ),
    "contacts-api:email-list": ("GET", "/api/v1/emails/", [200, 200, 200, 200, 403, 403, 403, 401]),
    "contacts-api:email-detail": (
        "GET",
        "/api/v1/emails/{email}/",
        [200, 200, 200, 404, 200, 403, 403, 401],
    ),
    "contacts-api:interaction-list": (
        "GET",
        "/api/v1/interactions/",
        [200, 200, 200, 200, 403, 200, 403, 401],
    ),
    "contacts-api:interaction-detail": (
        "GET",
        "/api/v1/interactions/{interaction}/",
        [200, 200, 200, 404, 200, 200, 403, 401],
    ),
    "contacts-api:purchase-list": (
        "GET",
        "/api/v1/purchases/",
        [200, 200, 200, 200, 403, 403, 403, 401],
    ),
    "contacts-api:purchase-detail": (
        "GET",
        "/api/v1/purchases/{purchase}/",
        [200, 200, 200, 404, 200, 403, 403, 401],
    ),
    "contacts-api:consent-list": (
        "GET",
        "/api/v1/consents/",
        [200, 200, 200, 200, 403, 403, 200, 401],
    ),
    "contacts-api:consent-detail": (
        "GET",
        "/api/v1/consents/{consent}/",
        [200, 200, 200, 404, 200, 403, 200, 401],
    ),
    "contacts-api:customfield-list": ("GET", "/api/v1/custom-fields/", [200] * 7 + [401]),
    "contacts-api:customfield-detail": (
        "GET",
        "/api/v1/custom-fields/{customfield}/",
        [200] * 7 + [401],
    ),
    # --- the customer base's pages
    "contacts:contact-list": ("GET", "/contacts/", [200, 200, 200, 200, 403, 200, 200, LOGIN]),
    "contacts:contact-create": (
        "GET",
        "/contacts/new/",
        [200, 200, 200, 200, 200, 403, 403, LOGIN],
    ),
    "contacts:contact-detail": (
        "GET",
        "/contacts/{contact}/",
        [200, 200, 200, 404, 200, 200, 200, LOGIN],
    ),
    "contacts:contact-edit": (
        "GET",
        "/contacts/{contact}/edit/",
        [200, 200, 200, 404, 200, 403, 403, LOGIN],
    ),
    "contacts:contact-timeline": (
        "GET",
        "/contacts/{contact}/timeline/",
        [302, 302, 302, 404, 302, 302, 302, LOGIN],
    ),
    "contacts:note-add": (
        "POST",
        "/contacts/{contact}/notes/",
        [302, 302, 302, 404, 302, 403, 403, LOGIN],
    ),
    "contacts:consent-set": (
        "POST",
        "/contacts/{contact}/consents/",
        [302, 302, 302, 404, 302, 403, 403, LOGIN],
    ),
    # a task about a client one sees (crm.add_task, every role); an empty form goes back
    "contacts:contact-task-add": (
        "POST",
        "/contacts/{contact}/tasks/",
        [302, 302, 302, 404, 302, 302, 302, LOGIN],
    ),
    "contacts:company-task-add": (
        "POST",
        "/contacts/companies/{company}/tasks/",
        [302, 302, 302, 404, 302, 302, 302, LOGIN],
    ),
    "contacts:company-list": (
        "GET",
        "/contacts/companies/",
        [200, 200, 200, 200, 403, 200, 200, LOGIN],
    ),
    "contacts:company-create": (
        "GET",
        "/contacts/companies/new/",
        [200, 200, 200, 200, 200, 403, 403, LOGIN],
    ),
    "contacts:company-suggest": (
        "GET",
        "/contacts/companies/suggest/?q=Ромашка",
        [200] * 7 + [LOGIN],
    ),
    "contacts:company-detail": (
        "GET",
        "/contacts/companies/{company}/",
        [200, 200, 200, 404, 200, 200, 200, LOGIN],
    ),
    "contacts:company-edit": (
        "GET",
        "/contacts/companies/{company}/edit/",
        [200, 200, 200, 404, 200, 403, 403, LOGIN],
    ),
    # duplicates among the clients one may list; merging them needs contacts.merge_contact
    "contacts:duplicate-list": (
        "GET",
        "/contacts/duplicates/",
        [200, 200, 200, 200, 403, 200, 200, LOGIN],
    ),
    "contacts:contact-merge": (
        "GET",
        "/contacts/merge/?ids={contact}&ids={twin}",
        [200, 200, 403, 403, 403, 403, 403, LOGIN],
    ),
    "contacts:merge-history": (
        "GET",
        "/contacts/merges/",
        [200, 200, 403, 403, 403, 403, 403, LOGIN],
    ),
    "contacts:merge-undo": (
        "POST",
        "/contacts/merges/{merge}/undo/",
        [302, 302, 403, 403, 403, 403, 403, LOGIN],
    ),
    "contacts:import-upload": (
        "GET",
        "/contacts/import/",
        [200, 200, 403, 403, 403, 403, 403, LOGIN],
    ),
    "contacts:import-detail": (
        "GET",
        "/contacts/import/{job}/",
        [200, 200, 403, 403, 403, 403, 403, LOGIN],
    ),
    "contacts:export": (
        "GET",
        "/contacts/export/?format=csv",
        [200, 200, 200, 200, 403, 403, 200, LOGIN],
    ),
    # --- probes of the admin site (see SKIPPED)
    "admin:index": ("GET", "/admin/", [200, 302, 302, 302, 302, 302, 302, 302]),
    "admin:contacts_contact_changelist": (
        "GET",
        "/admin/contacts/contact/",
        [200, 302, 302, 302, 302, 302, 302, 302],
    ),
    "admin:contacts_contact_change": (
        "GET",
        "/admin/contacts/contact/{contact}/change/",
        [200, 302, 302, 302, 302, 302, 302, 302],
    ),
}
# The other parts of the product (tests/matrix/), then the logout, last: it ends the session.
for _part in parts():
    MATRIX.update(_part.ROWS)
MATRIX["logout"] = ("POST", "/accounts/logout/", [302] * 8)


@pytest.fixture
def records(admin_user, head, manager, manager2, operator, supervisor, marketer, team_a):
    """One of everything, all of team A: what the other team's manager must not reach."""
    company = CompanyFactory(owner=manager)
    contact = ContactFactory(
        owner=manager, company=company, phone="+79161234567", email="petrov@example.ru"
    )
    twin = ContactFactory(owner=manager, phone="+79161234568")
    dropped = ContactFactory(owner=manager)
    merge = contact_services.contact_merge(actor=head, keep=twin, drop=dropped)
    job = Job.objects.create(
        kind="contacts.import",
        created_by=head,
        status=Job.Status.CHECKED,
        error_count=1,
        total_rows=2,
        original_name="clients.csv",
        options={"format": "csv", "mapping": {"0": "last_name"}},
    )
    notification = NotificationFactory(recipient=manager)
    api_token, _key = crm_services.api_token_create(actor=manager, user=manager, name="CTI")
    revoked_token, _key = crm_services.api_token_create(actor=manager, user=manager, name="Old")
    base = {
        "admin_user": admin_user,
        "head": head,
        "manager": manager,
        "manager2": manager2,
        "operator": operator,
        "supervisor": supervisor,
        "marketer": marketer,
        "team_a": team_a,
        "contact_obj": contact,
        "company_obj": company,
    }
    extra = {key: value for part in parts() for key, value in part.records(base).items()}
    return extra | {
        "api_token": api_token.pk,
        "revoked_token": revoked_token.pk,
        "contact": contact.pk,
        "twin": twin.pk,
        "company": company.pk,
        "phone": contact.phones.get().pk,
        "email": contact.emails.get().pk,
        "interaction": InteractionFactory(contact=contact).pk,
        "purchase": PurchaseFactory(contact=contact).pk,
        "consent": ConsentFactory(contact=contact).pk,
        "customfield": CustomField.objects.create(
            target=CustomField.Target.CONTACT, code="score", label="Score", field_type="number"
        ).pk,
        "task": TaskFactory(assignee=manager, created_by=manager).pk,
        "notification": notification.pk,
        "job": job.pk,
        "merge": merge.pk,
        "manager": manager.pk,
        "team": team_a.pk,
    }


def _skipped(route) -> bool:
    if route.name in SKIPPED or "format" in route.params:
        return True
    return any(key.endswith("*") and route.pattern.startswith(key[:-1]) for key in SKIPPED)


def test_every_route_has_a_row_in_the_matrix():
    missing = [
        f"{route.name}  ({route.pattern})"
        for route in routes()
        if route.name not in MATRIX and not _skipped(route)
    ]
    assert not missing, "routes with no row in the permission matrix:\n" + "\n".join(missing)
    stale = set(MATRIX) - {route.name for route in routes()}
    assert not stale, f"rows for routes that no longer exist: {sorted(stale)}"


@pytest.mark.django_db
def test_each_role_reaches_only_what_it_may(client, request, records):
    failures, table = [], []
    for index, role in enumerate(ROLES):
        user = None if role == "anonymous" else request.getfixturevalue(role)
        client.logout()
        if user is not None:
            client.force_login(user)
        row = []
        for name, (method, path, expected) in MATRIX.items():
            url = path.format(**records)
            # the API takes JSON only: an empty object, as a client would send
            body = {"data": {}, "content_type": "application/json"} if "/api/" in url else {}
            response = getattr(client, method.lower())(url, **body)
            row.append(response.status_code)
            anonymous_sent_away = user is None and expected[index] == LOGIN
            if (
                anonymous_sent_away
                and not name.startswith("admin:")
                and not response.get("Location", "").startswith(reverse("login"))
            ):
                failures.append(f"anonymous  {url} redirects to {response.get('Location')}")
            if response.status_code != expected[index]:
                failures.append(
                    f"{role:<10} {method:<4} {url:<50} expected {expected[index]}, "
                    f"got {response.status_code}"
                )
        table.append(row)
    if os.environ.get("MATRIX_PRINT"):  # to fill a new row: MATRIX_PRINT=1 and -s
        for i, name in enumerate(MATRIX):
            print(f"{name:<40} {[r[i] for r in table]}")
    assert not failures, "\n".join(failures)
    # The access log kept the card views of the roles that opened them.
    assert AccessLog.objects.filter(
        content_type=ContentType.objects.get(app_label="contacts", model="contact"),
        object_id=str(records["contact"]),
        action=AccessLog.Action.VIEW,
    ).exists()

"""schemathesis against the API's own OpenAPI schema, as every role and anonymously.

Each operation of ``/api/schema/`` gets a bounded, deterministic set of generated requests
(``FUZZ_EXAMPLES`` each, derandomised), sent through the WSGI application — every middleware,
the real database — with each role's token and without one. Every answer must be no server
error, a status code the schema documents for the operation, and a body that matches it.
Deselect with ``-m "not fuzz"``; ``FUZZ_EXAMPLES=50`` runs a longer search locally.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from contacts.tests.factories import CompanyFactory, ContactFactory
from crm.tests.factories import NotificationFactory, TaskFactory

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
ROLES = ["admin_user", "head", "manager", "manager2", "operator", "supervisor", "marketer"]


def _load_schema() -> dict:
    """The schema exactly as ``/api/schema/`` serves it (built without a request)."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(_load_schema())
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_app(db):
    """The WSGI application, run inside the test's transaction.

    Django closes a connection that is inside a transaction at the end of each request (the
    test client switches that off; a plain WSGI call does not), which would end the test's
    transaction: it is switched off here too.
    """
    from django.core.wsgi import get_wsgi_application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def role_headers(request, api_client_for, manager) -> dict[str, dict[str, str]]:
    """Authorization headers per role, plus anonymous; some records to find."""
    ContactFactory(owner=manager, phone="+79161234567", email="a@example.com")
    CompanyFactory(owner=manager)
    TaskFactory(assignee=manager, created_by=manager)
    NotificationFactory(recipient=manager)
    headers = {"anonymous": {}}
    for role in ROLES:
        client = api_client_for(request.getfixturevalue(role), token=True)
        headers[role] = {"Authorization": client._credentials["HTTP_AUTHORIZATION"]}
    return headers


@pytest.mark.fuzz
@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    # Generated cases only: the explicit phase adds schemathesis' coverage cases, about a
    # hundred per operation whatever max_examples says.
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_role_within_its_schema(case, wsgi_app, role_headers):
    for headers in role_headers.values():
        response = case.call(app=wsgi_app, headers=headers)
        case.validate_response(response, checks=CHECKS)

"""Malformed input gets a clear answer, never a server error."""

from __future__ import annotations

import base64

import pytest

from contacts.models import Contact, CustomField
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


# --- the API's own inputs: cursors, JSON bodies, custom numbers ------------------------------

CONTACTS_URL = "/api/v1/contacts/"
TASKS_URL = "/api/v1/tasks/"
TOKEN_URL = "/api/v1/auth/token/"


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


def _assert_400_with_fields(response, *names: str) -> dict:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert body["status"] == 400
    assert body["fields"], body
    for name in names:
        assert name in body["fields"], body["fields"]
    return body


@pytest.mark.parametrize("url", [CONTACTS_URL, TASKS_URL])
@pytest.mark.parametrize(
    "position",
    ["' OR 1=1--", "1e400", "%00", "1;DROP TABLE x", "1.5", "NaN"],
)
def test_a_tampered_cursor_answers_400(api_client_for, head, contact, url, position):
    client = api_client_for(head, token=True)

    for query in (f"p={position}", f"o=0&r=0&p={position}", f"o=-5&p={position}"):
        response = client.get(url, {"cursor": _cursor(query)})

        body = _assert_400_with_fields(response, "cursor")
        assert body["code"] == "invalid"


def test_a_nul_character_in_json_answers_400_naming_the_field(api_client_for, manager, contact):
    client = api_client_for(manager, token=True)

    # given JSON that PostgreSQL's jsonb and text cannot hold
    contact_body = '{"last_name": "Petrov", "custom": {"note": "a\\u0000b"}}'
    interaction_body = (
        '{"contact": ' + str(contact.pk) + ', "kind": "note", "subject": "x", '
        '"data": {"k": ["ok", "\\u0000"]}}'
    )
    key_body = '{"last_name": "Petrov", "custom": {"n\\u0000te": "b"}}'

    # when / then
    response = client.post(CONTACTS_URL, contact_body, content_type="application/json")
    body = _assert_400_with_fields(response, "custom.note")
    assert body["fields"]["custom.note"] == ["Null characters are not allowed."]
    response = client.post(
        "/api/v1/interactions/", interaction_body, content_type="application/json"
    )
    _assert_400_with_fields(response, "data.k.1")
    response = client.post(CONTACTS_URL, key_body, content_type="application/json")
    _assert_400_with_fields(response, "custom")
    response = client.patch(
        f"{CONTACTS_URL}{contact.pk}/", contact_body, content_type="application/json"
    )
    _assert_400_with_fields(response, "custom.note")


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_deeply_nested_json_answers_400_even_to_anonymous_callers(api_client, opening):
    closing = "]" if opening == "[" else "}"
    deep = opening * 5000 + "1" + closing * 5000

    response = api_client.post(TOKEN_URL, deep, content_type="application/json")

    body = _assert_400_with_fields(response, "non_field_errors")
    assert "nested" in body["fields"]["non_field_errors"][0]


def test_deeply_nested_json_in_a_field_answers_400(api_client_for, manager):
    deep = '{"last_name": "Petrov", "custom": {"x": ' + "[" * 100 + "]" * 100 + "}}"

    response = api_client_for(manager, token=True).post(
        CONTACTS_URL, deep, content_type="application/json"
    )

    _assert_400_with_fields(response, "non_field_errors")


def test_the_api_reads_json_only(api_client_for, manager):
    # A form-encoded body would reach the JSON fields as text parsed without these guards.
    response = api_client_for(manager, token=True).post(
        CONTACTS_URL,
        "last_name=Petrov&custom=%7B%7D",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 415


@pytest.fixture
def score(db):
    return CustomField.objects.create(
        target=CustomField.Target.CONTACT,
        code="score",
        label="Score",
        field_type=CustomField.Type.NUMBER,
    )


@pytest.mark.parametrize(
    "value", ["12345678901234567890123456", "1e400", "-1e25", "0.000000001", "1E-400"]
)
def test_a_custom_number_the_filters_cannot_hold_is_refused(api_client_for, manager, score, value):
    response = api_client_for(manager, token=True).post(
        CONTACTS_URL, {"last_name": "Petrov", "custom": {"score": value}}, format="json"
    )

    _assert_400_with_fields(response, "custom.score")
    assert not Contact.objects.filter(last_name="Petrov").exists()


def test_a_custom_number_filter_survives_any_stored_value(api_client_for, head, manager, score):
    # given values stored before the bound, or while the field was a text field
    big = ContactFactory(owner=manager, custom={"score": "12345678901234567890123456"})
    small = ContactFactory(owner=manager, custom={"score": "5"})
    ContactFactory(owner=manager, custom={"score": "not a number"})
    ContactFactory(owner=manager, custom={"score": "1E+999999"})
    ContactFactory(owner=manager, custom={"score": 7})
    client = api_client_for(head, token=True)

    # when / then: every filter answers, and compares the numbers it can read
    response = client.get(CONTACTS_URL, {"custom.score__gte": "10"})
    assert response.status_code == 200, response.content[:300]
    assert {row["id"] for row in response.json()["results"]} == {big.pk}
    response = client.get(CONTACTS_URL, {"custom.score__lte": "6"})
    assert {row["id"] for row in response.json()["results"]} == {small.pk}
    response = client.get(CONTACTS_URL, {"custom.score__gte": "1e400"})
    _assert_400_with_fields(response, "custom.score__gte")


def test_an_unknown_api_address_answers_the_api_error(api_client_for, manager):
    response = api_client_for(manager, token=True).get("/api/v1/tasks/not-a-number/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": 404,
        "code": "not_found",
        "detail": "Not found.",
        "fields": {},
    }


def test_the_schema_documents_the_error_answers(api_client_for, manager):
    schema = api_client_for(manager, token=True).get("/api/schema/?format=json").json()

    tasks = schema["paths"]["/api/v1/tasks/"]
    assert set(tasks["get"]["responses"]) >= {"200", "400", "401", "403"}
    assert set(tasks["post"]["responses"]) >= {"201", "400", "401", "403", "415"}
    assert "404" in schema["paths"]["/api/v1/tasks/{id}/"]["get"]["responses"]
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert set(token) >= {"200", "400", "429"}
    assert "401" not in token
    error = token["400"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}

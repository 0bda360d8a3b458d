"""Caller-ID lookup: the backend of the operator's screen pop."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from contacts.models import Consent, Contact
from contacts.tests.factories import (
    CompanyFactory,
    ConsentFactory,
    ContactFactory,
    InteractionFactory,
)
from crm.models import AccessLog, Task
from crm.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

LOOKUP_URL = "/api/v1/contacts/lookup/"


def _task_about(contact: Contact, **kwargs) -> Task:
    return TaskFactory(
        content_type=ContentType.objects.get_for_model(Contact),
        object_id=str(contact.pk),
        **kwargs,
    )


@pytest.fixture
def caller(manager):
    company = CompanyFactory(name="ООО «Луч»")
    contact = ContactFactory(
        last_name="Орлова",
        first_name="Мария",
        position="Бухгалтер",
        company=company,
        owner=manager,
        preferred_channel="sms",
        language="ru",
        lifetime_value=Decimal("12500.00"),
        phone="+79161234567",
    )
    ConsentFactory(contact=contact, purpose=Consent.Purpose.PERSONAL_DATA, granted=True)
    ConsentFactory(contact=contact, purpose=Consent.Purpose.MARKETING_SMS, granted=False)
    return contact


@pytest.mark.parametrize("typed", ["8 (916) 123-45-67", "+7 916 1234567", "79161234567"])
def test_lookup_finds_the_caller_in_any_format(api_client_for, operator, caller, typed):
    last_call = timezone.now() - dt.timedelta(hours=2)
    InteractionFactory(contact=caller, occurred_at=last_call - dt.timedelta(days=3))
    InteractionFactory(contact=caller, occurred_at=last_call)
    _task_about(caller, status=Task.Status.OPEN)
    _task_about(caller, status=Task.Status.DONE)

    response = api_client_for(operator, token=True).get(LOOKUP_URL, {"phone": typed})

    assert response.status_code == 200
    body = response.json()
    assert body["phone"] == "+79161234567"
    assert len(body["matches"]) == 1
    match = body["matches"][0]
    assert match == {
        "id": caller.pk,
        "full_name": "Орлова Мария",
        "company": {"id": caller.company_id, "name": "ООО «Луч»"},
        "owner": {"id": caller.owner.pk, "name": caller.owner.get_full_name()},
        "position": "Бухгалтер",
        "preferred_channel": "sms",
        "language": "ru",
        "lifetime_value": "12500.00",
        "value_currency": "RUB",
        "last_interaction_at": match["last_interaction_at"],
        "open_tasks": 1,
        "consents": {"personal_data": True, "marketing_sms": False},
        "card_url": f"http://testserver/contacts/{caller.pk}/",
    }
    assert dt.datetime.fromisoformat(match["last_interaction_at"]) == last_call


def test_lookup_without_the_trailing_slash(api_client_for, operator, caller):
    response = api_client_for(operator, token=True).get(
        LOOKUP_URL.rstrip("/"), {"phone": "89161234567"}
    )

    assert response.status_code == 200
    assert [m["id"] for m in response.json()["matches"]] == [caller.pk]


def test_several_contacts_on_one_number_latest_first(api_client_for, operator, caller):
    other = ContactFactory(phone="+79161234567", company=None, owner=None)
    InteractionFactory(contact=other, occurred_at=timezone.now())
    InteractionFactory(contact=caller, occurred_at=timezone.now() - dt.timedelta(days=1))
    silent = ContactFactory(phone="+79161234567")

    matches = api_client_for(operator, token=True).get(LOOKUP_URL, {"phone": "+79161234567"})

    rows = matches.json()["matches"]
    assert [m["id"] for m in rows] == [other.pk, caller.pk, silent.pk]
    assert rows[0]["company"] is None
    assert rows[0]["owner"] is None
    assert rows[2]["last_interaction_at"] is None
    assert rows[2]["open_tasks"] == 0
    assert rows[2]["consents"] == {}


def test_unknown_number_has_no_matches(api_client_for, operator, caller):
    response = api_client_for(operator, token=True).get(LOOKUP_URL, {"phone": "+7 903 000-00-00"})

    assert response.status_code == 200
    assert response.json() == {"phone": "+79030000000", "matches": []}


@pytest.mark.parametrize("phone", ["12-34", "abc", ""])
def test_malformed_phone_is_a_400(api_client_for, operator, phone):
    response = api_client_for(operator, token=True).get(LOOKUP_URL, {"phone": phone})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["phone"]


def test_missing_phone_is_a_400(api_client_for, operator):
    response = api_client_for(operator, token=True).get(LOOKUP_URL)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["phone"]


def test_lookup_is_scoped_to_what_the_user_sees(api_client_for, manager2, caller):
    response = api_client_for(manager2, token=True).get(LOOKUP_URL, {"phone": "+79161234567"})

    assert response.status_code == 200
    assert response.json()["matches"] == []


def test_merged_away_contact_is_not_matched(api_client_for, operator, caller):
    ContactFactory(phone="+79161234567", merged_into=caller)

    response = api_client_for(operator, token=True).get(LOOKUP_URL, {"phone": "+79161234567"})

    assert [m["id"] for m in response.json()["matches"]] == [caller.pk]


def test_lookup_is_written_to_the_access_log(api_client_for, operator, caller):
    api_client_for(operator, token=True).get(
        LOOKUP_URL, {"phone": "8 916 123-45-67"}, REMOTE_ADDR="10.0.0.7"
    )

    log = AccessLog.objects.get()
    assert (log.user, log.action, log.query, log.record_count, log.ip_address) == (
        operator,
        AccessLog.Action.SEARCH,
        "+79161234567",
        1,
        "10.0.0.7",
    )


def test_marketer_sees_the_number_masked(api_client_for, marketer, caller):
    body = api_client_for(marketer, token=True).get(LOOKUP_URL, {"phone": "+79161234567"}).json()

    assert body["phone"] == "+7 916 ***-**-67"
    assert [m["id"] for m in body["matches"]] == [caller.pk]


def test_anonymous_cannot_look_up(api_client, caller):
    assert api_client.get(LOOKUP_URL, {"phone": "+79161234567"}).status_code == 401


def test_lookup_query_count_does_not_grow(
    api_client_for, operator, caller, django_assert_max_num_queries
):
    # given several contacts on the number, each with a long history and many tasks
    callers = [caller] + [ContactFactory(phone="+79161234567") for _ in range(4)]
    for contact in callers:
        for i in range(20):
            InteractionFactory(contact=contact, occurred_at=timezone.now() - dt.timedelta(hours=i))
        for _ in range(3):
            _task_about(contact)
        ConsentFactory(contact=contact, purpose=Consent.Purpose.CALLS)
    ContentType.objects.clear_cache()
    client = api_client_for(operator, token=True)

    # 1. the token with its user
    # 2-3. the user's permissions (own and through the role groups)
    # 4. the user's roles (scoping, masks)
    # 5. the content type of contacts (cached after the first time)
    # 6. the contacts on the number, with company, owner, last interaction and open tasks
    # 7. their consents
    # 8. the access log entry
    # 9. the day's count of records read in bulk, 10. the mass-viewing check
    with django_assert_max_num_queries(10):
        response = client.get(LOOKUP_URL, {"phone": "+79161234567"})

    assert len(response.json()["matches"]) == 5
    assert {m["open_tasks"] for m in response.json()["matches"]} == {3}

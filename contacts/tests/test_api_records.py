"""Phones, e-mails, interactions, purchases, consents and custom field definitions in the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from contacts.models import Consent, Contact, CustomField, Email, Interaction, Phone, Purchase
from contacts.tests.factories import (
    CompanyFactory,
    ConsentFactory,
    ContactFactory,
    InteractionFactory,
    PurchaseFactory,
)
from crm.models import AccessLog

pytestmark = pytest.mark.django_db

PHONES_URL = "/api/v1/phones/"
EMAILS_URL = "/api/v1/emails/"
INTERACTIONS_URL = "/api/v1/interactions/"
PURCHASES_URL = "/api/v1/purchases/"
CONSENTS_URL = "/api/v1/consents/"
CUSTOM_FIELDS_URL = "/api/v1/custom-fields/"


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- phones and e-mails --------------------------------------------------------------------


def test_phone_crud(api_client_for, manager):
    contact = ContactFactory(owner=manager, phone="+79161234567")
    first = contact.phones.get()
    client = api_client_for(manager, token=True)

    # when a second number is added as the primary one
    added = client.post(
        PHONES_URL,
        {
            "contact": contact.pk,
            "number": "8 (495) 765-43-21",
            "kind": "work",
            "make_primary": True,
        },
        format="json",
    )

    assert added.status_code == 201, added.json()
    body = added.json()
    assert (body["number"], body["kind"], body["is_primary"]) == ("+74957654321", "work", True)
    first.refresh_from_db()
    assert not first.is_primary

    # when it is changed, then removed
    changed = client.patch(f"{PHONES_URL}{body['id']}/", {"extension": "204"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["extension"] == "204"
    removed = client.delete(f"{PHONES_URL}{body['id']}/")

    # then the remaining one is primary again
    assert removed.status_code == 204
    first.refresh_from_db()
    assert first.is_primary
    assert _ids(client.get(PHONES_URL, {"contact": contact.pk})) == [first.pk]


def test_first_phone_of_a_company_is_primary(api_client_for, manager):
    company = CompanyFactory(owner=manager)

    response = api_client_for(manager, token=True).post(
        PHONES_URL, {"company": company.pk, "number": "+7 800 555-55-50"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["is_primary"] is True
    assert response.json()["company"] == company.pk


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"number": "12-34"}, "number"),
        ({"number": "8 916 123-45-67"}, "number"),  # already on this card
        ({"number": "+79031234567", "kind": "pager"}, "kind"),
    ],
)
def test_bad_phone(api_client_for, manager, payload, field):
    contact = ContactFactory(owner=manager, phone="+79161234567")

    response = api_client_for(manager, token=True).post(
        PHONES_URL, {"contact": contact.pk, **payload}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert contact.phones.count() == 1


def test_a_phone_needs_exactly_one_owner(api_client_for, manager):
    contact = ContactFactory(owner=manager)
    company = CompanyFactory(owner=manager)
    client = api_client_for(manager, token=True)

    neither = client.post(PHONES_URL, {"number": "+79161234567"}, format="json")
    both = client.post(
        PHONES_URL,
        {"number": "+79161234567", "contact": contact.pk, "company": company.pk},
        format="json",
    )

    assert neither.status_code == both.status_code == 400
    assert not Phone.objects.exists()


def test_phone_of_a_contact_not_seen(api_client_for, manager, manager2):
    theirs = ContactFactory(owner=manager2, phone="+79161234567")
    client = api_client_for(manager, token=True)

    added = client.post(PHONES_URL, {"contact": theirs.pk, "number": "+79031234567"}, format="json")
    opened = client.get(f"{PHONES_URL}{theirs.phones.get().pk}/")

    assert added.status_code == 400
    assert "contact" in added.json()["fields"]
    assert opened.status_code == 404
    assert _ids(client.get(PHONES_URL)) == []


def test_phone_cannot_move_to_another_contact(api_client_for, manager):
    contact = ContactFactory(owner=manager, phone="+79161234567")
    other = ContactFactory(owner=manager)
    phone = contact.phones.get()

    api_client_for(manager, token=True).patch(
        f"{PHONES_URL}{phone.pk}/", {"contact": other.pk}, format="json"
    )

    phone.refresh_from_db()
    assert phone.contact_id == contact.pk


def test_operator_reads_phones_of_one_contact_only(api_client_for, operator):
    contact = ContactFactory(phone="+79161234567")
    ContactFactory(phone="+79031234567")
    client = api_client_for(operator, token=True)

    assert client.get(PHONES_URL).status_code == 403
    assert client.get(EMAILS_URL).status_code == 403
    assert _ids(client.get(PHONES_URL, {"contact": contact.pk})) == [contact.phones.get().pk]


def test_operator_reading_one_contacts_records_is_a_card_view(api_client_for, operator, head):
    contact = ContactFactory(phone="+79161234567")
    for url in (PHONES_URL, EMAILS_URL, INTERACTIONS_URL, PURCHASES_URL, CONSENTS_URL):
        assert (
            api_client_for(operator, token=True).get(url, {"contact": contact.pk}).status_code
            == 200
        )
    api_client_for(head, token=True).get(PHONES_URL, {"contact": contact.pk})

    logs = AccessLog.objects.filter(action=AccessLog.Action.VIEW)
    assert {(log.user, log.object_id) for log in logs} == {(operator, str(contact.pk))}
    assert logs.count() == 5


def test_phones_filter_by_number_in_any_format(api_client_for, head):
    contact = ContactFactory(phone="+79161234567")
    ContactFactory(phone="+79031234567")
    client = api_client_for(head, token=True)

    response = client.get(PHONES_URL, {"number": "8 916 123 45 67"})

    assert _ids(response) == [contact.phones.get().pk]
    assert client.get(PHONES_URL, {"number": "12"}).status_code == 400


def test_marketer_cannot_use_the_phone_api(api_client_for, marketer):
    contact = ContactFactory(phone="+79161234567")

    assert (
        api_client_for(marketer, token=True).get(PHONES_URL, {"contact": contact.pk}).status_code
        == 403
    )


def test_email_crud(api_client_for, manager):
    contact = ContactFactory(owner=manager)
    client = api_client_for(manager, token=True)

    added = client.post(
        EMAILS_URL, {"contact": contact.pk, "address": " Olga@Example.RU "}, format="json"
    )
    duplicate = client.post(
        EMAILS_URL, {"contact": contact.pk, "address": "olga@example.ru"}, format="json"
    )
    bad = client.post(EMAILS_URL, {"contact": contact.pk, "address": "olga@"}, format="json")

    assert added.status_code == 201
    assert (added.json()["address"], added.json()["is_primary"]) == ("olga@example.ru", True)
    assert duplicate.status_code == 400
    assert list(duplicate.json()["fields"]) == ["address"]
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"address": ["“olga@” is not an e-mail address."]}
    assert client.delete(f"{EMAILS_URL}{added.json()['id']}/").status_code == 204
    assert not Email.objects.exists()


def test_phone_and_email_resources_are_masked_for_marketers(api_client_for, marketer):
    # A marketer who may also read phones still sees them masked.
    marketer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_phone", "view_email"])
    )
    contact = ContactFactory(phone="+79161234567", email="anna@example.ru")
    client = api_client_for(marketer, token=True)

    phones = client.get(PHONES_URL, {"contact": contact.pk}).json()["results"]
    emails = client.get(EMAILS_URL, {"contact": contact.pk}).json()["results"]

    assert [p["number"] for p in phones] == ["+7 916 ***-**-67"]
    assert [e["address"] for e in emails] == ["a***@example.ru"]


# --- interactions --------------------------------------------------------------------------


def test_interaction_is_recorded_once_per_external_id(api_client_for, operator):
    contact = ContactFactory()
    client = api_client_for(operator, token=True)
    call = {
        "contact": contact.pk,
        "kind": "call",
        "direction": "in",
        "channel": "pbx",
        "external_id": "call-0001",
        "duration_seconds": 95,
        "recording_url": "https://pbx.example.ru/rec/0001.mp3",
        "occurred_at": "2026-03-01T10:00:00+03:00",
    }

    first = client.post(INTERACTIONS_URL, call, format="json")
    again = client.post(INTERACTIONS_URL, call | {"duration_seconds": 96}, format="json")

    assert first.status_code == 201, first.json()
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Interaction.objects.filter(kind="call").count() == 1
    recorded = Interaction.objects.get(kind="call")
    assert (recorded.author, recorded.duration_seconds) == (operator, 95)


def test_same_external_id_on_another_channel_is_another_interaction(api_client_for, operator):
    contact = ContactFactory()
    client = api_client_for(operator, token=True)
    base = {"contact": contact.pk, "kind": "call", "external_id": "42"}

    assert (
        client.post(INTERACTIONS_URL, base | {"channel": "pbx-a"}, format="json").status_code == 201
    )
    assert (
        client.post(INTERACTIONS_URL, base | {"channel": "pbx-b"}, format="json").status_code == 201
    )


def test_interactions_without_external_id_are_all_kept(api_client_for, manager):
    contact = ContactFactory(owner=manager)
    client = api_client_for(manager, token=True)
    note = {"contact": contact.pk, "kind": "note", "body": "Перезвонить в пятницу"}

    assert client.post(INTERACTIONS_URL, note, format="json").status_code == 201
    assert client.post(INTERACTIONS_URL, note, format="json").status_code == 201
    assert contact.interactions.filter(kind="note").count() == 2


def test_recorded_interaction_of_a_contact_not_seen_is_not_shown(api_client_for, manager, manager2):
    theirs = ContactFactory(owner=manager2)
    InteractionFactory(contact=theirs, channel="pbx", external_id="x-1", body="secret")
    mine = ContactFactory(owner=manager)

    response = api_client_for(manager, token=True).post(
        INTERACTIONS_URL,
        {"contact": mine.pk, "kind": "call", "channel": "pbx", "external_id": "x-1"},
        format="json",
    )

    assert response.status_code == 409
    assert "secret" not in response.content.decode()
    assert Interaction.objects.filter(external_id="x-1").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "telegram"}, "kind"),
        ({"kind": "call", "occurred_at": "вчера"}, "occurred_at"),
        ({"kind": "call", "duration_seconds": -5}, "duration_seconds"),
        ({"kind": "call", "recording_url": "not a url"}, "recording_url"),
    ],
)
def test_bad_interaction(api_client_for, operator, payload, field):
    contact = ContactFactory()

    response = api_client_for(operator, token=True).post(
        INTERACTIONS_URL, {"contact": contact.pk, **payload}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not contact.interactions.exists()


def test_interactions_filter_by_contact_kind_and_date(api_client_for, head):
    contact = ContactFactory()
    now = timezone.now()
    call = InteractionFactory(contact=contact, kind="call", occurred_at=now)
    old_call = InteractionFactory(
        contact=contact, kind="call", occurred_at=now - dt.timedelta(days=10)
    )
    mail = InteractionFactory(contact=contact, kind="email", occurred_at=now - dt.timedelta(days=1))
    InteractionFactory(kind="call")
    client = api_client_for(head, token=True)

    def ids(**params):
        response = client.get(INTERACTIONS_URL, {"contact": contact.pk, **params})
        assert response.status_code == 200, response.json()
        return _ids(response)

    assert ids() == [call.pk, mail.pk, old_call.pk]  # newest first
    assert ids(kind="call") == [call.pk, old_call.pk]
    assert ids(kind=["call", "email"]) == [call.pk, mail.pk, old_call.pk]
    since = (now - dt.timedelta(days=2)).date().isoformat()
    assert ids(occurred_after=since) == [call.pk, mail.pk]
    assert ids(occurred_before=since) == [old_call.pk]


def test_interactions_are_scoped(api_client_for, manager, manager2, operator, marketer, supervisor):
    theirs = ContactFactory(owner=manager2)
    hidden = InteractionFactory(contact=theirs)
    mine = InteractionFactory(contact=ContactFactory(owner=manager))

    assert _ids(api_client_for(manager, token=True).get(INTERACTIONS_URL)) == [mine.pk]
    assert (
        api_client_for(manager, token=True).get(f"{INTERACTIONS_URL}{hidden.pk}/").status_code
        == 404
    )
    assert api_client_for(operator, token=True).get(INTERACTIONS_URL).status_code == 403
    on_card = api_client_for(operator, token=True).get(INTERACTIONS_URL, {"contact": theirs.pk})
    assert _ids(on_card) == [hidden.pk]
    assert api_client_for(marketer, token=True).get(INTERACTIONS_URL).status_code == 403
    assert set(_ids(api_client_for(supervisor, token=True).get(INTERACTIONS_URL))) == {
        hidden.pk,
        mine.pk,
    }


def test_interaction_list_query_count(api_client_for, head, django_assert_max_num_queries):
    contact = ContactFactory()
    for _ in range(60):
        InteractionFactory(contact=contact, author=head)
    client = api_client_for(head, token=True)

    # token, 2 x permissions, roles, one page with author and related type joined
    with django_assert_max_num_queries(5):
        response = client.get(INTERACTIONS_URL, {"contact": contact.pk, "page_size": 60})

    assert len(response.json()["results"]) == 60


# --- purchases -----------------------------------------------------------------------------


def test_purchase_is_recorded_once_and_updates_the_value(api_client_for, manager):
    contact = ContactFactory(owner=manager)
    client = api_client_for(manager, token=True)
    purchase = {
        "contact": contact.pk,
        "amount": "1990.00",
        "store": "shop-1",
        "external_id": "order-77",
        "items": [{"sku": "A-1", "qty": 2}],
    }

    first = client.post(PURCHASES_URL, purchase, format="json")
    again = client.post(PURCHASES_URL, purchase, format="json")
    other = client.post(
        PURCHASES_URL, purchase | {"external_id": "order-78", "amount": "10"}, format="json"
    )

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Purchase.objects.count() == 2
    contact.refresh_from_db()
    assert (contact.lifetime_value, contact.purchases_count) == (Decimal("2000.00"), 2)
    card = client.get(f"/api/v1/contacts/{contact.pk}/").json()
    assert (card["lifetime_value"], card["purchases_count"]) == ("2000.00", 2)
    assert contact.interactions.filter(kind="purchase").count() == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"currency": "RUBLES"}, "currency"),
    ],
)
def test_bad_purchase(api_client_for, manager, payload, field):
    contact = ContactFactory(owner=manager)

    response = api_client_for(manager, token=True).post(
        PURCHASES_URL, {"contact": contact.pk, "amount": "10", **payload}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Purchase.objects.exists()


def test_purchases_are_scoped(api_client_for, manager, manager2):
    mine = PurchaseFactory(contact=ContactFactory(owner=manager))
    PurchaseFactory(contact=ContactFactory(owner=manager2))

    assert _ids(api_client_for(manager, token=True).get(PURCHASES_URL)) == [mine.pk]


# --- consents ------------------------------------------------------------------------------


def test_consent_is_set_then_withdrawn(api_client_for, operator):
    contact = ContactFactory()
    client = api_client_for(operator, token=True)

    granted = client.post(
        CONSENTS_URL,
        {
            "contact": contact.pk,
            "purpose": "marketing_sms",
            "granted": True,
            "source": "call",
            "evidence": "Согласие получено устно, запись разговора call-0001",
        },
        format="json",
    )
    withdrawn = client.post(
        CONSENTS_URL,
        {"contact": contact.pk, "purpose": "marketing_sms", "granted": False},
        format="json",
    )

    assert granted.status_code == withdrawn.status_code == 200
    assert withdrawn.json()["id"] == granted.json()["id"]
    consent = Consent.objects.get()
    assert (consent.granted, consent.recorded_by) == (False, operator)
    subjects = list(contact.interactions.values_list("subject", flat=True))
    assert "Consent withdrawn: Marketing SMS" in subjects
    assert "Consent granted: Marketing SMS" in subjects


def test_bad_consent(api_client_for, operator):
    contact = ContactFactory()

    response = api_client_for(operator, token=True).post(
        CONSENTS_URL, {"contact": contact.pk, "purpose": "telepathy"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"purpose", "granted"}


def test_marketer_reads_consents_but_cannot_set_them(api_client_for, marketer):
    consent = ConsentFactory(purpose=Consent.Purpose.MARKETING_EMAIL, granted=True)
    client = api_client_for(marketer, token=True)

    listed = client.get(CONSENTS_URL, {"purpose": "marketing_email", "granted": "true"})
    posted = client.post(
        CONSENTS_URL,
        {"contact": consent.contact_id, "purpose": "marketing_email", "granted": False},
        format="json",
    )

    assert _ids(listed) == [consent.pk]
    assert posted.status_code == 403
    consent.refresh_from_db()
    assert consent.granted


def test_consents_are_scoped(api_client_for, manager, manager2):
    ConsentFactory(contact=ContactFactory(owner=manager2))

    assert _ids(api_client_for(manager, token=True).get(CONSENTS_URL)) == []


# --- custom field definitions --------------------------------------------------------------


def test_everyone_reads_custom_fields_admins_change_them(api_client_for, manager, admin_user):
    CustomField.objects.create(target="contact", code="segment", label="Segment", field_type="text")
    definition = {
        "target": "company",
        "code": "tier",
        "label": "Tier",
        "field_type": "choice",
        "choices": ["gold", "silver"],
    }

    listed = api_client_for(manager, token=True).get(CUSTOM_FIELDS_URL)
    denied = api_client_for(manager, token=True).post(CUSTOM_FIELDS_URL, definition, format="json")
    created = api_client_for(admin_user, token=True).post(
        CUSTOM_FIELDS_URL, definition, format="json"
    )

    assert [f["code"] for f in listed.json()] == ["segment"]
    assert denied.status_code == 403
    assert created.status_code == 201
    assert CustomField.objects.filter(code="tier", target="company").exists()


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ({"field_type": "choice", "choices": []}, "choices"),
        ({"field_type": "text", "choices": ["a"]}, "choices"),
        ({"field_type": "colour"}, "field_type"),
        ({"code": "segment"}, "non_field_errors"),  # taken for contacts
        ({"code": "not a slug"}, "code"),
    ],
)
def test_bad_custom_field_definition(api_client_for, admin_user, definition, field):
    CustomField.objects.create(target="contact", code="segment", label="Segment", field_type="text")

    response = api_client_for(admin_user, token=True).post(
        CUSTOM_FIELDS_URL,
        {"target": "contact", "code": "x", "label": "X", "field_type": "text", **definition},
        format="json",
    )

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert CustomField.objects.count() == 1


def test_deactivated_custom_field_does_not_block_updates(api_client_for, manager):
    field = CustomField.objects.create(target="contact", code="old", label="Old", field_type="text")
    CustomField.objects.create(target="contact", code="new", label="New", field_type="text")
    contact = ContactFactory(owner=manager, custom={"old": "kept"})
    field.is_active = False
    field.save()

    response = api_client_for(manager, token=True).patch(
        f"/api/v1/contacts/{contact.pk}/", {"custom": {"new": "value"}}, format="json"
    )

    assert response.status_code == 200, response.json()
    contact = Contact.objects.get(pk=contact.pk)
    assert contact.custom == {"old": "kept", "new": "value"}  # back when the field is

"""The contacts API through the whole stack: CRUD, bad input, duplicates, filters, search,
role scoping, masking, the access log and query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from contacts.models import Company, Consent, Contact, CustomField, Email, Interaction, Phone, Tag
from contacts.tests.factories import CompanyFactory, ConsentFactory, ContactFactory, PurchaseFactory
from crm.models import AccessLog, Role, Team
from crm.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONTACTS_URL = "/api/v1/contacts/"
COMPANIES_URL = "/api/v1/companies/"


def _url(pk: int) -> str:
    return f"{CONTACTS_URL}{pk}/"


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def custom_fields(db) -> dict[str, CustomField]:
    specs = [
        ("segment", CustomField.Type.CHOICE, ["retail", "b2b"]),
        ("budget", CustomField.Type.NUMBER, []),
        ("since", CustomField.Type.DATE, []),
        ("vip", CustomField.Type.BOOL, []),
        ("hobbies", CustomField.Type.MULTI, ["fishing", "chess", "tennis"]),
    ]
    return {
        code: CustomField.objects.create(
            target=CustomField.Target.CONTACT,
            code=code,
            label=code.title(),
            field_type=kind,
            choices=choices,
        )
        for code, kind, choices in specs
    }


# --- create, read, update ------------------------------------------------------------------


def test_contact_round_trip(api_client_for, manager, custom_fields):
    client = api_client_for(manager, token=True)
    company = CompanyFactory(owner=manager, name="ООО «Вектор»")

    # given a contact typed the way people type
    created = client.post(
        CONTACTS_URL,
        {
            "last_name": "Петрова",
            "first_name": "Анна",
            "position": "Закупщик",
            "company": company.pk,
            "source": "web_form",
            "preferred_channel": "sms",
            "birthday": "1990-05-17",
            "phones": [
                {"number": "8 (916) 123-45-67"},
                {"number": "+7 495 123-45-67", "kind": "work"},
            ],
            "emails": [{"address": "Anna.Petrova@Example.RU"}],
            "tags": ["VIP", "опт"],
            "custom": {"segment": "b2b", "budget": "150 000,50", "vip": "да"},
        },
        format="json",
    )

    # then it is stored normalised, owned by its creator
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["full_name"] == "Петрова Анна"
    assert body["company"] == company.pk
    assert body["company_name"] == "ООО «Вектор»"
    assert body["owner"] == manager.pk
    assert [(p["number"], p["kind"], p["is_primary"]) for p in body["phones"]] == [
        ("+79161234567", "mobile", True),
        ("+74951234567", "work", False),
    ]
    assert [e["address"] for e in body["emails"]] == ["anna.petrova@example.ru"]
    assert sorted(body["tags"]) == ["VIP", "опт"]
    assert body["custom"] == {"segment": "b2b", "budget": "150000.50", "vip": True}
    assert body["lifetime_value"] == "0.00"
    assert body["consents"] == []
    assert body["card_url"] == f"/contacts/{body['id']}/"

    # when it is read back, changed in part, then as a whole
    read = client.get(_url(body["id"])).json()
    assert read == body | {"updated_at": read["updated_at"]}

    patched = client.patch(
        _url(body["id"]),
        {"position": "Директор", "phones": [{"number": "79161112233"}], "custom": {"vip": False}},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["position"] == "Директор"
    assert [p["number"] for p in patched.json()["phones"]] == ["+79161112233"]
    assert patched.json()["emails"] == body["emails"]  # not sent: left alone
    assert patched.json()["custom"] == {"segment": "b2b", "budget": "150000.50", "vip": False}

    put = client.put(
        _url(body["id"]),
        {"last_name": "Петрова-Смирнова", "first_name": "Анна", "tags": ["опт"]},
        format="json",
    )
    assert put.status_code == 200, put.json()

    # then the database holds the last state
    contact = Contact.objects.get(pk=body["id"])
    assert contact.last_name == "Петрова-Смирнова"
    assert [t.name for t in contact.tags.all()] == ["опт"]
    assert list(contact.phones.values_list("number", flat=True)) == ["+79161112233"]
    assert contact.interactions.filter(kind=Interaction.Kind.SYSTEM).count() == 1


def test_customer_value_and_consents_are_read_only(api_client_for, manager):
    contact = ContactFactory(owner=manager, lifetime_value=Decimal("500.00"), purchases_count=2)
    ConsentFactory(contact=contact, purpose=Consent.Purpose.MARKETING_SMS, granted=False)
    client = api_client_for(manager, token=True)

    response = client.patch(
        _url(contact.pk),
        {"lifetime_value": "1000000", "purchases_count": 99, "consents": []},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["lifetime_value"] == "500.00"
    assert body["purchases_count"] == 2
    assert [(c["purpose"], c["granted"]) for c in body["consents"]] == [("marketing_sms", False)]


def test_owner_can_only_be_someone_the_user_assigns_work_to(api_client_for, manager, manager2):
    client = api_client_for(manager, token=True)

    response = client.post(
        CONTACTS_URL, {"last_name": "Орлов", "owner": manager2.pk}, format="json"
    )

    assert response.status_code == 400
    assert "owner" in response.json()["fields"]
    assert not Contact.objects.exists()


def test_head_gives_a_contact_to_a_manager_of_the_team(api_client_for, head, manager):
    contact = ContactFactory(owner=head)

    response = api_client_for(head, token=True).patch(
        _url(contact.pk), {"owner": manager.pk}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["owner"] == manager.pk
    assert response.json()["owner_name"] == manager.get_full_name()


def test_contact_cannot_be_deleted_through_the_api(api_client_for, admin_user):
    contact = ContactFactory()

    response = api_client_for(admin_user, token=True).delete(_url(contact.pk))

    assert response.status_code == 405
    assert Contact.objects.filter(pk=contact.pk).exists()


# --- bad input -----------------------------------------------------------------------------


def test_bad_input_names_every_field_and_creates_nothing(api_client_for, manager, custom_fields):
    client = api_client_for(manager, token=True)

    response = client.post(
        CONTACTS_URL,
        {
            "last_name": "Сидоров",
            "birthday": "1990-02-30",
            "phones": [{"number": "+79161234567"}, {"number": "12-34"}],
            "emails": [{"address": "not-an-address"}],
            "custom": {"budget": "много", "segment": "wholesale", "unknown": 1},
        },
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"status", "code", "detail", "fields"}
    assert body["code"] == "invalid"
    fields = body["fields"]
    assert set(fields) == {
        "birthday",
        "phones.1.number",
        "emails.0.address",
        "custom.budget",
        "custom.segment",
        "custom.unknown",
    }
    assert fields["phones.1.number"] == ["“12-34” is not a valid phone number."]
    assert fields["emails.0.address"] == ["“not-an-address” is not an e-mail address."]
    assert fields["custom.budget"] == ["Enter a number."]
    assert fields["custom.segment"] == ["“wholesale” is not one of the choices."]
    assert fields["custom.unknown"] == ["There is no such field."]
    assert not Contact.objects.exists()
    assert not Phone.objects.exists()
    assert not Tag.objects.exists()


@pytest.mark.parametrize(
    ("custom", "field", "message"),
    [
        ({"since": "31/12/2024"}, "custom.since", "Enter a date as YYYY-MM-DD or DD.MM.YYYY."),
        ({"vip": "perhaps"}, "custom.vip", "Enter yes or no."),
        ({"hobbies": ["chess", "golf"]}, "custom.hobbies", "“golf” is not one of the choices."),
    ],
)
def test_custom_value_of_the_wrong_type(
    api_client_for, manager, custom_fields, custom, field, message
):
    response = api_client_for(manager, token=True).post(
        CONTACTS_URL, {"last_name": "Лебедев", "custom": custom}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {field: [message]}
    assert not Contact.objects.exists()


def test_required_custom_field_is_asked_for(api_client_for, manager):
    CustomField.objects.create(
        target="contact", code="inn_person", label="INN", field_type="text", required=True
    )

    response = api_client_for(manager, token=True).post(
        CONTACTS_URL, {"last_name": "Лебедев"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"custom.inn_person": ["This field is required."]}


def test_a_contact_needs_a_name_a_phone_or_an_email(api_client_for, manager):
    response = api_client_for(manager, token=True).post(CONTACTS_URL, {}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "last_name": ["Give at least a name, a phone or an e-mail."]
    }


def test_bad_update_changes_nothing(api_client_for, manager):
    contact = ContactFactory(owner=manager, last_name="Прежний", phone="+79161234567")

    response = api_client_for(manager, token=True).patch(
        _url(contact.pk),
        {"last_name": "Новый", "phones": [{"number": "abc"}], "preferred_channel": "pigeon"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"phones.0.number", "preferred_channel"}
    contact.refresh_from_db()
    assert contact.last_name == "Прежний"
    assert list(contact.phones.values_list("number", flat=True)) == ["+79161234567"]


# --- duplicates ----------------------------------------------------------------------------


def test_existing_phone_answers_400_with_the_duplicates(api_client_for, manager):
    existing = ContactFactory(
        owner=manager, last_name="Ким", first_name="Ольга", phone="+79161234567"
    )
    client = api_client_for(manager, token=True)

    response = client.post(
        CONTACTS_URL,
        {"last_name": "Ким", "phones": [{"number": "8 916 123 45 67"}]},
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "duplicate"
    assert body["duplicates"] == [existing.pk]
    assert body["fields"]["non_field_errors"] == [
        f"A contact with this phone or e-mail already exists: Ким Ольга (#{existing.pk})"
    ]
    assert Contact.objects.count() == 1


def test_existing_email_in_another_case_is_a_duplicate(api_client_for, manager):
    existing = ContactFactory(owner=manager, email="olga@example.ru")

    response = api_client_for(manager, token=True).post(
        CONTACTS_URL, {"emails": [{"address": "OLGA@example.ru"}]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["duplicates"] == [existing.pk]


def test_duplicate_the_user_cannot_open_is_not_named(api_client_for, manager, manager2):
    theirs = ContactFactory(owner=manager2, last_name="Чужой", phone="+79161234567")

    response = api_client_for(manager, token=True).post(
        CONTACTS_URL, {"last_name": "Мой", "phones": [{"number": "+79161234567"}]}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["duplicates"] == [theirs.pk]
    assert "Чужой" not in body["fields"]["non_field_errors"][0]
    assert f"#{theirs.pk}" in body["fields"]["non_field_errors"][0]


def test_allow_duplicate_creates_anyway(api_client_for, manager):
    ContactFactory(owner=manager, phone="+79161234567")

    response = api_client_for(manager, token=True).post(
        f"{CONTACTS_URL}?allow_duplicate=true",
        {"last_name": "Двойник", "phones": [{"number": "+79161234567"}]},
        format="json",
    )

    assert response.status_code == 201
    assert Phone.objects.filter(number="+79161234567").count() == 2


# --- who sees what -------------------------------------------------------------------------


@pytest.fixture
def two_teams(manager, manager2):
    """Two contacts of each manager, and one without an owner."""
    return {
        "mine": [ContactFactory(owner=manager) for _ in range(2)],
        "theirs": [ContactFactory(owner=manager2) for _ in range(2)],
        "nobody": [ContactFactory(owner=None)],
    }


def _all_ids(two_teams) -> set[int]:
    return {c.pk for group in two_teams.values() for c in group}


def test_manager_lists_only_their_contacts(api_client_for, manager, two_teams):
    response = api_client_for(manager, token=True).get(CONTACTS_URL)

    assert response.status_code == 200
    assert set(_ids(response)) == {c.pk for c in two_teams["mine"]}


def test_manager_sees_the_team_when_the_team_says_so(api_client_for, manager, head, two_teams):
    Team.objects.filter(pk=manager.team_id).update(visibility=Team.Visibility.TEAM)
    headed = ContactFactory(owner=head)

    response = api_client_for(manager, token=True).get(CONTACTS_URL)

    assert set(_ids(response)) == {c.pk for c in two_teams["mine"]} | {headed.pk}


@pytest.mark.parametrize("role", ["head", "supervisor", "marketer", "admin_user"])
def test_roles_that_see_the_whole_base(request, api_client_for, role, two_teams):
    user = request.getfixturevalue(role)

    response = api_client_for(user, token=True).get(CONTACTS_URL)

    assert response.status_code == 200
    assert set(_ids(response)) == _all_ids(two_teams)


def test_contact_of_another_team_is_not_found(api_client_for, manager, two_teams):
    client = api_client_for(manager, token=True)
    theirs = two_teams["theirs"][0]

    assert client.get(_url(theirs.pk)).status_code == 404
    assert client.patch(_url(theirs.pk), {"last_name": "X"}, format="json").status_code == 404
    assert client.put(_url(theirs.pk), {"last_name": "X"}, format="json").status_code == 404
    theirs.refresh_from_db()
    assert theirs.last_name != "X"
    assert not AccessLog.objects.exists()


def test_merged_away_contact_is_not_found(api_client_for, head):
    kept = ContactFactory()
    dropped = ContactFactory(merged_into=kept)

    assert api_client_for(head, token=True).get(_url(dropped.pk)).status_code == 404


def test_operator_cannot_list_the_base(api_client_for, operator, two_teams):
    response = api_client_for(operator, token=True).get(CONTACTS_URL)

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert "search" in body["detail"]


def test_operator_finds_opens_and_updates_any_caller(api_client_for, operator, two_teams):
    theirs = two_teams["theirs"][0]
    client = api_client_for(operator, token=True)

    found = client.get(CONTACTS_URL, {"search": theirs.last_name})
    opened = client.get(_url(theirs.pk))
    updated = client.patch(_url(theirs.pk), {"interests": "рыбалка"}, format="json")

    assert found.status_code == 200
    assert theirs.pk in _ids(found)
    assert opened.status_code == 200
    assert updated.status_code == 200
    assert updated.json()["interests"] == "рыбалка"


def test_operator_search_answers_one_page_of_20(api_client_for, operator):
    for i in range(25):
        ContactFactory(last_name="Кузнецов", first_name=f"Иван{i}")
    client = api_client_for(operator, token=True)

    response = client.get(CONTACTS_URL, {"search": "Кузнецов", "page_size": 500})

    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 20
    assert body["next"] is None
    log = AccessLog.objects.get(action=AccessLog.Action.SEARCH)
    assert (log.user, log.query, log.record_count) == (operator, "Кузнецов", 20)


def test_search_with_the_list_permission_follows_page_size(api_client_for, head):
    for i in range(25):
        ContactFactory(last_name="Кузнецов", first_name=f"Иван{i}")

    response = api_client_for(head, token=True).get(
        CONTACTS_URL, {"search": "Кузнецов", "page_size": 25}
    )

    assert len(response.json()["results"]) == 25


@pytest.mark.parametrize("role", ["marketer", "supervisor"])
def test_read_only_roles_cannot_change_contacts(request, api_client_for, role):
    user = request.getfixturevalue(role)
    contact = ContactFactory(last_name="Прежний")
    client = api_client_for(user, token=True)

    assert client.patch(_url(contact.pk), {"last_name": "X"}, format="json").status_code == 403
    assert client.post(CONTACTS_URL, {"last_name": "X"}, format="json").status_code == 403
    contact.refresh_from_db()
    assert contact.last_name == "Прежний"


def test_anonymous_gets_401(api_client):
    assert api_client.get(CONTACTS_URL).status_code == 401


# --- masking -------------------------------------------------------------------------------


def test_marketer_sees_masked_phones_and_emails(api_client_for, marketer):
    contact = ContactFactory(phone="+79161234567", email="anna@example.ru")
    client = api_client_for(marketer, token=True)

    listed = client.get(CONTACTS_URL).json()["results"][0]
    opened = client.get(_url(contact.pk)).json()

    for body in (listed, opened):
        assert [p["number"] for p in body["phones"]] == ["+7 916 ***-**-67"]
        assert [e["address"] for e in body["emails"]] == ["a***@example.ru"]
    assert "1234567" not in str(client.get(CONTACTS_URL, {"search": "+79161234567"}).json())


def test_manager_sees_phones_in_clear(api_client_for, manager):
    contact = ContactFactory(owner=manager, phone="+79161234567")

    body = api_client_for(manager, token=True).get(_url(contact.pk)).json()

    assert body["phones"][0]["number"] == "+79161234567"


def test_marketer_with_another_role_sees_in_clear(api_client_for):
    user = UserFactory(roles=[Role.MARKETER, Role.MANAGER])
    contact = ContactFactory(owner=user, phone="+79161234567")

    body = api_client_for(user, token=True).get(_url(contact.pk)).json()

    assert body["phones"][0]["number"] == "+79161234567"


# --- the access log ------------------------------------------------------------------------


def test_every_retrieve_is_written_to_the_access_log(api_client_for, operator):
    contact = ContactFactory(last_name="Смирнов")
    client = api_client_for(operator, token=True)

    client.get(_url(contact.pk), REMOTE_ADDR="10.1.2.3")
    client.get(_url(contact.pk), REMOTE_ADDR="10.1.2.3")

    logs = AccessLog.objects.filter(action=AccessLog.Action.VIEW)
    assert logs.count() == 2
    log = logs.first()
    assert (log.user, log.object_id, log.ip_address) == (operator, str(contact.pk), "10.1.2.3")
    assert log.content_type.model_class() is Contact


def test_list_and_update_are_not_card_views(api_client_for, manager):
    contact = ContactFactory(owner=manager)
    client = api_client_for(manager, token=True)

    client.get(CONTACTS_URL)
    client.patch(_url(contact.pk), {"position": "CEO"}, format="json")

    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW).exists()


# --- filters, search, ordering -------------------------------------------------------------


def test_filters(api_client_for, head, manager, custom_fields):
    company = CompanyFactory()
    old = timezone.now() - dt.timedelta(days=40)
    a = ContactFactory(
        owner=manager,
        company=company,
        source="call",
        created_at=old,
        custom={"segment": "b2b", "budget": "1500", "since": "2023-01-10", "vip": True},
        lifetime_value=Decimal("1500"),
        purchases_count=2,
    )
    a.tags.set([Tag.objects.create(name="VIP")])
    b = ContactFactory(
        owner=head,
        source="web_form",
        custom={"segment": "retail", "budget": "90.5", "hobbies": ["chess", "tennis"]},
        lifetime_value=Decimal("90.50"),
        purchases_count=1,
    )
    b.tags.set([Tag.objects.create(name="опт")])
    c = ContactFactory(owner=head, source="web_form")
    client = api_client_for(head, token=True)

    def ids(**params) -> set[int]:
        response = client.get(CONTACTS_URL, params)
        assert response.status_code == 200, response.json()
        return set(_ids(response))

    assert ids(owner=manager.pk) == {a.pk}
    assert ids(company=company.pk) == {a.pk}
    assert ids(source="web_form") == {b.pk, c.pk}
    assert ids(tag="vip") == {a.pk}
    assert ids(tag="vip,ОПТ") == {a.pk, b.pk}
    assert ids(created_before=(old + dt.timedelta(days=1)).date().isoformat()) == {a.pk}
    assert ids(created_after=timezone.now().date().isoformat()) == {b.pk, c.pk}
    assert ids(has_purchases="true") == {a.pk, b.pk}
    assert ids(has_purchases="false") == {c.pk}
    assert ids(ltv_min="100") == {a.pk}
    assert ids(ltv_min="50", ltv_max="100") == {b.pk}
    assert ids(**{"custom.segment": "b2b"}) == {a.pk}
    assert ids(**{"custom.vip": "да"}) == {a.pk}
    assert ids(**{"custom.hobbies": "chess"}) == {b.pk}
    assert ids(**{"custom.budget": "1500.00"}) == {a.pk}
    assert ids(**{"custom.budget__gte": "100"}) == {a.pk}
    assert ids(**{"custom.budget__lte": "100"}) == {b.pk}
    assert ids(**{"custom.since__gte": "2023-01-01"}) == {a.pk}
    assert ids(**{"custom.since__lte": "01.01.2023"}) == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"custom.nope": "1"}, "custom.nope"),
        ({"custom.budget": "много"}, "custom.budget"),
        ({"custom.segment__gte": "b2b"}, "custom.segment__gte"),
        ({"created_after": "вчера"}, "created"),
        ({"ltv_min": "много"}, "ltv"),
        ({"owner": "me"}, "owner"),
    ],
)
def test_bad_filters_answer_400(api_client_for, head, custom_fields, params, field):
    response = api_client_for(head, token=True).get(CONTACTS_URL, params)

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_ordering(api_client_for, head):
    rows = [
        ContactFactory(last_name="Бобров", lifetime_value=Decimal("10")),
        ContactFactory(last_name="Абрамов", lifetime_value=Decimal("30")),
        ContactFactory(last_name="Воронов", lifetime_value=Decimal("20")),
    ]
    client = api_client_for(head, token=True)

    def order(ordering: str) -> list[int]:
        return _ids(client.get(CONTACTS_URL, {"ordering": ordering}))

    assert order("last_name") == [rows[1].pk, rows[0].pk, rows[2].pk]
    assert order("-lifetime_value") == [rows[1].pk, rows[2].pk, rows[0].pk]
    assert order("created_at") == [r.pk for r in rows]
    assert _ids(client.get(CONTACTS_URL)) == [r.pk for r in reversed(rows)]


def test_cursor_pages_through_the_base(api_client_for, head):
    made = [ContactFactory().pk for _ in range(7)]
    client = api_client_for(head, token=True)

    seen, url = [], CONTACTS_URL + "?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    assert seen == sorted(made, reverse=True)


@pytest.mark.parametrize(
    "query",
    ["8 (916) 123-45-67", "+7 916 1234567", "79161234567", "ANNA@example.ru", "Петрва Анна"],
)
def test_search_by_phone_email_or_name(api_client_for, head, query):
    wanted = ContactFactory(
        last_name="Петрова", first_name="Анна", phone="+79161234567", email="anna@example.ru"
    )
    ContactFactory(last_name="Иванов", first_name="Пётр", phone="+79031234567")

    response = api_client_for(head, token=True).get(CONTACTS_URL, {"search": query})

    assert response.status_code == 200
    assert _ids(response) == [wanted.pk]


def test_search_by_company_inn(api_client_for, head):
    company = CompanyFactory(inn="7707083893")
    wanted = ContactFactory(company=company)
    ContactFactory()

    response = api_client_for(head, token=True).get(CONTACTS_URL, {"search": "7707083893"})

    assert _ids(response) == [wanted.pk]


def test_search_stays_within_what_the_user_sees(api_client_for, manager, manager2):
    ContactFactory(owner=manager2, last_name="Чужакова", phone="+79161234567")

    client = api_client_for(manager, token=True)

    assert _ids(client.get(CONTACTS_URL, {"search": "Чужакова"})) == []
    assert _ids(client.get(CONTACTS_URL, {"search": "+79161234567"})) == []


def test_search_and_filters_combine(api_client_for, head, manager):
    mine = ContactFactory(owner=manager, last_name="Соколов")
    ContactFactory(owner=head, last_name="Соколов")

    response = api_client_for(head, token=True).get(
        CONTACTS_URL, {"search": "Соколов", "owner": manager.pk}
    )

    assert _ids(response) == [mine.pk]


# --- query counts --------------------------------------------------------------------------


@pytest.fixture
def sixty_contacts(manager):
    tags = [Tag.objects.create(name=f"tag{i}") for i in range(3)]
    company = CompanyFactory(owner=manager)
    for i in range(60):
        contact = ContactFactory(
            owner=manager, company=company if i % 2 else None, phone=f"+7916{i:07d}"
        )
        Phone.objects.create(contact=contact, number=f"+7495{i:07d}", kind="work")
        Email.objects.create(contact=contact, address=f"c{i}@example.ru")
        contact.tags.set(tags[: i % 4])
        ConsentFactory(contact=contact)
    return manager


def test_list_query_count(api_client_for, sixty_contacts, django_assert_max_num_queries):
    client = api_client_for(sixty_contacts, token=True)

    # 1. the token with its user
    # 2-3. the user's permissions (own and through the role groups)
    # 4. the user's roles (scoping, masks)
    # 5. whether the team shares its contacts
    # 6. one page of contacts with company and owner joined
    # 7-10. their phones, e-mails, tags and consents
    # 11. the access log's content type (once per process), 12. the access log row
    # 13. the day's count of records read in bulk (one upsert against the cap)
    # 14. the mass-viewing check (one aggregate over the last hour of the access log)
    with django_assert_max_num_queries(14):
        response = client.get(CONTACTS_URL, {"page_size": 60})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 60
    assert all(len(r["phones"]) == 2 and len(r["emails"]) == 1 for r in rows)


def test_search_query_count(api_client_for, sixty_contacts, django_assert_max_num_queries):
    client = api_client_for(sixty_contacts, token=True)

    # the list's 10, plus the search itself (which asks about the team again, for its own
    # scope) and the access log entry, the day's bulk-read count and the mass-viewing check
    with django_assert_max_num_queries(15):
        response = client.get(CONTACTS_URL, {"search": "c5@example.ru"})

    assert len(response.json()["results"]) == 1


def test_retrieve_query_count(api_client_for, sixty_contacts, django_assert_max_num_queries):
    contact = Contact.objects.filter(owner=sixty_contacts, company__isnull=False).first()
    for _ in range(30):
        PurchaseFactory(contact=contact)
    client = api_client_for(sixty_contacts, token=True)

    # token, 2 x permissions, roles, team, the contact with its joins, phones, e-mails,
    # consents, tags, then the access log: its content type, its row, the mass-viewing count
    with django_assert_max_num_queries(15):
        response = client.get(_url(contact.pk))

    assert response.status_code == 200


# --- companies -----------------------------------------------------------------------------


def test_company_round_trip(api_client_for, manager):
    client = api_client_for(manager, token=True)

    created = client.post(
        COMPANIES_URL,
        {
            "name": "ПАО Сбербанк",
            "inn": "7707083893",
            "kpp": "773601001",
            "ogrn": "1027700132195",
            "phones": [{"number": "8 800 555-55-50", "kind": "work"}],
            "tags": ["банк"],
        },
        format="json",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["owner"] == manager.pk
    assert body["phones"][0]["number"] == "+78005555550"
    updated = client.patch(f"{COMPANIES_URL}{body['id']}/", {"industry": "Банки"}, format="json")
    assert updated.status_code == 200
    assert client.get(f"{COMPANIES_URL}{body['id']}/").json()["industry"] == "Банки"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("inn", "7707083894", "This INN has a wrong check digit."),
        ("inn", "12345", "INN must be 10 or 12 digits."),
        ("ogrn", "1027700132196", "This OGRN has a wrong check digit."),
        ("kpp", "77", "KPP must be 9 characters: 4 digits, 2 digits or letters, 3 digits."),
        ("website", "not a url", "Enter a valid URL."),
    ],
)
def test_company_bad_registration_numbers(api_client_for, manager, field, value, message):
    response = api_client_for(manager, token=True).post(
        COMPANIES_URL, {"name": "ООО Ошибка", field: value}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {field: [message]}
    assert not Company.objects.exists()


def test_companies_are_scoped(api_client_for, manager, manager2, operator):
    mine = CompanyFactory(owner=manager, name="Моя")
    theirs = CompanyFactory(owner=manager2, name="Чужая")
    via_person = CompanyFactory(owner=None, name="Через клиента")
    ContactFactory(owner=manager, company=via_person)

    listed = api_client_for(manager, token=True).get(COMPANIES_URL)

    assert set(_ids(listed)) == {mine.pk, via_person.pk}
    assert (
        api_client_for(manager, token=True).get(f"{COMPANIES_URL}{theirs.pk}/").status_code == 404
    )
    assert api_client_for(operator, token=True).get(COMPANIES_URL).status_code == 403
    found = api_client_for(operator, token=True).get(COMPANIES_URL, {"search": "Чужая"})
    assert _ids(found) == [theirs.pk]


def test_only_admins_delete_companies(api_client_for, admin_user, head):
    company = CompanyFactory(owner=head)
    person = ContactFactory(company=company)

    assert (
        api_client_for(head, token=True).delete(f"{COMPANIES_URL}{company.pk}/").status_code == 403
    )
    response = api_client_for(admin_user, token=True).delete(f"{COMPANIES_URL}{company.pk}/")

    assert response.status_code == 204
    assert not Company.objects.exists()
    person.refresh_from_db()
    assert person.company is None

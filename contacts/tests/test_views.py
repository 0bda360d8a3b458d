"""Staff pages of the customer base through the whole stack: role scoping, forms, the card."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts import hooks
from contacts.models import (
    Company,
    Consent,
    Contact,
    ContactMerge,
    CustomField,
    Interaction,
    Phone,
    Source,
    Tag,
)
from contacts.tests.factories import (
    CompanyFactory,
    ConsentFactory,
    ContactFactory,
    InteractionFactory,
    PurchaseFactory,
)
from crm.models import AccessLog

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def card(contact) -> str:
    return reverse("contacts:contact-detail", args=[contact.pk])


def management(prefix: str, total: int = 1) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }


def contact_post(**fields) -> dict:
    data = {
        **management("phones"),
        **management("emails"),
        "last_name": "Петров",
        "first_name": "Пётр",
        "phones-0-number": "",
        "phones-0-kind": "mobile",
        "emails-0-address": "",
        "emails-0-kind": "work",
        "source": "",
        "preferred_channel": "",
        "language": "ru",
    }
    data.update(fields)
    return data


# --- who sees what -------------------------------------------------------------------------


def test_manager_cannot_open_a_contact_of_another_team_by_its_id(client, manager, manager2):
    # given a client of a manager in another team
    theirs = ContactFactory(owner=manager2, phone="+79161234567")
    client.force_login(manager)

    # when the manager types its id into the address bar
    response = client.get(card(theirs))

    # then the contact does not exist for them: 404, not 403, and nothing of it is shown
    assert response.status_code == 404
    assert theirs.last_name not in response.content.decode()
    assert not AccessLog.objects.filter(user=manager, object_id=str(theirs.pk)).exists()
    for name in ("contact-edit", "contact-timeline"):
        assert client.get(reverse(f"contacts:{name}", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("contacts:note-add", args=[theirs.pk]), {"body": "hi"})
    assert response.status_code == 404


def test_manager_opens_their_own_client(client, manager):
    mine = ContactFactory(owner=manager)
    client.force_login(manager)

    response = client.get(card(mine))

    assert response.status_code == 200
    assert mine.last_name in response.content.decode()


def test_operator_opens_any_card_but_cannot_list_the_base(client, operator, manager2):
    someone = ContactFactory(owner=manager2, phone="+79161234567")
    client.force_login(operator)

    assert client.get(card(someone)).status_code == 200
    listing = client.get(reverse("contacts:contact-list"))
    assert listing.status_code == 403
    assert "Access denied" in listing.content.decode()
    assert client.get(reverse("contacts:company-list")).status_code == 403
    assert client.get(reverse("contacts:duplicate-list")).status_code == 403
    # and the navigation does not offer the list to them
    home = client.get("/").content.decode()
    assert reverse("contacts:contact-list") not in home


def test_navigation_leads_managers_to_the_list(client, manager):
    client.force_login(manager)

    home = client.get("/").content.decode()

    assert f'href="{reverse("contacts:contact-list")}"' in home
    assert "/area/contacts/" not in home


def test_marketer_sees_masked_phones_and_emails(client, marketer, manager):
    contact = ContactFactory(owner=manager, phone="+79161234567", email="anna@example.ru")
    client.force_login(marketer)

    page = client.get(card(contact)).content.decode()
    listing = client.get(reverse("contacts:contact-list")).content.decode()

    for html in (page, listing):
        assert "+7 916 ***-**-67" in html
        assert "+7 916 123-45-67" not in html
        assert "tel:+79161234567" not in html
        assert "a***@example.ru" in html
        assert "anna@example.ru" not in html


def test_manager_sees_phones_in_clear_as_call_links(client, manager):
    contact = ContactFactory(owner=manager, phone="+79161234567")
    client.force_login(manager)

    page = client.get(card(contact)).content.decode()

    assert 'href="tel:+79161234567"' in page
    assert "+7 916 123-45-67" in page


def test_every_card_view_goes_to_the_access_log(client, head):
    contact = ContactFactory()
    client.force_login(head)

    client.get(card(contact))
    client.get(card(contact))

    views = AccessLog.objects.filter(
        user=head, action=AccessLog.Action.VIEW, object_id=str(contact.pk)
    )
    assert views.count() == 2


def test_a_merged_away_contact_redirects_to_the_kept_one(client, head):
    kept, dropped = ContactFactory(), ContactFactory()
    Contact.objects.filter(pk=dropped.pk).update(merged_into=kept)
    client.force_login(head)

    response = client.get(card(dropped))

    assert response.status_code == 302
    assert response["Location"] == card(kept)


def test_a_merged_away_contact_of_another_team_is_still_not_found(client, manager, manager2):
    kept, dropped = ContactFactory(owner=manager2), ContactFactory(owner=manager2)
    Contact.objects.filter(pk=dropped.pk).update(merged_into=kept)
    client.force_login(manager)

    assert client.get(card(dropped)).status_code == 404


# --- the contacts list ---------------------------------------------------------------------


def test_list_shows_the_columns(client, head, manager):
    company = CompanyFactory(name="ООО «Вектор»")
    contact = ContactFactory(
        owner=manager,
        company=company,
        phone="+79161234567",
        email="ivan@vector.ru",
        lifetime_value=125000,
    )
    client.force_login(head)

    html = client.get(reverse("contacts:contact-list")).content.decode()

    assert contact.last_name in html
    assert "ООО «Вектор»" in html or "ООО «Вектор»" in html.replace("&laquo;", "«")
    assert "+7 916 123-45-67" in html
    assert "ivan@vector.ru" in html
    assert str(manager) in html
    assert "125" in html


def test_manager_lists_only_their_clients(client, manager, manager2):
    ContactFactory(owner=manager, last_name="Своих")
    ContactFactory(owner=manager2, last_name="Чужих")
    client.force_login(manager)

    html = client.get(reverse("contacts:contact-list")).content.decode()

    assert "Своих" in html
    assert "Чужих" not in html


def test_list_pages_by_keyset_without_gaps_or_repeats(client, head):
    ContactFactory.create_batch(63)
    client.force_login(head)
    seen: list[int] = []
    url = reverse("contacts:contact-list")

    for sort in ("new", "name", "ltv"):
        seen.clear()
        next_url = f"{url}?sort={sort}"
        pages = 0
        while next_url:
            response = client.get(next_url)
            assert response.status_code == 200
            seen += [c.pk for c in response.context["contacts"]]
            next_url = response.context["next_url"]
            pages += 1
        assert pages == 2
        assert len(seen) == 63
        assert len(set(seen)) == 63


def test_a_broken_cursor_starts_from_the_first_page(client, head):
    ContactFactory.create_batch(3)
    client.force_login(head)

    for after in ("garbage", "WyJ4Il0", "WyJ4IiwieSIsInoiXQ"):
        response = client.get(reverse("contacts:contact-list"), {"sort": "name", "after": after})
        assert response.status_code == 200
        assert len(response.context["contacts"]) == 3


def test_list_filters(client, head, manager, operator):
    # given contacts that differ in each filtered property
    vip = Tag.objects.create(name="VIP")
    company = CompanyFactory()
    CustomField.objects.create(
        target="contact",
        code="segment",
        label="Segment",
        field_type="choice",
        choices=["b2b", "b2c"],
    )
    CustomField.objects.create(target="contact", code="loyal", label="Loyal", field_type="bool")
    match = ContactFactory(
        owner=manager,
        company=company,
        source=Source.REFERRAL,
        custom={"segment": "b2b", "loyal": True},
    )
    match.tags.add(vip)
    ContactFactory(owner=manager, company=company, source=Source.CALL, custom={"segment": "b2b"})
    ContactFactory(owner=operator, source=Source.REFERRAL, custom={"segment": "b2c"})
    client.force_login(head)
    url = reverse("contacts:contact-list")

    def found(**params) -> set[int]:
        response = client.get(url, params)
        assert response.status_code == 200, response.context["form"].errors
        return {c.pk for c in response.context["contacts"]}

    assert match.pk in found(owner=manager.pk)
    assert len(found(owner=manager.pk)) == 2
    assert len(found(company=company.pk)) == 2
    assert found(source="referral", company=company.pk) == {match.pk}
    assert found(tag=vip.pk) == {match.pk}
    assert len(found(cf_segment="b2b")) == 2
    assert found(cf_segment="b2b", cf_loyal="yes") == {match.pk}
    assert found(q=match.last_name, source="referral") == {match.pk}


def test_list_offers_import_and_an_export_of_its_filters(client, head, operator):
    client.force_login(head)

    html = client.get(reverse("contacts:contact-list"), {"source": "call"}).content.decode()

    assert reverse("contacts:import-upload") in html
    assert f"{reverse('contacts:export')}?format=csv&amp;source=call" in html


def test_a_bad_filter_value_is_a_field_error(client, head):
    client.force_login(head)

    response = client.get(reverse("contacts:contact-list"), {"owner": "999999"})

    assert response.status_code == 400
    assert "owner" in response.context["form"].errors


def test_list_search_finds_a_phone_typed_in_another_format(client, head):
    contact = ContactFactory(phone="+79161234567")
    ContactFactory.create_batch(3)
    client.force_login(head)

    response = client.get(reverse("contacts:contact-list"), {"q": "8 (916) 123-45-67"})

    assert [c.pk for c in response.context["contacts"]] == [contact.pk]
    assert not response.context["next_url"]


@pytest.fixture
def crowded_base(manager, manager2, head):
    """60+ contacts with a company, an owner, two phones, an e-mail and tags each."""
    companies = CompanyFactory.create_batch(5)
    tags = [Tag.objects.create(name=f"tag-{i}") for i in range(3)]
    for i in range(65):
        contact = ContactFactory(
            owner=manager if i % 2 else manager2,
            company=companies[i % 5],
            phone=f"+7916{i:07d}",
            email=f"client{i}@example.ru",
            lifetime_value=i * 1000,
        )
        Phone.objects.create(contact=contact, number=f"+7495{i:07d}", kind="work")
        contact.tags.add(*tags[: 1 + i % 3])
    CustomField.objects.create(target="contact", code="segment", label="Segment", field_type="text")
    return companies


def test_list_answers_in_a_fixed_number_of_queries(
    client, head, crowded_base, django_assert_max_num_queries
):
    client.force_login(head)
    url = reverse("contacts:contact-list")

    # 1. the session
    # 2. the signed-in user
    # 3-4. their permissions (own and through groups), once per request
    # 5. their role groups (scoping, masks, the layout's role labels)
    # 6. the custom field definitions (filters)
    # 7. the responsible managers (filter)
    # 8. the tags (filter)
    # 9. one page of contacts with company and owner joined in
    # 10. their phones, 11. their e-mails, 12. their tags
    # 13. the access log's content type (once per process), 14. the access log row
    # 15. the day's count of records read in bulk (one upsert against the cap)
    # 16. the mass-viewing check (one aggregate over the last hour of the access log)
    with django_assert_max_num_queries(16):
        response = client.get(url, {"sort": "ltv"})
    assert len(response.context["contacts"]) == 50

    with django_assert_max_num_queries(16):
        response = client.get(response.context["next_url"])
    assert len(response.context["contacts"]) == 15


def test_list_of_a_manager_in_a_fixed_number_of_queries(
    client, manager, crowded_base, django_assert_max_num_queries
):
    client.force_login(manager)

    # the same sixteen, plus 17. the manager's team (does it share clients?)
    with django_assert_max_num_queries(17):
        response = client.get(reverse("contacts:contact-list"))

    assert len(response.context["contacts"]) == 32


def test_search_in_the_list_in_a_fixed_number_of_queries(
    client, head, crowded_base, django_assert_max_num_queries
):
    client.force_login(head)

    # the sixteen of the list, with the search query before the page
    with django_assert_max_num_queries(17):
        response = client.get(reverse("contacts:contact-list"), {"q": "+7 916 000-00-17"})

    assert len(response.context["contacts"]) == 1


def test_company_list_in_a_fixed_number_of_queries(
    client, head, crowded_base, django_assert_max_num_queries
):
    CompanyFactory.create_batch(60)
    client.force_login(head)

    # session, user, 2 × permissions, role groups, custom fields, owners, tags (filters),
    # the page of companies with owners, their phones, e-mails and tags, the people counts,
    # the access log's content type and its row, the day's bulk-read count, the mass-viewing
    # check
    with django_assert_max_num_queries(17):
        response = client.get(reverse("contacts:company-list"))

    assert response.status_code == 200
    assert len(response.context["companies"]) == 50
    assert response.context["next_url"]


# --- the 360° card -------------------------------------------------------------------------


def test_card_shows_the_whole_client(client, head, manager):
    company = CompanyFactory(name="Вектор")
    contact = ContactFactory(
        owner=manager,
        company=company,
        position="Директор",
        phone="+79161234567",
        email="ivan@vector.ru",
        lifetime_value=54000,
        purchases_count=3,
        last_purchase_at=timezone.now(),
        rfm_recency=5,
        rfm_frequency=4,
        rfm_monetary=3,
        custom={"segment": "b2b"},
    )
    CustomField.objects.create(target="contact", code="segment", label="Сегмент", field_type="text")
    contact.tags.add(Tag.objects.create(name="VIP"))
    ConsentFactory(
        contact=contact, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True, source="web form"
    )
    InteractionFactory(
        contact=contact,
        kind=Interaction.Kind.CALL,
        duration_seconds=125,
        recording_url="https://pbx.example.com/rec/1.mp3",
        subject="Вопрос о доставке",
    )
    client.force_login(head)

    html = client.get(card(contact)).content.decode()

    for text in (
        "Директор",
        "Вектор",
        "VIP",
        str(manager),
        "+7 916 123-45-67",
        "ivan@vector.ru",
        "54",
        "R5",
        "Сегмент",
        "b2b",
        "Marketing e-mails",
        "web form",
        "Вопрос о доставке",
        "2:05",
        "https://pbx.example.com/rec/1.mp3",
    ):
        assert text in html, text


def test_card_never_links_a_recording_that_is_not_a_web_address(client, head):
    contact = ContactFactory()
    InteractionFactory(contact=contact, recording_url="javascript:alert(1)")
    client.force_login(head)

    html = client.get(card(contact)).content.decode()

    assert "javascript:alert" not in html


def test_card_shows_the_blocks_other_apps_add(client, head, tmp_path, settings, registry_override):
    (tmp_path / "deals_block.html").write_text(
        "<p>Open deals of {{ contact.last_name }}: {{ n }}</p>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    contact = ContactFactory(last_name="Сидоров")
    registry_override(hooks.CARD_BLOCKS).register(
        "test-deals",
        lambda c, user: hooks.CardBlock(
            title="Deals", template="deals_block.html", context={"n": 2}
        ),
    )
    client.force_login(head)

    html = client.get(card(contact)).content.decode()

    assert "Open deals of Сидоров: 2" in html


@pytest.mark.parametrize("history", [5, 200])
def test_card_query_count_does_not_grow_with_the_history(
    client, head, history, django_assert_max_num_queries
):
    # given a client with a long history, several phones, e-mails, consents and tags
    contact = ContactFactory(phone="+79161234567", email="a@example.ru", company=CompanyFactory())
    Phone.objects.create(contact=contact, number="+74951234567", kind="work")
    for purpose in Consent.Purpose.values:
        ConsentFactory(contact=contact, purpose=purpose)
    contact.tags.add(Tag.objects.create(name="VIP"), Tag.objects.create(name="Опт"))
    now = timezone.now()
    for i in range(history):
        InteractionFactory(contact=contact, occurred_at=now - dt.timedelta(hours=i), author=head)
    client.force_login(head)
    client.get(card(contact))  # content types are cached after the first access log entry

    # 1. the session, 2. the user, 3-4. their permissions, 5. their role groups
    # 6. the contact with company, owner and author joined in
    # 7. phones, 8. e-mails, 9. consents with who recorded them, 10. tags
    # 11. the access log entry, 12. distinct cards the user opened this hour (mass viewing)
    # 13. one page of the timeline with authors
    # 14. the custom field definitions
    # 15. the open tasks about the client (the tasks block)
    # 16. the people one may give a task to (the quick task form's choices)
    # 17. the client's deals with their stages (the deals block, deals/blocks.py)
    with django_assert_max_num_queries(17):
        response = client.get(card(contact))

    assert response.status_code == 200
    assert len(response.context["items"]) == min(history, 30)


def test_timeline_pages_older_items_by_keyset(client, head):
    contact = ContactFactory()
    now = timezone.now()
    made = [
        InteractionFactory(contact=contact, occurred_at=now - dt.timedelta(minutes=i)).pk
        for i in range(70)
    ]
    # two at the same moment: the keyset must not lose one of them between pages
    InteractionFactory(contact=contact, occurred_at=now - dt.timedelta(minutes=29))
    client.force_login(head)

    response = client.get(card(contact))
    shown = [i.pk for i in response.context["items"]]
    more = response.context["more_url"]
    html = response.content.decode()
    assert 'hx-trigger="revealed"' in html
    while more:
        page = client.get(more, **HTMX)
        assert page.status_code == 200
        assert "<nav" not in page.content.decode()  # only the items, not the chips again
        shown += [i.pk for i in page.context["items"]]
        more = page.context["more_url"]

    assert len(shown) == 71
    assert len(set(shown)) == 71
    assert set(made) <= set(shown)


def test_timeline_filters_by_kind(client, head):
    contact = ContactFactory()
    InteractionFactory(contact=contact, kind=Interaction.Kind.CALL, subject="a call")
    InteractionFactory(contact=contact, kind=Interaction.Kind.EMAIL, subject="an e-mail")
    client.force_login(head)

    response = client.get(
        reverse("contacts:contact-timeline", args=[contact.pk]), {"kind": "email"}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "an e-mail" in html
    assert "a call" not in html
    assert 'id="timeline"' in html
    # without htmx the same address leads to the card with the filter
    plain = client.get(reverse("contacts:contact-timeline", args=[contact.pk]), {"kind": "email"})
    assert plain.status_code == 302
    assert plain["Location"].startswith(card(contact))


def test_note_is_added_and_returned_for_the_top_of_the_timeline(client, operator):
    contact = ContactFactory()
    client.force_login(operator)

    response = client.post(
        reverse("contacts:note-add", args=[contact.pk]), {"body": "Перезвонить в пятницу"}, **HTMX
    )

    assert response.status_code == 200
    assert "Перезвонить в пятницу" in response.content.decode()
    assert 'class="tl-item kind-note' in response.content.decode()
    note = Interaction.objects.get(contact=contact, kind=Interaction.Kind.NOTE)
    assert note.author == operator


def test_an_empty_note_is_a_field_error(client, operator):
    contact = ContactFactory()
    client.force_login(operator)

    response = client.post(reverse("contacts:note-add", args=[contact.pk]), {"body": "  "}, **HTMX)

    assert response.status_code == 400
    assert response["HX-Retarget"] == "#note-form"
    assert "Write the note first." in response.content.decode()
    assert not Interaction.objects.filter(contact=contact, kind=Interaction.Kind.NOTE).exists()


def test_note_without_htmx_returns_to_the_card(client, operator):
    contact = ContactFactory()
    client.force_login(operator)

    response = client.post(reverse("contacts:note-add", args=[contact.pk]), {"body": "Note"})

    assert response.status_code == 302
    assert response["Location"] == card(contact)


def test_marketer_cannot_add_notes(client, marketer):
    contact = ContactFactory()
    client.force_login(marketer)

    response = client.post(reverse("contacts:note-add", args=[contact.pk]), {"body": "x"}, **HTMX)

    assert response.status_code == 403


def test_consent_is_granted_and_withdrawn_from_the_card(client, operator):
    contact = ContactFactory()
    client.force_login(operator)
    url = reverse("contacts:consent-set", args=[contact.pk])

    # when the operator records a grant with its source and evidence
    granted = client.post(
        url,
        {"purpose": "marketing_sms", "granted": "1", "source": "call", "evidence": "said yes"},
        **HTMX,
    )

    # then the consent is on record and the panel shows it
    assert granted.status_code == 200
    consent = Consent.objects.get(contact=contact, purpose="marketing_sms")
    assert consent.granted is True
    assert consent.source == "call"
    assert consent.evidence == "said yes"
    assert consent.recorded_by == operator
    assert 'id="consents"' in granted.content.decode()
    assert "Withdraw…" in granted.content.decode()

    # when they withdraw it
    withdrawn = client.post(
        url, {"purpose": "marketing_sms", "granted": "0", "source": "e-mail"}, **HTMX
    )

    assert withdrawn.status_code == 200
    consent.refresh_from_db()
    assert consent.granted is False


def test_a_consent_without_a_source_is_not_recorded(client, operator):
    contact = ContactFactory()
    client.force_login(operator)

    response = client.post(
        reverse("contacts:consent-set", args=[contact.pk]),
        {"purpose": "calls", "granted": "1", "source": ""},
        **HTMX,
    )

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Consent.objects.filter(contact=contact).exists()


def test_marketer_sees_consents_but_cannot_change_them(client, marketer):
    contact = ContactFactory()
    ConsentFactory(contact=contact, purpose="marketing_email", granted=True)
    client.force_login(marketer)

    html = client.get(card(contact)).content.decode()
    response = client.post(
        reverse("contacts:consent-set", args=[contact.pk]),
        {"purpose": "calls", "granted": "1", "source": "x"},
    )

    assert "Marketing e-mails" in html
    assert "Grant…" not in html
    assert response.status_code == 403


# --- create and edit -----------------------------------------------------------------------


def test_create_contact_with_phones_emails_tags_and_custom_fields(client, manager):
    CustomField.objects.create(target="contact", code="budget", label="Budget", field_type="number")
    company = CompanyFactory(owner=manager)
    client.force_login(manager)

    response = client.post(
        reverse("contacts:contact-create"),
        contact_post(
            **management("phones", 2),
            **{
                "phones-0-number": "8 (916) 123-45-67",
                "phones-1-number": "+7 495 123-45-67",
                "phones-1-kind": "work",
                "emails-0-address": "Petr@Example.RU",
                "tags": "VIP, опт",
                "custom_budget": "1 500,50",
                "company": str(company.pk),
                "company_name": company.name,
            },
        ),
    )

    assert response.status_code == 302
    contact = Contact.objects.get(last_name="Петров")
    assert response["Location"] == card(contact)
    assert [p.number for p in contact.phones.all()] == ["+79161234567", "+74951234567"]
    assert [e.address for e in contact.emails.all()] == ["petr@example.ru"]
    assert sorted(t.name for t in contact.tags.all()) == ["VIP", "опт"]
    assert contact.custom == {"budget": "1500.50"}
    assert contact.company == company
    assert contact.owner == manager


@pytest.mark.parametrize(
    ("fields", "messages"),
    [
        (
            {
                "phones-0-number": "12",
                "emails-0-address": "not-an-address",
                "custom_budget": "a lot",
            },
            [
                "“12” is not a valid phone number.",
                "“not-an-address” is not an e-mail address.",
                "Enter a number.",
            ],
        ),
        (
            {"birthday": "31.02.2020", "time_zone": "Mars/Olympus"},
            ["Enter a valid date.", "Unknown time zone"],
        ),
        ({"last_name": "", "first_name": ""}, ["Give at least a name, a phone or an e-mail."]),
    ],
)
def test_bad_input_shows_field_errors_and_saves_nothing(client, manager, fields, messages):
    CustomField.objects.create(target="contact", code="budget", label="Budget", field_type="number")
    client.force_login(manager)

    response = client.post(reverse("contacts:contact-create"), contact_post(**fields))

    assert response.status_code == 400
    html = response.content.decode()
    for message in messages:
        assert message in html, message
    assert 'class="errorlist' in html
    assert not Contact.objects.exists()


def test_a_company_typed_but_not_picked_is_an_error(client, manager):
    client.force_login(manager)

    response = client.post(
        reverse("contacts:contact-create"), contact_post(company="", company_name="Рога и копыта")
    )

    assert response.status_code == 400
    assert "Pick a company from the suggestions." in response.content.decode()
    assert not Contact.objects.exists()


def test_a_company_the_user_cannot_see_cannot_be_picked(client, manager, manager2):
    hidden = CompanyFactory(owner=manager2)
    client.force_login(manager)

    response = client.post(
        reverse("contacts:contact-create"),
        contact_post(company=str(hidden.pk), company_name=hidden.name),
    )

    assert response.status_code == 400
    assert not Contact.objects.exists()


def test_duplicate_phone_warns_with_a_link_and_create_anyway_creates(client, manager):
    existing = ContactFactory(owner=manager, last_name="Иванов", phone="+79161234567")
    client.force_login(manager)
    data = contact_post(**{"phones-0-number": "8 916 123 45 67"})

    # when a contact with the same phone is submitted
    warned = client.post(reverse("contacts:contact-create"), data)

    # then the form comes back with a warning that links to the existing contact
    assert warned.status_code == 409
    html = warned.content.decode()
    assert 'id="duplicate-warning"' in html
    assert f'href="{card(existing)}"' in html
    assert 'name="allow_duplicate"' in html
    assert Contact.objects.count() == 1

    # when the user ticks "create anyway"
    created = client.post(reverse("contacts:contact-create"), {**data, "allow_duplicate": "on"})

    # then the second contact exists
    assert created.status_code == 302
    assert Contact.objects.count() == 2


def test_duplicate_warning_does_not_name_contacts_the_user_cannot_see(client, manager, manager2):
    ContactFactory(owner=manager2, last_name="Секретов", phone="+79161234567")
    client.force_login(manager)

    response = client.post(
        reverse("contacts:contact-create"), contact_post(**{"phones-0-number": "+79161234567"})
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert "Секретов" not in html
    assert "and 1 contact of another colleague" in html


def test_edit_contact_replaces_phones_and_keeps_the_rest(client, manager):
    contact = ContactFactory(owner=manager, last_name="Старов", phone="+79161234567")
    client.force_login(manager)
    url = reverse("contacts:contact-edit", args=[contact.pk])

    form = client.get(url)
    assert form.status_code == 200
    assert "+7 916 123-45-67" in form.content.decode()

    response = client.post(
        url,
        contact_post(
            last_name="Новиков",
            owner=str(manager.pk),
            **{"phones-0-number": "+7 903 000 00 01"},
        ),
    )

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.last_name == "Новиков"
    assert [p.number for p in contact.phones.all()] == ["+79030000001"]


def test_a_rejected_edit_changes_nothing(client, manager):
    contact = ContactFactory(owner=manager, last_name="Старов", phone="+79161234567")
    client.force_login(manager)

    response = client.post(
        reverse("contacts:contact-edit", args=[contact.pk]),
        contact_post(last_name="Новиков", owner=str(manager.pk), **{"phones-0-number": "abc"}),
    )

    assert response.status_code == 400
    contact.refresh_from_db()
    assert contact.last_name == "Старов"
    assert [p.number for p in contact.phones.all()] == ["+79161234567"]


def test_edit_keeps_values_of_a_deactivated_custom_field(client, manager):
    CustomField.objects.create(
        target="contact", code="legacy", label="Legacy", field_type="text", is_active=False
    )
    CustomField.objects.create(target="contact", code="segment", label="Segment", field_type="text")
    contact = ContactFactory(owner=manager, custom={"legacy": "kept", "segment": "b2b"})
    client.force_login(manager)

    response = client.post(
        reverse("contacts:contact-edit", args=[contact.pk]),
        contact_post(owner=str(manager.pk), custom_segment="b2c"),
    )

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.custom == {"legacy": "kept", "segment": "b2c"}


def test_marketer_cannot_create_or_edit(client, marketer):
    contact = ContactFactory()
    client.force_login(marketer)

    assert client.get(reverse("contacts:contact-create")).status_code == 403
    assert client.get(reverse("contacts:contact-edit", args=[contact.pk])).status_code == 403


def test_company_create_checks_the_inn(client, manager):
    client.force_login(manager)
    url = reverse("contacts:company-create")
    base = {**management("phones"), **management("emails"), "name": "Вектор", "source": ""}

    bad = client.post(url, {**base, "inn": "7707083894"})
    good = client.post(url, {**base, "inn": "7707083893"})

    assert bad.status_code == 400
    assert "This INN has a wrong check digit." in bad.content.decode()
    assert good.status_code == 302
    assert good["Location"] == Company.objects.get(inn="7707083893").get_absolute_url()
    assert Company.objects.count() == 1


def test_company_card_lists_its_people(client, manager):
    company = CompanyFactory(owner=manager, inn="7707083893")
    ContactFactory(owner=manager, company=company, last_name="Кузнецов")
    client.force_login(manager)

    html = client.get(reverse("contacts:company-detail", args=[company.pk])).content.decode()

    assert "Кузнецов" in html
    assert "7707083893" in html


def test_company_of_another_team_is_not_found(client, manager, manager2):
    company = CompanyFactory(owner=manager2)
    client.force_login(manager)

    assert client.get(reverse("contacts:company-detail", args=[company.pk])).status_code == 404


def test_company_suggestions_for_the_form(client, manager):
    CompanyFactory(owner=manager, name="Вектор Плюс")
    client.force_login(manager)

    response = client.get(reverse("contacts:company-suggest"), {"company_name": "вектор"}, **HTMX)

    assert "Вектор Плюс" in response.content.decode()


# --- duplicates and merges -----------------------------------------------------------------


def test_merge_and_undo_through_the_pages(client, head):
    # given two contacts with the same phone, each with history
    keep = ContactFactory(last_name="Основной", phone="+79161234567")
    drop = ContactFactory(last_name="Дубль", phone="+79161234567", email="dub@example.ru")
    InteractionFactory.create_batch(3, contact=drop)
    PurchaseFactory(contact=drop)
    client.force_login(head)

    # the duplicates list shows the pair with a merge button
    listing = client.get(reverse("contacts:duplicate-list")).content.decode()
    assert "Основной" in listing
    assert "Дубль" in listing
    merge_url = reverse("contacts:contact-merge")
    assert merge_url in listing

    # the merge tool shows what moves
    tool = client.get(merge_url, {"ids": [keep.pk, drop.pk]})
    assert tool.status_code == 200
    assert "3 interactions" in tool.content.decode()

    # when the head keeps the first one
    merged = client.post(merge_url, {"ids": [keep.pk, drop.pk], "keep": keep.pk})

    # then everything is on the kept card and the other one leads there
    assert merged.status_code == 302
    assert merged["Location"] == card(keep)
    assert keep.interactions.filter(kind=Interaction.Kind.CALL).count() == 3
    assert client.get(card(drop))["Location"] == card(keep)
    merge = ContactMerge.objects.get()

    # when they undo it from the history
    history = client.get(reverse("contacts:merge-history")).content.decode()
    assert reverse("contacts:merge-undo", args=[merge.pk]) in history
    undone = client.post(reverse("contacts:merge-undo", args=[merge.pk]))

    # then both are separate again
    assert undone.status_code == 302
    assert client.get(card(drop)).status_code == 200
    assert drop.interactions.filter(kind=Interaction.Kind.CALL).count() == 3
    merge.refresh_from_db()
    assert merge.undone_by == head
    assert "Undone" in client.get(reverse("contacts:merge-history")).content.decode()


def test_merge_needs_the_permission(client, manager):
    a = ContactFactory(owner=manager, phone="+79161234567")
    b = ContactFactory(owner=manager, phone="+79161234567")
    client.force_login(manager)

    response = client.post(reverse("contacts:contact-merge"), {"ids": [a.pk, b.pk], "keep": a.pk})

    assert response.status_code == 403
    assert not ContactMerge.objects.exists()
    assert (
        reverse("contacts:contact-merge")
        not in client.get(reverse("contacts:duplicate-list")).content.decode()
    )


def test_merge_without_a_choice_is_an_error(client, head):
    a, b = ContactFactory(), ContactFactory()
    client.force_login(head)

    response = client.post(reverse("contacts:contact-merge"), {"ids": [a.pk, b.pk], "keep": ""})

    assert response.status_code == 400
    assert not ContactMerge.objects.exists()


# --- global search -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "8 (916) 123-45-67",
        "+7 916 1234567",
        "79161234567",
        "IVAN@vector.ru",
        "Смирнов Иван",
        "Смирнв",
        "Вектор",
        "7707083893",
    ],
)
def test_global_search_finds_the_client(client, operator, typed):
    company = CompanyFactory(name="Вектор", inn="7707083893")
    contact = ContactFactory(
        last_name="Смирнов",
        first_name="Иван",
        company=company,
        phone="+79161234567",
        email="ivan@vector.ru",
    )
    ContactFactory.create_batch(3)
    client.force_login(operator)

    response = client.get(reverse("search"), {"q": typed}, **HTMX)

    assert card(contact) in response.content.decode()


def test_global_search_finds_companies_by_inn_and_name(client, head):
    company = CompanyFactory(name="Вектор Плюс", inn="7707083893")
    client.force_login(head)

    by_inn = client.get(reverse("search"), {"q": "7707083893"}, **HTMX).content.decode()
    by_name = client.get(reverse("search"), {"q": "вектр"}, **HTMX).content.decode()

    url = reverse("contacts:company-detail", args=[company.pk])
    assert url in by_inn
    assert url in by_name


def test_global_search_masks_phones_for_marketers(client, marketer):
    ContactFactory(last_name="Смирнов", phone="+79161234567")
    client.force_login(marketer)

    html = client.get(reverse("search"), {"q": "Смирнов"}, **HTMX).content.decode()

    assert "+7 916 ***-**-67" in html
    assert "123-45" not in html


def test_global_search_keeps_managers_to_their_clients(client, manager, manager2):
    ContactFactory(owner=manager2, last_name="Чужой", phone="+79161234567")
    client.force_login(manager)

    html = client.get(reverse("search"), {"q": "+79161234567"}, **HTMX).content.decode()

    assert "Чужой" not in html

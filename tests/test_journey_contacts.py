"""Browser journeys of the customer base: an operator finds a caller by a phone typed in
another format and notes the call; a sales manager cannot peek at another team's client;
a marketer sees phones masked; a head of sales works the list and the 360° card."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import Consent, Contact, CustomField, Interaction, Phone, Source, Tag
from contacts.tests.factories import (
    CompanyFactory,
    ConsentFactory,
    ContactFactory,
    InteractionFactory,
)
from crm.models import Role
from crm.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_finds_a_caller_by_phone_in_another_format_and_adds_a_note(
    live_server, page, screenshot, login_as
):
    # given a client saved with the phone +79161234567, and an operator at work
    operator = UserFactory(email="olga@example.com", first_name="Ольга", role=Role.OPERATOR)
    company = CompanyFactory(name="ООО «Вектор»")
    client = ContactFactory(
        last_name="Смирнов",
        first_name="Иван",
        company=company,
        phone="+79161234567",
        email="ivan@vector.ru",
    )
    InteractionFactory(
        contact=client,
        kind=Interaction.Kind.CALL,
        subject="Question about delivery",
        duration_seconds=184,
        occurred_at=timezone.now() - dt.timedelta(days=2),
    )
    ContactFactory.create_batch(5)
    login_as(page, operator)
    page.goto("/")

    # when the caller dictates the number the way people say it in Russia
    search = page.locator("#global-search")
    search.click()
    search.fill("8 (916) 123-45-67")

    # then the top search finds the client
    hit = page.locator("#search-results a", has_text="Смирнов Иван")
    expect(hit).to_be_visible()
    screenshot("search")

    # when the operator opens the card
    hit.click()
    page.wait_for_url(re.compile(rf"/contacts/{client.pk}/$"))
    expect(page.get_by_role("heading", name="Смирнов Иван")).to_be_visible()
    expect(page.locator(".tl-item", has_text="Question about delivery")).to_be_visible()

    # and, without reaching for the mouse, writes a note about the call and saves it
    expect(page.get_by_label("Note")).to_be_focused()
    page.keyboard.type("Asked to call back on Friday after 15:00")
    page.keyboard.press("Control+Enter")

    # then the note is at the top of the timeline without a reload, and the box is empty again
    first = page.locator("#timeline-items > li.tl-item").first
    expect(first).to_contain_text("Asked to call back on Friday after 15:00")
    expect(first).to_contain_text("Note")
    expect(page.get_by_label("Note")).to_have_value("")
    note = Interaction.objects.get(contact=client, kind=Interaction.Kind.NOTE)
    assert note.author == operator
    screenshot("note-added")

    # and it is still there after a reload
    page.reload()
    expect(page.locator("#timeline-items > li.tl-item").first).to_contain_text("Friday after 15:00")


def test_manager_cannot_open_a_client_of_another_team_by_changing_the_id(
    live_server, page, screenshot, login_as, manager, manager2
):
    # given a client of the manager and a client of a manager from another team
    mine = ContactFactory(owner=manager, last_name="Своих", phone="+79031112233")
    theirs = ContactFactory(owner=manager2, last_name="Чужих", phone="+79165554433")
    login_as(page, manager)

    # when the manager opens their own client's card
    page.goto(f"/contacts/{mine.pk}/")
    expect(page.get_by_role("heading", name=re.compile("Своих"))).to_be_visible()

    # and edits the id in the address bar to the other team's client
    response = page.goto(f"/contacts/{theirs.pk}/")

    # then the contact does not exist for them
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Чужих")
    screenshot("not-found")


def test_marketer_sees_masked_phones(live_server, page, screenshot, login_as, marketer, manager):
    # given clients with phones and e-mails
    contact = ContactFactory(
        owner=manager,
        last_name="Кузнецова",
        first_name="Анна",
        phone="+79161234567",
        email="anna@example.ru",
    )
    login_as(page, marketer)

    # when the marketer looks at the list
    page.goto("/contacts/")
    row = page.locator(f"tr[data-contact='{contact.pk}']")

    # then phones and e-mails are masked there
    expect(row).to_contain_text("+7 916 ***-**-67")
    expect(row).not_to_contain_text("123-45-67")
    expect(row).to_contain_text("a***@example.ru")
    screenshot("list")

    # and on the card, where the phone is not a link to call
    row.get_by_role("link", name="Кузнецова Анна").click()
    expect(page.locator(".points")).to_contain_text("+7 916 ***-**-67")
    expect(page.locator("body")).not_to_contain_text("123-45-67")
    assert page.locator("a[href^='tel:']").count() == 0


def _rich_base(head, managers):
    """A base that looks like a working one: companies, people, tags, purchases, history."""
    CustomField.objects.create(
        target="contact",
        code="segment",
        label="Segment",
        field_type="choice",
        choices=["B2B", "B2C", "Partner"],
    )
    CustomField.objects.create(
        target="contact", code="contract_until", label="Contract until", field_type="date"
    )
    vip, wholesale, partner = (Tag.objects.create(name=n) for n in ("VIP", "Wholesale", "Partner"))
    companies = [
        CompanyFactory(name=n, inn=inn, industry=ind, region="Moscow", owner=managers[0])
        for n, inn, ind in [
            ("Vector LLC", "7707083893", "Logistics"),
            ("Northwind Trading", "", "Retail"),
            ("Aurora Systems", "", "IT services"),
            ("Baltic Foods", "", "Food production"),
        ]
    ]
    people = [
        ("Smirnov", "Ivan", "Procurement director", "+79161234567", "ivan.smirnov@vector.ru"),
        ("Kuznetsova", "Anna", "Chief accountant", "+79037654321", "anna@northwind.com"),
        ("Ivanov", "Sergey", "CEO", "+79265550101", "s.ivanov@aurora.io"),
        ("Popova", "Maria", "Office manager", "+74951112233", "maria.popova@gmail.com"),
        ("Sokolov", "Dmitry", "Logistics lead", "+79857778899", "sokolov@balticfoods.ru"),
        ("Lebedeva", "Elena", "Marketing manager", "+79111234455", "elena@aurora.io"),
        ("Kozlov", "Alexey", "Owner", "+79998887766", "kozlov@mail.ru"),
        ("Novikova", "Olga", "Buyer", "+79150001122", "o.novikova@northwind.com"),
        ("Morozov", "Pavel", "IT manager", "+79263334455", "p.morozov@vector.ru"),
        ("Volkova", "Tatiana", "HR director", "+79031239876", "volkova@balticfoods.ru"),
        ("Fedorov", "Nikolai", "Sales director", "+79164445566", "fedorov@aurora.io"),
        ("Orlova", "Irina", "Lawyer", "+79267778800", "orlova@vector.ru"),
    ]
    contacts = []
    for i, (last, first, position, phone, email) in enumerate(people):
        contact = ContactFactory(
            last_name=last,
            first_name=first,
            position=position,
            company=companies[i % 4] if i % 5 != 3 else None,
            owner=managers[i % len(managers)],
            source=[Source.WEB_FORM, Source.CALL, Source.REFERRAL, Source.EXHIBITION][i % 4],
            phone=phone,
            email=email,
            lifetime_value=Decimal([1284500, 356000, 89900, 0, 45200, 712000][i % 6]),
            purchases_count=[14, 6, 2, 0, 1, 9][i % 6],
            last_purchase_at=timezone.now() - dt.timedelta(days=3 + 11 * i) if i % 6 != 3 else None,
            rfm_recency=[5, 4, 3, None, 2, 5][i % 6],
            rfm_frequency=[5, 4, 2, None, 1, 4][i % 6],
            rfm_monetary=[5, 4, 2, None, 1, 5][i % 6],
            custom={"segment": ["B2B", "B2C", "Partner"][i % 3]},
        )
        contact.tags.add(*[[vip, wholesale], [wholesale], [], [partner]][i % 4])
        contacts.append(contact)
    return contacts


def test_head_works_the_list_and_the_card(live_server, page, screenshot, login_as, head, manager):
    # given a working base
    contacts = _rich_base(head, [manager, head])
    star = contacts[0]
    star.birthday = dt.date(1984, 5, 17)
    star.preferred_channel = "phone"
    star.time_zone = "Europe/Moscow"
    star.interests = "Fishing, jazz"
    star.custom = {"segment": "B2B", "contract_until": "2026-12-31"}
    star.save()
    Phone.objects.create(contact=star, number="+74957771122", kind="work", extension="214")
    ConsentFactory(
        contact=star,
        purpose=Consent.Purpose.PERSONAL_DATA,
        granted=True,
        source="Paper form",
        evidence="Signed form No. 1184 at the Moscow office",
    )
    ConsentFactory(
        contact=star, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True, source="Web form"
    )
    ConsentFactory(
        contact=star, purpose=Consent.Purpose.MARKETING_SMS, granted=False, source="Call"
    )
    now = timezone.now()
    history = [
        (
            "call",
            "in",
            "Asked about the delivery schedule for March",
            "",
            312,
            "https://pbx.example.com/rec/88121.mp3",
        ),
        (
            "email",
            "out",
            "Commercial offer No. 2024-117",
            "Sent the updated price list with the 7% volume discount.",
            None,
            "",
        ),
        (
            "note",
            "",
            "",
            "Prefers calls before noon. Decision maker for all purchases over 500k.",
            None,
            "",
        ),
        ("purchase", "", "184 500 RUB", "", None, ""),
        (
            "meeting",
            "",
            "Visit to the warehouse",
            "Discussed a yearly contract; next step — draft by Friday.",
            None,
            "",
        ),
        (
            "sms",
            "out",
            "Delivery reminder",
            "Your order 5531 arrives tomorrow 10:00–14:00.",
            None,
            "",
        ),
        ("chat", "in", "Website chat", "Is the new catalogue available in PDF?", None, ""),
        ("call", "out", "Follow-up on the offer", "", 95, ""),
        ("survey", "", "NPS: 9", "Fast delivery, polite managers.", None, ""),
        ("system", "", "Contact created", "", None, ""),
    ]
    for i, (kind, direction, subject, body, duration, rec) in enumerate(history):
        InteractionFactory(
            contact=star,
            kind=kind,
            direction=direction,
            subject=subject,
            body=body,
            duration_seconds=duration,
            recording_url=rec,
            author=manager if kind in ("call", "note", "meeting", "email") else None,
            occurred_at=now - dt.timedelta(hours=5 + 30 * i),
        )
    for i in range(45):
        InteractionFactory(
            contact=star, occurred_at=now - dt.timedelta(days=20 + i), subject=f"Call #{i}"
        )
    companies = [c.company for c in contacts if c.company]
    for i in range(55):
        ContactFactory(
            owner=[manager, head][i % 2],
            company=companies[i % len(companies)] if i % 3 else None,
            position=["Buyer", "Manager", "Director", "Engineer", ""][i % 5],
            phone=f"+7916{4000000 + i * 7919:07d}",
            email=f"client{i}@example.ru",
            lifetime_value=Decimal((i * 37) % 50 * 1500),
        )
    login_as(page, head)

    # when the head opens the list
    page.goto("/contacts/")
    expect(page.get_by_role("heading", name="Contacts")).to_be_visible()
    expect(page.locator("#id_q")).to_be_focused()
    assert page.locator("tbody tr").count() == 50
    screenshot("list")

    # and sorts by value and narrows to VIP clients
    page.get_by_label("Sort").select_option("ltv")
    expect(page.locator("tbody tr").first).to_contain_text("1,284,500")
    page.get_by_label("Tag").select_option(label="VIP")
    expect(page.locator("tbody tr")).to_have_count(3)
    assert "tag=" in page.url
    screenshot("list-filtered")

    # and goes to the next page of the unfiltered list
    page.goto("/contacts/")
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("tbody tr")).to_have_count(17)

    # when they open the most valuable client's card
    page.goto(f"/contacts/{star.pk}/")
    expect(page.get_by_role("heading", name="Smirnov Ivan")).to_be_visible()
    expect(page.locator(".points a[href='tel:+79161234567']")).to_have_text("+7 916 123-45-67")
    expect(page.locator(".tl-item").first).to_contain_text("delivery schedule")
    expect(page.locator(".tl-item", has_text="delivery schedule")).to_contain_text("5:12")
    screenshot("card")

    # then scrolling down loads older history by itself
    expect(page.locator(".tl-item")).to_have_count(30)
    page.locator(".tl-more").scroll_into_view_if_needed()
    expect(page.locator(".tl-item")).to_have_count(55)

    # and the kind chips narrow the timeline to calls
    page.locator(".chip[data-kind='call']").click()
    expect(page.locator(".chip.active")).to_have_text("Call")
    expect(page.locator(".tl-item:not(.kind-call)")).to_have_count(0)

    # and a consent can be withdrawn with its source
    consent = page.locator(".consent[data-purpose='marketing_email']")
    consent.locator("summary").click()
    consent.get_by_label("Source").fill("Phone call")
    consent.get_by_label("Evidence").fill("Asked to stop the newsletter")
    consent.get_by_role("button", name="Record the withdrawal").click()
    expect(page.locator(".consent[data-purpose='marketing_email'] .pill")).to_have_text("Withdrawn")
    assert not Consent.objects.get(contact=star, purpose="marketing_email").granted
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("card-after")


def test_manager_creates_a_contact_and_sees_the_duplicate_warning(
    live_server, page, screenshot, login_as, manager
):
    # given a client already in the base
    existing = ContactFactory(
        owner=manager, last_name="Smirnov", first_name="Ivan", phone="+79161234567"
    )
    company = CompanyFactory(name="Vector LLC", owner=manager)
    login_as(page, manager)

    # when the manager adds a person with the same phone typed differently
    page.goto("/contacts/new/")
    expect(page.get_by_label("Last name")).to_be_focused()
    page.get_by_label("Last name").fill("Smirnov")
    page.get_by_label("First name").fill("Ivan")
    page.get_by_label("Company").fill("Vector")
    page.locator("#company-suggest [data-company]").first.click()
    page.get_by_label("Phone").fill("8 (916) 123-45-67")
    page.get_by_role("button", name="Add a phone").click()
    page.locator("#id_phones-1-number").fill("+7 495 000 11 22")
    page.get_by_role("button", name="Create contact").click()

    # then the form warns and links to the existing contact
    warning = page.locator("#duplicate-warning")
    expect(warning).to_be_visible()
    expect(warning.get_by_role("link", name="Smirnov Ivan")).to_have_attribute(
        "href", f"/contacts/{existing.pk}/"
    )
    screenshot("duplicate-warning")

    # when they confirm that it is another person
    page.get_by_label("It is a different person: create anyway").check()
    page.get_by_role("button", name="Create contact").click()

    # then the new card opens with both phones and the company
    expect(page.get_by_role("heading", name="Smirnov Ivan")).to_be_visible()
    created = Contact.objects.exclude(pk=existing.pk).get()
    assert created.company == company
    assert [p.number for p in created.phones.all()] == ["+79161234567", "+74950001122"]
    screenshot("created")

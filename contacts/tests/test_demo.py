"""The demo customer base: loaded once after the core data set, realistic and consistent."""

from __future__ import annotations

import datetime as dt

import phonenumbers
import pytest
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from contacts import demo, demo_data, demo_generators
from contacts.hooks import card_blocks
from contacts.models import Company, Consent, Contact, Email, Interaction, Phone, Purchase
from contacts.selectors import duplicate_groups
from contacts.validators import (
    normalize_email,
    normalize_phone,
    validate_inn,
    validate_kpp,
    validate_ogrn,
)
from crm.demo import DEMO_LOADERS, demo_load_all
from crm.models import DemoDataset, User


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_company_inn_has_a_valid_check_digit(first9):
    validate_inn(demo_generators.company_inn(first9))


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_person_inn_has_valid_check_digits(first10):
    validate_inn(demo_generators.person_inn(first10))


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_ogrn_has_a_valid_check_digit(first12):
    validate_ogrn(demo_generators.company_ogrn(first12))


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_ogrnip_has_a_valid_check_digit(first14):
    validate_ogrn(demo_generators.person_ogrnip(first14))


def test_every_number_the_generator_may_draw_is_valid():
    # The generator draws the digits after a code freely: each code must be valid through its
    # whole range (checked here at the first two digits, where allocations differ).
    def valid(number: str) -> bool:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, None))

    for code in demo_data.MOBILE_CODES:
        for head in range(100):
            assert valid(f"+7{code}{head:02d}00000"), code
            assert valid(f"+7{code}{head:02d}99999"), code
    for region in demo_data.REGIONS:
        for code in region.phone_codes:
            rest = 10 - len(code) - 2
            for head in (f"{a}{b}" for a in "2345679" for b in "0123456789"):
                assert valid(f"+7{code}{head}{'0' * rest}"), code
                assert valid(f"+7{code}{head}{'9' * rest}"), code


def test_the_generator_gives_the_same_people_for_the_same_seed_and_unique_details():
    def draw(seed: int) -> list[tuple]:
        gen = demo_generators.Generator(seed)
        rows = []
        for _ in range(3000):
            last, first, middle = gen.person_name("ru" if gen.rng.random() < 0.8 else "en")
            local = gen.email_local(first, last)
            rows.append((last, first, middle, gen.mobile(), gen.personal_email(local)))
        return rows

    rows = draw(1)

    assert rows == draw(1)
    assert len({r[3] for r in rows}) == len({r[4] for r in rows}) == len(rows)
    for _last, _first, _middle, number, address in rows:
        assert normalize_phone(number) == number
        assert normalize_email(address) == address


def test_contacts_load_after_the_core_data_set():
    names = DEMO_LOADERS.keys()

    assert names.index("core") < names.index("contacts")


@pytest.mark.django_db
def test_demo_customer_base():
    # when
    loaded = demo_load_all("demo-password-1")

    # then: the expected size, once
    assert loaded.index("core") < loaded.index("contacts")
    assert Contact.objects.count() == demo.CONTACTS
    assert Company.objects.count() == demo.COMPANIES
    assert DemoDataset.objects.filter(name="contacts").count() == 1

    # registration numbers pass the same checks as forms and the API; foreign companies have none
    russian = Company.objects.exclude(inn="")
    assert russian.count() == demo.COMPANIES - 20
    assert len({c.inn for c in russian}) == russian.count()
    for company in russian:
        validate_inn(company.inn)
        validate_kpp(company.kpp)
        validate_ogrn(company.ogrn)
        assert len(company.inn) == (12 if company.name.startswith("ИП ") else 10)
        assert bool(company.kpp) is (len(company.inn) == 10)

    # phones in E.164, e-mails as the services would store them
    for number in Phone.objects.values_list("number", flat=True):
        assert normalize_phone(number) == number
    for address in Email.objects.values_list("address", flat=True):
        assert normalize_email(address) == address
        domain = address.rsplit("@", 1)[1]  # names reserved for examples: nobody gets mail
        assert domain.endswith(".example") or domain in (
            "example.com",
            "example.net",
            "example.org",
        )

    # four in five are Russian-speaking, with patronymics; owned by the demo sales team
    russian_people = Contact.objects.filter(language="ru")
    assert 0.75 < russian_people.count() / demo.CONTACTS < 0.85
    with_patronymic = russian_people.exclude(middle_name="").count()
    assert with_patronymic / russian_people.count() > 0.95
    owners = Contact.objects.values("owner__email").annotate(n=Count("id"))
    assert {o["owner__email"]: o["n"] > 300 for o in owners} == dict.fromkeys(
        demo.OWNER_EMAILS, True
    )

    # a history of a few to a few dozen touchpoints of every kind over two years
    per_contact = Interaction.objects.values("contact").annotate(n=Count("id"))
    sizes = per_contact.aggregate(low=Min("n"), high=Max("n"))
    assert sizes["low"] >= 2
    assert sizes["high"] <= 100
    assert per_contact.count() == demo.CONTACTS
    assert set(Interaction.objects.values_list("kind", flat=True).distinct()) == set(
        Interaction.Kind.values
    )
    span = Interaction.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    assert span["first"] > timezone.now() - dt.timedelta(days=demo.HISTORY_DAYS + 1)
    assert span["last"] <= timezone.now()
    calls = Interaction.objects.filter(kind=Interaction.Kind.CALL).exclude(recording_url="")
    assert calls.filter(duration_seconds__gt=0).count() == calls.count() > 1000
    assert not Consent.objects.filter(evidence="").exists()

    # customer value is computed from the purchases
    buyers = Contact.objects.filter(purchases_count__gt=0)
    assert buyers.count() > demo.CONTACTS / 3
    assert not buyers.filter(rfm_recency__isnull=True).exists()
    assert (
        Purchase.objects.aggregate(s=Sum("amount"))["s"]
        == buyers.aggregate(s=Sum("lifetime_value"))["s"]
    )
    assert Interaction.objects.filter(kind=Interaction.Kind.PURCHASE).count() == (
        Purchase.objects.count()
    )

    # the client the guides talk about
    petrov = Contact.objects.get(last_name="Петров", first_name="Иван", middle_name="Сергеевич")
    assert petrov.phones.get(is_primary=True).number == "+79161234567"
    assert petrov.company.name == "ООО «Ромашка»"
    assert petrov.owner.email == "manager@example.com"
    assert set(petrov.tags.values_list("name", flat=True)) == {"VIP", "Опт"}
    assert petrov.interactions.count() > 50
    assert set(petrov.interactions.values_list("kind", flat=True)) == set(Interaction.Kind.values)

    # his card shows the task about him
    [block] = [
        b for b in card_blocks(petrov, petrov.owner) if b.template == "contacts/_block_tasks.html"
    ]
    assert [t.title for t in block.context["tasks"]] == ["Перезвонить Петрову по договору поставки"]

    # the duplicates list has something to merge
    head = User.objects.get(email="head@example.com")
    groups = duplicate_groups(head)
    assert len([g for g in groups if g["kind"] == "phone"]) == 1 + demo_data.DUPLICATE_PAIRS
    assert {"+7 903 555-01-01"} <= {g["shown"] for g in groups}

    # when: loaded again
    counts = (Contact.objects.count(), Interaction.objects.count(), Company.objects.count())
    again = demo_load_all("demo-password-1")

    # then: nothing more
    assert again == []
    assert counts == (
        Contact.objects.count(),
        Interaction.objects.count(),
        Company.objects.count(),
    )

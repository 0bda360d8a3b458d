"""Export, then import back: the same people, phones, e-mails, names and companies."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from contacts import services
from contacts.models import Company, Contact, CustomField, Email, Phone, Source
from contacts.tests.factories import CompanyFactory
from contacts.tests.io_support import check, run, stream, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


FORMATS = [
    ("csv", "contacts.csv"),
    ("xlsx", "contacts.xlsx"),
    ("vcf", "contacts.vcf"),
    ("vcf4", "contacts.vcf"),
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def base(head):
    """A few people as varied as a real base: several phones and e-mails of every kind,
    companies with INN, tags, birthdays, text that needs escaping, a custom field."""
    CustomField.objects.create(
        target=CustomField.Target.CONTACT,
        code="segment",
        label="Сегмент",
        field_type="multi",
        choices=["b2b", "b2c"],
    )
    CustomField.objects.create(
        target=CustomField.Target.CONTACT, code="vip", label="VIP", field_type="bool"
    )
    romashka = CompanyFactory(name="ООО «Ромашка; и партнёры», филиал", inn="7707083893")
    acme = CompanyFactory(name="Acme, Inc.")
    services.contact_create(
        actor=head,
        data={
            "last_name": "Иванов",
            "first_name": "Иван",
            "middle_name": "Иванович",
            "position": "Генеральный директор",
            "company": romashka,
            "birthday": dt.date(1980, 2, 29),
            "address": "ул. Ленина, д. 1; офис 2",
            "region": "Москва",
            "notes": "Звонить после 18:00,\nне раньше",
            "source": Source.REFERRAL,
        },
        phones=[
            {"number": "+79161234567", "kind": Phone.Kind.MOBILE},
            {"number": "+74951234567", "kind": Phone.Kind.WORK},
            {"number": "+74957654321", "kind": Phone.Kind.FAX},
        ],
        emails=[
            {"address": "ivanov@romashka.ru", "kind": Email.Kind.WORK},
            {"address": "ivan@mail.ru", "kind": Email.Kind.PERSONAL},
        ],
        tags=["vip", "опт"],
        custom={"segment": ["b2b", "b2c"], "vip": True},
    )
    services.contact_create(
        actor=head,
        data={"last_name": "Smith", "first_name": "John", "company": acme, "position": "CTO"},
        phones=[
            {"number": "+12025550143", "kind": Phone.Kind.HOME},
            {"number": "+79031112233", "kind": Phone.Kind.OTHER},
        ],
        emails=[{"address": "john@acme.example", "kind": Email.Kind.OTHER}],
        custom={"vip": False},
    )
    services.contact_create(
        actor=head,
        data={"first_name": "Мария"},
        emails=[{"address": "maria@example.ru", "kind": Email.Kind.WORK}],
    )


def _snapshot(*, full: bool) -> list[tuple]:
    people = []
    for c in Contact.objects.select_related("company").prefetch_related("phones", "emails", "tags"):
        item = (
            c.last_name,
            c.first_name,
            c.middle_name,
            c.position,
            c.company.name if c.company else "",
            sorted((p.number, p.kind) for p in c.phones.all()),
            sorted((e.address, e.kind) for e in c.emails.all()),
            c.birthday,
            sorted(t.name for t in c.tags.all()),
            c.address,
            c.region,
            c.notes,
        )
        if full:
            item += (c.company.inn if c.company else "", c.source, c.owner_id, c.custom)
        people.append(item)
    return sorted(people)


def _export(client, file_format: str) -> bytes:
    response = client.get(reverse("contacts:export"), {"format": file_format})
    assert response.status_code == 200
    return stream(response)


@pytest.mark.parametrize(("file_format", "name"), FORMATS)
def test_export_then_import_gives_the_same_contacts(client, head, base, file_format, name):
    # given the base exported by the head of sales
    client.force_login(head)
    full = file_format in ("csv", "xlsx")  # a vCard has no INN, source or custom fields
    before = _snapshot(full=full)
    data = _export(client, file_format)

    # when the base is lost and the file is imported back
    Contact.objects.all().delete()
    Company.objects.all().delete()
    job = run(head, check(head, upload(head, data, name=name)))

    # then the same people come back, with their phones, e-mails, names and companies
    assert (job.error_count, job.errors) == (0, [])
    assert job.created_count == 3
    assert _snapshot(full=full) == before


@pytest.mark.parametrize(("file_format", "name"), FORMATS)
def test_importing_an_export_into_the_same_base_updates_instead_of_duplicating(
    client, head, base, file_format, name
):
    client.force_login(head)
    before = _snapshot(full=True)
    data = _export(client, file_format)

    job = run(head, check(head, upload(head, data, name=name)))

    assert (job.created_count, job.updated_count, job.error_count) == (0, 3, 0)
    assert Contact.objects.count() == 3
    assert _snapshot(full=True) == before


def test_a_russian_export_imports_back(client, head, base):
    head.language = "ru"
    head.save(update_fields=["language"])
    client.force_login(head)
    before = _snapshot(full=True)
    data = _export(client, "csv")
    Contact.objects.all().delete()

    job = run(head, check(head, upload(head, data)))

    assert job.error_count == 0
    assert _snapshot(full=True) == before

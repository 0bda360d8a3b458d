"""The exports people migrate from, through the whole stack: the file is uploaded on the page,
its columns are guessed as that tool writes them, the rows are checked and imported, and the
same file imported again updates the people instead of doubling them. Then the dates those
files use, and mappings saved for the next file.

The files in data/csv/ imitate the exports of Google Contacts (both CSV layouts), Outlook (in
English, and in Russian as Windows-1251), Apple (through Numbers or an exporter app), Bitrix24
(UTF-8 with a BOM, and Windows-1251) and amoCRM: header rows as those tools write them.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from contacts.imports import dates
from contacts.imports.readers import job_table
from contacts.models import Contact, ImportMapping
from contacts.tests.io_support import csv_bytes
from crm.jobs.services import job_run
from crm.models import Job

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "csv"


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _upload(client, data: bytes, name: str) -> Job:
    response = client.post(
        reverse("contacts:import-upload"),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.filter(original_name=name).latest("pk")


def _headers(job: Job) -> list[str]:
    return job_table(job).headers


def _guessed(job: Job) -> dict[str, str]:
    """{column header: field} of the columns the guess imports."""
    headers = _headers(job)
    return {headers[int(i)]: code for i, code in job.options["mapping"].items() if code}


def _post_mapping(client, job: Job, **extra) -> object:
    """The mapping form as the page shows it, sent back unchanged (plus ``extra``)."""
    data = {f"col_{i}": code for i, code in job.options["mapping"].items()}
    data.update(extra)
    return client.post(reverse("contacts:import-detail", args=[job.pk]), data)


def _import(client, job: Job, django_capture_on_commit_callbacks) -> Job:
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("job-start", args=[job.pk]))
    job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def _check_and_import(client, job, django_capture_on_commit_callbacks, **extra) -> Job:
    response = _post_mapping(client, job, **extra)
    assert response.status_code == 302, response.content.decode()[-3000:]
    job.refresh_from_db()
    assert job.status == Job.Status.CHECKED
    assert job.errors == [], job.errors
    job = _import(client, job, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.DONE, job.errors
    return job


def _person(last_name: str) -> Contact:
    return Contact.objects.get(last_name=last_name)


def _phones(contact: Contact) -> set[tuple[str, str]]:
    return set(contact.phones.values_list("number", "kind"))


def _emails(contact: Contact) -> set[tuple[str, str]]:
    return set(contact.emails.values_list("address", "kind"))


def _imported_twice(client, name, data, django_capture_on_commit_callbacks, **extra) -> None:
    """The same file again: every row updates its person, nobody is doubled."""
    before = {c.pk: (_phones(c), _emails(c)) for c in Contact.objects.all()}
    job = _upload(client, data, f"again-{name}")
    job = _check_and_import(client, job, django_capture_on_commit_callbacks, **extra)
    assert job.created_count == 0
    assert job.updated_count == len(before)
    assert {c.pk: (_phones(c), _emails(c)) for c in Contact.objects.all()} == before


# --- Google Contacts ----------------------------------------------------------------------


def test_google_contacts_legacy_csv(client, head, django_capture_on_commit_callbacks):
    client.force_login(head)
    data = (DATA / "google_contacts_legacy.csv").read_bytes()

    # when the file is uploaded
    job = _upload(client, data, "google.csv")

    # then its columns are mapped as Google writes them; types, groups and labels are left out
    assert _guessed(job) == {
        "Name": "full_name",
        "Given Name": "first_name",
        "Additional Name": "middle_name",
        "Family Name": "last_name",
        "Birthday": "birthday",
        "Hobby": "interests",
        "Notes": "notes",
        "E-mail 1 - Value": "email:work",
        "E-mail 2 - Value": "email:work",
        "Phone 1 - Value": "phone:mobile",
        "Phone 2 - Value": "phone:mobile",
        "Address 1 - Formatted": "address",
        "Address 1 - Region": "region",
        "Organization 1 - Name": "company",
        "Organization 1 - Title": "position",
    }
    page = client.get(reverse("contacts:import-detail", args=[job.pk])).content.decode()
    assert 'id="export-format"' in page
    assert "Google Contacts" in page

    # when it is checked and imported
    _check_and_import(client, job, django_capture_on_commit_callbacks)

    # then the people have their phones (several in one cell, as Google writes them), e-mails,
    # company, position and birthday
    smith = _person("Smith")
    assert smith.first_name == "John"
    assert _phones(smith) == {
        ("+12025550143", "mobile"),
        ("+12025550187", "mobile"),
        ("+12127365000", "mobile"),
    }
    assert _emails(smith) == {("john.smith@example.com", "work"), ("johnny@example.org", "work")}
    assert smith.company.name == "Acme Corp"
    assert smith.position == "Purchasing Manager"
    assert smith.birthday == dt.date(1985, 4, 12)
    assert "350 Fifth Avenue" in smith.address
    kuznetsova = _person("Кузнецова")
    assert kuznetsova.first_name == "Анна"
    assert _phones(kuznetsova) == {("+79161234567", "mobile")}
    assert kuznetsova.birthday == dt.date(1990, 7, 3)
    assert not kuznetsova.tags.exists()  # "* myContacts" is Google's group, not a tag

    _imported_twice(client, "google.csv", data, django_capture_on_commit_callbacks)


def test_google_contacts_csv_since_2020(client, head, django_capture_on_commit_callbacks):
    client.force_login(head)
    data = (DATA / "google_contacts.csv").read_bytes()

    job = _upload(client, data, "contacts.csv")

    assert _guessed(job) == {
        "First Name": "first_name",
        "Middle Name": "middle_name",
        "Last Name": "last_name",
        "Organization Name": "company",
        "Organization Title": "position",
        "Birthday": "birthday",
        "Notes": "notes",
        "E-mail 1 - Value": "email:work",
        "E-mail 2 - Value": "email:work",
        "Phone 1 - Value": "phone:mobile",
        "Phone 2 - Value": "phone:mobile",
        "Address 1 - Formatted": "address",
        "Address 1 - Region": "region",
    }

    _check_and_import(client, job, django_capture_on_commit_callbacks)

    garcia = _person("Garcia")
    assert (garcia.first_name, garcia.position, garcia.company.name) == ("Maria", "CTO", "Globex")
    assert garcia.birthday == dt.date(1979, 11, 30)
    assert _phones(garcia) == {("+14155552671", "mobile")}
    assert _emails(garcia) == {("maria.garcia@globex.example", "work")}
    novak = _person("Novak")
    assert _phones(novak) == {("+442079460958", "mobile")}
    assert _emails(novak) == {("peter@novak.example", "work"), ("p.novak@example.com", "work")}
    assert novak.notes == "Old friend"

    _imported_twice(client, "contacts.csv", data, django_capture_on_commit_callbacks)


def test_a_birthday_without_a_year_is_not_kept_and_the_report_says_why(client, head):
    client.force_login(head)
    header = (DATA / "google_contacts.csv").read_text().splitlines()[0].split(",")
    row = dict.fromkeys(header, "")
    row.update(
        {"First Name": "Kate", "Last Name": "Moss", "Birthday": "--05-17", "Notes": "No year"}
    )
    data = csv_bytes([header, [row[h] for h in header]], delimiter=",")
    job = _upload(client, data, "no-year.csv")

    _post_mapping(client, job)

    job.refresh_from_db()
    assert job.status == Job.Status.CHECKED
    page = client.get(reverse("contacts:import-detail", args=[job.pk])).content.decode()
    assert "“--05-17” has no year; a birthday without its year is not kept." in page
    assert not Contact.objects.filter(birthday__isnull=False).exists()


# --- Outlook --------------------------------------------------------------------------------


def test_outlook_csv(client, head, django_capture_on_commit_callbacks):
    client.force_login(head)
    data = (DATA / "outlook_contacts.csv").read_bytes()

    job = _upload(client, data, "outlook.csv")

    # then Title (Mr./Ms.) is left out and Job Title is the position; the e-mail's type and
    # display name, the company's main phone and the assistant's are not the person's
    assert _guessed(job) == {
        "First Name": "first_name",
        "Middle Name": "middle_name",
        "Last Name": "last_name",
        "Company": "company",
        "Job Title": "position",
        "Business Fax": "phone:fax",
        "Business Phone": "phone:work",
        "Business Phone 2": "phone:work",
        "Car Phone": "phone:other",
        "Home Fax": "phone:fax",
        "Home Phone": "phone:home",
        "Home Phone 2": "phone:home",
        "Mobile Phone": "phone:mobile",
        "Other Fax": "phone:fax",
        "Other Phone": "phone:other",
        "Primary Phone": "phone:other",
        "Birthday": "birthday",
        "Categories": "tags",
        "E-mail Address": "email:work",
        "E-mail 2 Address": "email:work",
        "E-mail 3 Address": "email:work",
        "Hobby": "interests",
        "Notes": "notes",
    }
    page = client.get(reverse("contacts:import-detail", args=[job.pk])).content.decode()
    assert "Outlook" in page
    # 12/25/1985 settles that the month comes first: nobody is asked
    assert job.options["date_order"] == dates.DateOrder.MONTH_FIRST

    # when checked and imported
    _check_and_import(client, job, django_capture_on_commit_callbacks)
    brown = _person("Brown")
    assert brown.birthday == dt.date(1990, 3, 7)
    assert brown.position == "Sales Director"
    assert brown.company.name == "Initech"
    assert _phones(brown) == {("+16502530000", "work"), ("+16172531000", "mobile")}
    assert _emails(brown) == {("robert.brown@initech.example", "work")}
    assert sorted(brown.tags.values_list("name", flat=True)) == ["Clients", "VIP"]
    chen = _person("Chen")
    assert chen.birthday == dt.date(1985, 12, 25)
    assert _emails(chen) == {("linda.chen@example.com", "work"), ("lchen@home.example", "work")}
    turner = _person("Turner")
    assert turner.birthday is None  # Outlook's 0/0/00 is no date
    assert _phones(turner) == {("+442079460123", "other")}

    _imported_twice(client, "outlook.csv", data, django_capture_on_commit_callbacks)


def test_outlook_com_layout_as_google_and_outlook_com_write_it(client, head):
    # given the other Outlook layout (Outlook.com, and Google's "Outlook CSV" export)
    client.force_login(head)
    data = (DATA / "outlook_com_contacts.csv").read_bytes()

    job = _upload(client, data, "outlook-com.csv")

    assert _guessed(job) == {
        "First Name": "first_name",
        "Middle Name": "middle_name",
        "Last Name": "last_name",
        "E-mail Address": "email:work",
        "E-mail 2 Address": "email:work",
        "E-mail 3 Address": "email:work",
        "Home Phone": "phone:home",
        "Home Phone 2": "phone:home",
        "Business Phone": "phone:work",
        "Business Phone 2": "phone:work",
        "Mobile Phone": "phone:mobile",
        "Car Phone": "phone:other",
        "Other Phone": "phone:other",
        "Primary Phone": "phone:other",
        "Business Fax": "phone:fax",
        "Home Fax": "phone:fax",
        "Other Fax": "phone:fax",
        "Job Title": "position",
        "Company": "company",
        "Hobby": "interests",
        "Birthday": "birthday",
        "Notes": "notes",
    }


def test_outlook_csv_in_russian_windows_1251(client, head, django_capture_on_commit_callbacks):
    client.force_login(head)
    data = (DATA / "outlook_contacts_ru.csv").read_bytes()

    job = _upload(client, data, "outlook-ru.csv")

    assert _guessed(job) == {
        "Имя": "first_name",
        "Отчество": "middle_name",
        "Фамилия": "last_name",
        "Организация": "company",
        "Должность": "position",
        "Рабочий факс": "phone:fax",
        "Рабочий телефон": "phone:work",
        "Телефон раб. 2": "phone:work",
        "Телефон в машине": "phone:other",
        "Домашний факс": "phone:fax",
        "Домашний телефон": "phone:home",
        "Телефон дом. 2": "phone:home",
        "Телефон переносной": "phone:mobile",
        "Другой факс": "phone:fax",
        "Другой телефон": "phone:other",
        "Основной телефон": "phone:other",
        "День рождения": "birthday",
        "Категории": "tags",
        "Адрес эл. почты": "email:work",
        "Адрес 2 эл. почты": "email:work",
        "Адрес 3 эл. почты": "email:work",
        "Хобби": "interests",
        "Заметки": "notes",
    }
    assert (
        "Outlook" in client.get(reverse("contacts:import-detail", args=[job.pk])).content.decode()
    )

    _check_and_import(client, job, django_capture_on_commit_callbacks)

    kozlov = _person("Козлов")
    assert kozlov.birthday == dt.date(1978, 9, 21)
    assert kozlov.position == "Начальник отдела снабжения"
    assert _phones(kozlov) == {("+74952223344", "work"), ("+79155556677", "mobile")}
    assert _emails(kozlov) == {("kozlov@sever.ru", "work")}
    smirnova = _person("Смирнова")
    assert smirnova.birthday is None  # 0.0.00
    assert _phones(smirnova) == {("+78123334455", "home")}

    _imported_twice(client, "outlook-ru.csv", data, django_capture_on_commit_callbacks)


# --- Apple ----------------------------------------------------------------------------------


def test_apple_contacts_csv(client, head, django_capture_on_commit_callbacks):
    client.force_login(head)
    data = (DATA / "apple_contacts.csv").read_bytes()

    job = _upload(client, data, "apple.csv")

    assert _guessed(job) == {
        "First name": "first_name",
        "Middle name": "middle_name",
        "Last name": "last_name",
        "Job title": "position",
        "Organization": "company",
        "Birthday": "birthday",
        "Phone (mobile)": "phone:mobile",
        "Phone (iPhone)": "phone:mobile",
        "Phone (home)": "phone:home",
        "Phone (work)": "phone:work",
        "Phone (main)": "phone:other",
        "Phone (home fax)": "phone:fax",
        "Email (home)": "email:personal",
        "Email (work)": "email:work",
        "Email (other)": "email:other",
        "Address (home)": "address",
        "Note": "notes",
    }

    _check_and_import(client, job, django_capture_on_commit_callbacks)

    clark = _person("Clark")
    assert clark.birthday == dt.date(1992, 2, 29)
    assert _phones(clark) == {("+14155550199", "mobile"), ("+16502530001", "work")}
    assert _emails(clark) == {
        ("emily.clark@icloud.example", "personal"),
        ("e.clark@umbrella.example", "work"),
    }
    assert clark.company.name == "Umbrella Studio"

    _imported_twice(client, "apple.csv", data, django_capture_on_commit_callbacks)


# --- Bitrix24 and amoCRM --------------------------------------------------------------------

BITRIX_GUESS = {
    "Имя": "first_name",
    "Фамилия": "last_name",
    "Отчество": "middle_name",
    "Дата рождения": "birthday",
    "Рабочий телефон": "phone:work",
    "Мобильный телефон": "phone:mobile",
    "Номер факса": "phone:fax",
    "Домашний телефон": "phone:home",
    "Телефон для рассылок": "phone:mobile",
    "Другой телефон": "phone:other",
    "Рабочий e-mail": "email:work",
    "Частный e-mail": "email:personal",
    "E-mail для рассылок": "email:work",
    "Другой e-mail": "email:other",
    "Должность": "position",
    "Компания": "company",
    "Комментарий": "notes",
    "Адрес": "address",
    "Регион": "region",
}


@pytest.mark.parametrize("name", ["bitrix24_contacts.csv", "bitrix24_contacts_cp1251.csv"])
def test_bitrix24_contacts_export(client, head, name, django_capture_on_commit_callbacks):
    client.force_login(head)
    data = (DATA / name).read_bytes()

    job = _upload(client, data, name)

    # then the Russian columns are mapped; the salutation, Bitrix24's sources and its
    # responsible (a name, not one of our users) are left out
    assert _guessed(job) == BITRIX_GUESS
    page = client.get(reverse("contacts:import-detail", args=[job.pk])).content.decode()
    assert "Bitrix24 contacts" in page

    _check_and_import(client, job, django_capture_on_commit_callbacks)

    petrov = _person("Петров")
    assert (petrov.first_name, petrov.middle_name) == ("Иван", "Сергеевич")
    assert petrov.birthday == dt.date(1985, 3, 7)
    assert _phones(petrov) == {
        ("+74951234567", "work"),
        ("+79161112233", "mobile"),
        ("+79034445566", "mobile"),
    }
    assert _emails(petrov) == {
        ("i.petrov@romashka.ru", "work"),
        ("ivan.petrov@mail.ru", "personal"),
    }
    assert petrov.company.name == "ООО «Ромашка»"
    assert petrov.position == "Директор по закупкам"
    assert petrov.notes == "Звонить после 14:00"
    sokolova = _person("Соколова")
    assert _phones(sokolova) == {("+79217654321", "mobile"), ("+78125551234", "work")}
    assert _emails(sokolova) == {("o.sokolova@vektor.ru", "work"), ("sokolova@vektor.ru", "work")}

    _imported_twice(client, name, data, django_capture_on_commit_callbacks)


def test_amocrm_contacts_export(client, head, django_capture_on_commit_callbacks):
    client.force_login(head)
    data = (DATA / "amocrm_contacts.csv").read_bytes()

    job = _upload(client, data, "amocrm.csv")

    assert _guessed(job) == {
        "Полное имя контакта": "full_name_first",
        "Имя": "first_name",
        "Фамилия": "last_name",
        "Компания": "company",
        "Теги": "tags",
        "Примечание 1": "notes",
        "Рабочий телефон": "phone:work",
        "Рабочий прямой телефон": "phone:work",
        "Мобильный телефон": "phone:mobile",
        "Факс": "phone:fax",
        "Домашний телефон": "phone:home",
        "Другой телефон": "phone:other",
        "Рабочий email": "email:work",
        "Личный email": "email:personal",
        "Другой email": "email:other",
        "Должность": "position",
        "Адрес": "address",
    }

    _check_and_import(client, job, django_capture_on_commit_callbacks)

    volkov = _person("Волков")
    assert volkov.first_name == "Алексей"
    assert _phones(volkov) == {
        ("+74959876543", "work"),
        ("+79260001122", "mobile"),
        ("+79260003344", "mobile"),
    }
    assert _emails(volkov) == {("volkov@vektor.ru", "work"), ("a.volkov@gmail.com", "personal")}
    assert sorted(volkov.tags.values_list("name", flat=True)) == ["Москва", "опт"]
    orlova = _person("Орлова")
    assert _phones(orlova) == {("+74957778899", "work")}
    assert orlova.company_id == volkov.company_id  # one company, found again by its name

    _imported_twice(client, "amocrm.csv", data, django_capture_on_commit_callbacks)


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "order", "expected"),
    [
        ("07.03.1985", "", dt.date(1985, 3, 7)),
        ("1985-03-07", "", dt.date(1985, 3, 7)),
        ("1985-03-07T00:00:00", "", dt.date(1985, 3, 7)),
        ("3/7/1990", "mdy", dt.date(1990, 3, 7)),
        ("3/7/1990", "dmy", dt.date(1990, 7, 3)),
        ("25/12/1985", "", dt.date(1985, 12, 25)),  # the order is plain
        ("12/25/1985", "", dt.date(1985, 12, 25)),
        ("7.3.85", "", dt.date(1985, 3, 7)),
        ("12 Apr 1985", "", dt.date(1985, 4, 12)),
        ("April 12, 1985", "", dt.date(1985, 4, 12)),
        ("12 апреля 1985 г.", "", dt.date(1985, 4, 12)),
        ("0/0/00", "", None),  # Outlook's empty date
        ("", "", None),
    ],
)
def test_dates_as_the_files_write_them(value, order, expected):
    assert dates.date_parse(value, order=order, today=dt.date(2026, 12, 1)) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("--05-17", "has no year"),
        ("3/7/1990", "either way round"),
        ("31.02.1990", "not a date of the calendar"),
        ("tomorrow", "is not a date"),
        ("12 Foo 1985", "is not a date"),
    ],
)
def test_dates_that_cannot_be_kept_say_why(value, message):
    with pytest.raises(ValidationError) as caught:
        dates.date_parse(value)
    assert message in caught.value.messages[0]


def test_the_order_of_dates_is_asked_once_when_the_file_does_not_settle_it(
    client, head, django_capture_on_commit_callbacks
):
    # given an Outlook file whose only birthday could be read either way
    client.force_login(head)
    data = csv_bytes(
        [
            ["First Name", "Last Name", "E-mail Address", "Birthday"],
            ["Robert", "Brown", "robert.brown@initech.example", "3/7/1990"],
        ],
        delimiter=",",
    )
    job = _upload(client, data, "outlook.csv")
    detail = reverse("contacts:import-detail", args=[job.pk])
    assert 'name="date_order"' in client.get(detail).content.decode()

    # when the rows are checked without saying the order, the page asks for it
    response = _post_mapping(client, job)
    assert response.status_code == 400
    assert "could be read day first or month first" in response.content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.UPLOADED

    # when the person says the month comes first, the check passes and the import keeps it
    _check_and_import(
        client, job, django_capture_on_commit_callbacks, date_order=dates.DateOrder.MONTH_FIRST
    )
    assert _person("Brown").birthday == dt.date(1990, 3, 7)


def test_the_command_reads_the_order_of_dates_from_the_file(head, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    path = tmp_path / "outlook.csv"
    path.write_bytes((DATA / "outlook_contacts.csv").read_bytes())

    call_command("contacts_import", str(path), user=head.email, stdout=io.StringIO())

    assert _person("Brown").birthday == dt.date(1990, 3, 7)
    assert _person("Chen").birthday == dt.date(1985, 12, 25)


def test_a_file_without_birthdays_is_not_asked_the_order_of_dates(client, head):
    client.force_login(head)
    job = _upload(client, csv_bytes([["Имя", "Телефон"], ["Иван", "+79161234567"]]), "a.csv")

    page = client.get(reverse("contacts:import-detail", args=[job.pk])).content.decode()

    assert 'name="date_order"' not in page


# --- saved mappings -------------------------------------------------------------------------


def test_a_saved_mapping_is_offered_for_the_next_file_with_the_same_columns(
    client, head, head2, django_capture_on_commit_callbacks
):
    # given a Bitrix24 export whose contact type the person imports as tags, saved by name
    client.force_login(head)
    first = _upload(client, (DATA / "bitrix24_contacts.csv").read_bytes(), "b24-1.csv")
    type_column = _headers(first).index("Тип контакта")  # left out by the guess
    _check_and_import(
        client,
        first,
        django_capture_on_commit_callbacks,
        **{f"col_{type_column}": "tags", "save_as": "Битрикс24 с типами"},
    )
    saved = ImportMapping.objects.get()
    assert saved.name == "Битрикс24 с типами"
    assert saved.saved_by == head
    assert sorted(_person("Петров").tags.values_list("name", flat=True)) == ["Клиенты"]

    # when the next export of the same CRM (in the other encoding) is uploaded by a colleague
    client.force_login(head2)
    second = _upload(client, (DATA / "bitrix24_contacts_cp1251.csv").read_bytes(), "b24-2.csv")
    detail = reverse("contacts:import-detail", args=[second.pk])

    # then the mapping page offers the saved mapping, and choosing it puts it on the columns
    page = client.get(detail).content.decode()
    assert f'name="reuse" value="{saved.pk}"' in page
    assert "Use “Битрикс24 с типами”" in page
    assert second.options["mapping"][str(type_column)] == ""
    response = client.post(detail, {"reuse": saved.pk})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.options["mapping"][str(type_column)] == "tags"
    page = client.get(detail).content.decode()
    assert 'id="mapping-name"' in page
    assert '<option value="tags" selected>' in page

    # and a file with other columns is not offered it, nor can it be forced on one
    other = _upload(client, (DATA / "amocrm_contacts.csv").read_bytes(), "amo.csv")
    other_detail = reverse("contacts:import-detail", args=[other.pk])
    assert 'name="reuse"' not in client.get(other_detail).content.decode()
    guessed = dict(other.options["mapping"])
    client.post(other_detail, {"reuse": saved.pk})
    other.refresh_from_db()
    assert other.options["mapping"] == guessed
    assert other.options.get("mapping_name", "") == ""


def test_reusing_garbage_is_refused_without_an_error_page(client, head):
    client.force_login(head)
    job = _upload(client, (DATA / "apple_contacts.csv").read_bytes(), "apple.csv")

    response = client.post(reverse("contacts:import-detail", args=[job.pk]), {"reuse": "x'--"})

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.options.get("mapping_name", "") == ""


def test_an_amocrm_file_with_the_full_name_only_reads_it_first_name_first(
    client, head, django_capture_on_commit_callbacks
):
    # given an amoCRM export that has kept only "Полное имя контакта"
    rows = [
        ["ID", "Полное имя контакта", "Рабочий телефон", "Рабочий email", "Кем создан"],
        ["30112233", "Алексей Волков", "+7 495 987-65-43", "volkov@vektor.ru", "Иванова Мария"],
    ]
    data = "\n".join(";".join(r) for r in rows).encode("utf-8-sig")
    client.force_login(head)

    job = _upload(client, data, "amocrm.csv")

    # then the name column is read first name first, as amoCRM writes it
    assert job.options["mapping"]["1"] == "full_name_first"
    _check_and_import(client, job, django_capture_on_commit_callbacks)
    person = Contact.objects.get()
    assert (person.last_name, person.first_name) == ("Волков", "Алексей")

"""Import services: reading files, guessing columns, the check, all-or-nothing, updates."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from contacts import services
from contacts.imports import rows, steps, targets
from contacts.imports.readers import Format
from contacts.models import Company, Contact, CustomField, Source
from contacts.tests.factories import CompanyFactory, ContactFactory
from contacts.tests.io_support import check, csv_bytes, run, upload
from crm.jobs.services import job_run, job_start
from crm.models import Job
from crm.tasks import purge_job_uploads

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


GOOD_INN = "7707083893"  # a real 10-digit INN: its check digit is right
OTHER_INN = "7736207543"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def budget(db) -> CustomField:
    return CustomField.objects.create(
        target=CustomField.Target.CONTACT, code="budget", label="Бюджет", field_type="number"
    )


# --- reading files -------------------------------------------------------------------------


def test_mapping_is_guessed_from_russian_headers(head, budget):
    headers = [
        "Фамилия",
        "Имя",
        "Отчество",
        "Телефон",
        "E-mail",
        "Компания",
        "Должность",
        "ИНН",
        "Теги",
        "Источник",
        "Бюджет",
        "Дата рождения",
        "Рабочий телефон",
        "Почта",
        "Что-то своё",
    ]

    mapping = targets.mapping_guess(headers, targets.import_targets())

    assert [mapping[str(i)] for i in range(len(headers))] == [
        "last_name",
        "first_name",
        "middle_name",
        "phone:mobile",
        "email:work",
        "company",
        "position",
        "inn",
        "tags",
        "source",
        "custom.budget",
        "birthday",
        "phone:work",
        "email:work",  # several columns may feed the e-mails
        "",
    ]


def test_mapping_is_guessed_from_english_headers_and_a_field_takes_one_column(head):
    headers = ["First name", "Last Name", "Mobile", "Email", "Company", "last name", "Notes"]

    mapping = targets.mapping_guess(headers, targets.import_targets())

    assert mapping == {
        "0": "first_name",
        "1": "last_name",
        "2": "phone:mobile",
        "3": "email:work",
        "4": "company",
        "5": "",  # the last name was taken by the first such column
        "6": "notes",
    }


def test_cp1251_csv_with_semicolons_is_read(head):
    data = csv_bytes(
        [["Фамилия", "Имя", "Телефон"], ["Щукина", "Ёлка", "8 (916) 123-45-67"]],
        encoding="cp1251",
    )

    job = upload(head, data)
    preview = steps.import_preview(job)

    assert job.options["format"] == Format.CSV
    assert preview.headers == ["Фамилия", "Имя", "Телефон"]
    assert preview.rows == [(2, ["Щукина", "Ёлка", "8 (916) 123-45-67"])]
    assert job.options["mapping"] == {"0": "last_name", "1": "first_name", "2": "phone:mobile"}


def test_utf8_csv_with_bom_and_commas_is_read(head):
    data = "\ufeff".encode() + csv_bytes(
        [["Last name", "First name", "E-mail"], ["O'Neil, Jr.", "Ann", "ann@example.com"]],
        delimiter=",",
    )

    job = upload(head, data)
    preview = steps.import_preview(job)

    assert preview.headers == ["Last name", "First name", "E-mail"]
    assert preview.rows == [(2, ["O'Neil, Jr.", "Ann", "ann@example.com"])]


def test_xlsx_numbers_and_dates_are_read_as_text(head):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Фамилия", "Телефон", "Дата рождения"])
    sheet.append(["Иванов", 79161234567, dt.datetime(1985, 3, 15)])
    sheet.append([None, None, None])  # blank rows are skipped
    sheet.append(["Петров", "+7 916 765-43-21", "15.03.1985"])
    out = io.BytesIO()
    book.save(out)

    job = upload(head, out.getvalue(), name="clients.xlsx")
    preview = steps.import_preview(job)

    assert job.options["format"] == Format.XLSX
    assert job.total_rows == 2
    assert preview.rows == [
        (2, ["Иванов", "79161234567", "1985-03-15"]),
        (4, ["Петров", "+7 916 765-43-21", "15.03.1985"]),
    ]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.csv", "empty"),
        (b"\xd0\xcf\x11\xe0rest-of-an-old-excel-file", "a.xls", ".xls"),
        (b"not a zip", "a.xlsx", "damaged"),
        (b"Name;Phone\n", "a.csv", "no rows"),
        (b"%PDF-1.4", "a.pdf", ".pdf"),
        (b"BEGIN:VCARD\nVERSION:3.0\nFN:x\n", "a.vcf", "vCard"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(head, data, name, message):
    with pytest.raises(ValidationError) as exc:
        upload(head, data, name=name)

    assert message in " ".join(exc.value.messages)
    assert not Job.objects.exists()


def test_import_needs_the_permission(manager, operator):
    data = csv_bytes([["Имя"], ["Анна"]])
    for user in (manager, operator):
        with pytest.raises(PermissionDenied):
            upload(user, data)


def test_mapping_must_name_someone_and_not_repeat_a_field(head):
    job = upload(head, csv_bytes([["Имя", "Фамилия", "Город"], ["Анна", "Лис", "Тверь"]]))

    with pytest.raises(ValidationError) as exc:
        steps.import_mapping_set(actor=head, job=job, mapping={"0": "", "1": "", "2": "region"})
    assert "name, a phone or an e-mail" in exc.value.messages[0]

    with pytest.raises(ValidationError) as exc:
        steps.import_mapping_set(
            actor=head, job=job, mapping={"0": "first_name", "1": "first_name"}
        )
    assert "several columns" in exc.value.messages[0]


# --- the check and the import --------------------------------------------------------------

HEADER = ["Фамилия", "Имя", "Телефон", "E-mail", "Компания", "ИНН", "Дата рождения", "Бюджет"]
GOOD_1 = ["Иванов", "Иван", "8 (916) 123-45-67", "ivan@example.ru", "Ромашка", GOOD_INN, "", "10"]
BAD_PHONE = ["Петров", "Пётр", "12345", "", "", "", "", ""]
BAD_EMAIL = ["Сидоров", "Сидор", "", "sidor@@example", "", "", "", ""]
BAD_INN = ["Кузнецов", "Кузьма", "+7 916 000-00-01", "", "Лютик", "1234567890", "", ""]
BAD_DATE = ["Смирнова", "Анна", "+7 916 000-00-02", "", "", "", "31.02.1990", ""]
BAD_CUSTOM = ["Попов", "Павел", "+7 916 000-00-03", "", "", "", "", "много"]
GOOD_2 = ["Васильева", "Мария", "", "maria@example.ru", "Ромашка", "", "15.03.1985", ""]


def _bad_file() -> bytes:
    return csv_bytes([HEADER, GOOD_1, BAD_PHONE, BAD_EMAIL, BAD_INN, BAD_DATE, BAD_CUSTOM, GOOD_2])


def test_check_reports_every_bad_row_and_saves_nothing(head, budget):
    job = upload(head, _bad_file())

    job = check(head, job)

    assert job.status == Job.Status.CHECKED
    assert (job.total_rows, job.processed_rows) == (7, 7)
    # a bad phone, e-mail, date or custom value beside a name is left out with a warning,
    # the person kept; an INN that fails its check refuses the row
    assert (job.created_count, job.updated_count, job.error_count) == (6, 0, 1)
    warned = {(e["row"], e["field"]) for e in job.errors if e.get("warning")}
    assert warned == {(3, "Телефон"), (4, "E-mail"), (6, "Дата рождения"), (7, "Бюджет")}
    by_row = {(e["row"], e["field"]): e["message"] for e in job.errors}
    assert set(by_row) == {
        (3, "Телефон"),
        (4, "E-mail"),
        (5, "ИНН"),
        (6, "Дата рождения"),
        (7, "Бюджет"),
    }
    assert "12345" in by_row[(3, "Телефон")]
    assert "sidor@@example" in by_row[(4, "E-mail")]
    assert "check digit" in by_row[(5, "ИНН")]
    assert "31.02.1990" in by_row[(6, "Дата рождения")]
    assert "number" in by_row[(7, "Бюджет")]
    assert not Contact.objects.exists()
    assert not Company.objects.exists()


def test_import_with_bad_rows_imports_nothing(head, budget):
    job = check(head, upload(head, _bad_file()))

    job = run(head, job)

    assert job.status == Job.Status.FAILED
    assert job.error_count == 1
    assert (job.created_count, job.updated_count) == (0, 0)
    assert not Contact.objects.exists()
    assert not Company.objects.exists()


def test_import_valid_rows_imports_exactly_the_good_ones(head, budget):
    job = check(head, upload(head, _bad_file()))

    job = run(head, job, valid_only=True)

    assert job.status == Job.Status.DONE
    assert (job.created_count, job.updated_count, job.error_count) == (6, 0, 1)
    assert job.processed_rows == job.total_rows == 7
    people = {c.last_name: c for c in Contact.objects.prefetch_related("phones", "emails")}
    assert set(people) == {"Иванов", "Васильева", "Петров", "Сидоров", "Смирнова", "Попов"}
    assert people["Попов"].custom == {}  # "много" is not a number: left out
    assert not people["Петров"].phones.exists()  # its phone "12345" was left out
    assert people["Смирнова"].birthday is None
    ivanov, vasilyeva = people["Иванов"], people["Васильева"]
    assert [p.number for p in ivanov.phones.all()] == ["+79161234567"]
    assert [e.address for e in ivanov.emails.all()] == ["ivan@example.ru"]
    assert ivanov.custom == {"budget": "10"}
    assert ivanov.source == Source.IMPORT
    assert ivanov.owner == head
    assert vasilyeva.birthday == dt.date(1985, 3, 15)
    # both rows name the same company: it is created once, with the INN of the first
    assert Company.objects.count() == 1
    assert ivanov.company == vasilyeva.company
    assert ivanov.company.inn == GOOD_INN


def test_a_row_with_an_existing_phone_updates_that_contact(head):
    existing = ContactFactory(
        first_name="Иван", last_name="Иванов", position="", phone="+79161234567"
    )
    existing.tags.set(services.tags_resolve(["old"]))
    data = csv_bytes(
        [
            ["Фамилия", "Имя", "Телефон", "Почта", "Должность", "Теги"],
            ["Иванов", "Иван", "8 916 123 45 67", "IVAN@Example.ru", "Директор", "vip"],
        ]
    )

    job = run(head, check(head, upload(head, data)))

    assert (job.created_count, job.updated_count, job.error_count) == (0, 1, 0)
    assert Contact.objects.count() == 1
    existing.refresh_from_db()
    assert existing.position == "Директор"
    assert [p.number for p in existing.phones.all()] == ["+79161234567"]
    assert [e.address for e in existing.emails.all()] == ["ivan@example.ru"]
    assert sorted(t.name for t in existing.tags.all()) == ["old", "vip"]


def test_a_row_matching_by_email_keeps_other_phones(head):
    existing = ContactFactory(phone="+79161234567", email="anna@example.ru", first_name="Анна")
    data = csv_bytes([["E-mail", "Рабочий телефон"], ["anna@example.ru", "+7 495 123-45-67"]])

    job = run(head, check(head, upload(head, data)))

    assert job.updated_count == 1
    phones = {(p.number, p.kind) for p in existing.phones.all()}
    assert phones == {("+79161234567", "mobile"), ("+74951234567", "work")}


def test_two_rows_with_one_phone_make_one_contact(head):
    data = csv_bytes(
        [
            ["ФИО", "Телефон", "Должность"],
            ["Иванов Иван Иванович", "+79161234567", ""],
            ["", "8 916 123-45-67", "Директор"],
        ]
    )

    job = run(head, check(head, upload(head, data)))

    assert (job.created_count, job.updated_count) == (1, 1)
    contact = Contact.objects.get()
    assert (contact.last_name, contact.first_name, contact.middle_name) == (
        "Иванов",
        "Иван",
        "Иванович",
    )
    assert contact.position == "Директор"


def test_a_phone_of_two_contacts_is_an_error_not_a_guess(head):
    a = ContactFactory(phone="+79161234567")
    b = ContactFactory(email="b@example.ru")
    data = csv_bytes([["Телефон", "E-mail", "Имя"], ["+79161234567", "b@example.ru", "X"]])

    job = check(head, upload(head, data))

    assert job.error_count == 1
    assert f"#{a.pk}" in job.errors[0]["message"]
    assert f"#{b.pk}" in job.errors[0]["message"]


def test_existing_company_is_found_by_inn(head):
    company = CompanyFactory(name="ПАО Сбербанк", inn=GOOD_INN)
    data = csv_bytes([["Имя", "Компания", "ИНН"], ["Анна", "Сбер", GOOD_INN]])

    run(head, check(head, upload(head, data)))

    assert Contact.objects.get().company == company
    assert Company.objects.count() == 1


def test_sources_and_channels_are_read_in_either_language(head):
    data = csv_bytes(
        [
            ["Имя", "Источник", "Предпочтительный канал", "Часовой пояс"],
            ["Анна", "Referral", "sms", "Europe/Moscow"],
            ["Борис", "сарафан", "", "Mars/Olympus"],
        ]
    )

    job = check(head, upload(head, data))

    # an unknown source or time zone is left out with a warning; Борис still comes in
    assert (job.created_count, job.error_count) == (2, 0)
    messages = {e["field"]: e["message"] for e in job.errors}
    assert "сарафан" in messages["Источник"]
    assert "Mars/Olympus" in messages["Часовой пояс"]


def test_an_unexpected_failure_leaves_no_half_written_rows(head):
    data = csv_bytes([["Имя", "Телефон"]] + [[f"N{i}", f"+7916000000{i}"] for i in range(5)])
    job = check(head, upload(head, data))
    real = rows.chunk_write  # a small file is written a row at a time
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("the database went away")
        return real(**kwargs)

    with mock.patch.object(rows, "chunk_write", flaky), pytest.raises(RuntimeError):
        run(head, job)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert not Contact.objects.exists()


def test_a_finished_import_does_not_run_again(head):
    job = run(head, check(head, upload(head, csv_bytes([["Имя"], ["Анна"]]))))
    assert job.status == Job.Status.DONE

    with pytest.raises(ValidationError):
        job_start(actor=head, job=job, run_now=True)
    again = job_run(job_id=job.pk)

    assert again.status == Job.Status.DONE
    assert Contact.objects.count() == 1


def test_the_uploaded_file_is_deleted_once_its_rows_are_in_the_base(head):
    # given an uploaded and checked file, stored on disk
    job = check(head, upload(head, csv_bytes([["Имя", "Телефон"], ["Анна", "89161234567"]])))
    path = job.file.path
    assert Path(path).exists()

    # when it is imported
    job = run(head, job)

    # then no second copy of the personal data stays behind
    assert job.status == Job.Status.DONE
    job.refresh_from_db()
    assert not job.file
    assert not Path(path).exists()
    assert Contact.objects.get().first_name == "Анна"


def test_uploads_nobody_imported_are_purged_after_the_retention(head, settings):
    # given a checked upload from last week, a fresh one, and one queued to run
    old = check(head, upload(head, csv_bytes([["Имя"], ["Анна"]])))
    fresh = check(head, upload(head, csv_bytes([["Имя"], ["Борис"]])))
    queued = check(head, upload(head, csv_bytes([["Имя"], ["Вера"]])))
    week_ago = timezone.now() - dt.timedelta(days=8)
    Job.objects.filter(pk__in=[old.pk, queued.pk]).update(created_at=week_ago)
    Job.objects.filter(pk=queued.pk).update(status=Job.Status.QUEUED)
    old_path = old.file.path

    # when the daily purge runs with a 7-day retention
    settings.IMPORT_FILE_RETENTION_DAYS = 7
    purged = purge_job_uploads()

    # then only the old upload that is not about to run is gone
    assert purged == 1
    assert not Path(old_path).exists()
    assert not Job.objects.get(pk=old.pk).file
    assert Job.objects.get(pk=fresh.pk).file
    assert Job.objects.get(pk=queued.pk).file


def test_row_errors_are_written_in_the_importers_language(head):
    head.language = "ru"
    head.save(update_fields=["language"])
    # a row whose only detail is an unreadable phone: nothing left would make a person
    job = check(head, upload(head, csv_bytes([["Имя", "Телефон"], ["", "12345"]])))

    assert job.error_count == 1
    assert job.errors[0]["message"] != "“12345” is not a valid phone number."

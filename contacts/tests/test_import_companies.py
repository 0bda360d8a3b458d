"""Company exports of Bitrix24 and amoCRM through the whole stack: each row is a company, with
its own phones, e-mails, INN, address and site. The file is uploaded, its columns guessed as
the tool writes them, checked (nothing written), imported as companies — found by INN, then by
name, as the services find them — and imported again without doubling anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from contacts.imports import steps
from contacts.imports.readers import table_read
from contacts.imports.rows import rows_import
from contacts.imports.targets import export_format_recognise
from contacts.models import Company, Contact, Email, Phone
from contacts.tests.factories import CompanyFactory
from contacts.tests.io_support import csv_bytes
from contacts.tests.test_import_formats import _guessed, _import, _post_mapping, _upload
from crm.jobs.services import job_run
from crm.models import Job

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "csv"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _phones(company: Company) -> set[tuple[str, str]]:
    return set(company.phones.values_list("number", "kind"))


def _emails(company: Company) -> set[tuple[str, str]]:
    return set(company.emails.values_list("address", "kind"))


def _state() -> dict:
    """Every company with its fields, phones, e-mails and tags; and how many contacts."""
    return {
        "contacts": Contact.objects.count(),
        "companies": {
            c.pk: (
                c.name,
                c.inn,
                c.website,
                c.address,
                c.notes,
                _phones(c),
                _emails(c),
                set(c.tags.values_list("name", flat=True)),
            )
            for c in Company.objects.all()
        },
    }


def _check(client, job: Job, *, errors: bool = False) -> Job:
    """The mapping as guessed, sent back: the check runs and writes nothing."""
    before = _state()
    response = _post_mapping(client, job)
    assert response.status_code == 302, response.content.decode()[-3000:]
    job.refresh_from_db()
    assert job.status == Job.Status.CHECKED, job.errors
    assert bool(job.errors) == errors, job.errors
    assert _state() == before
    return job


def _check_and_import(client, job, django_capture_on_commit_callbacks) -> Job:
    job = _import(client, _check(client, job), django_capture_on_commit_callbacks)
    assert job.status == Job.Status.DONE, job.errors
    return job


def _imported_again(client, name, data, rows, django_capture_on_commit_callbacks) -> None:
    """The same file again: every row updates its company, nothing is doubled."""
    before = _state()
    events = Company.pgh_event_model.objects.count()
    job = _upload(client, data, f"again-{name}")
    job = _check_and_import(client, job, django_capture_on_commit_callbacks)
    assert (job.created_count, job.updated_count) == (0, rows)
    assert _state() == before
    # nothing changed, so the history has no new "update" of any company
    assert Company.pgh_event_model.objects.count() == events


BITRIX_GUESS = {
    "Название компании": "company",
    "Рабочий телефон": "phone:work",
    "Мобильный телефон": "phone:mobile",
    "Номер факса": "phone:fax",
    "Домашний телефон": "phone:home",
    "Телефон для рассылок": "phone:mobile",
    "Другой телефон": "phone:other",
    "Корпоративный сайт": "company_website",
    "Рабочий e-mail": "email:work",
    "Частный e-mail": "email:personal",
    "E-mail для рассылок": "email:work",
    "Другой e-mail": "email:other",
    "Комментарий": "notes",
    "Адрес": "address",
    "Регион": "region",
    "ИНН": "inn",
    "КПП": "company_kpp",
}


def test_bitrix24_companies_export(client, head, django_capture_on_commit_callbacks):
    client.force_login(head)
    # Ромашка is known by its INN under a shorter name; Вектор by its name, without an INN
    # and with one of its phones already.
    romashka = CompanyFactory(name="Ромашка", inn="7719356231")
    vektor = CompanyFactory(name="ООО «ВЕКТОР»", inn="")
    Phone.objects.create(company=vektor, number="+78125550000", kind="work", is_primary=True)
    data = (DATA / "bitrix24_companies.csv").read_bytes()

    job = _upload(client, data, "bitrix24_companies.csv")

    # the type, the responsible (a name), Bitrix24's sources and the legal address stay out
    assert _guessed(job) == BITRIX_GUESS
    page = client.get(reverse("contacts:import-detail", args=[job.pk])).content.decode()
    assert "Bitrix24 companies" in page

    job = _check_and_import(client, job, django_capture_on_commit_callbacks)
    assert (job.created_count, job.updated_count) == (1, 2)

    assert Contact.objects.count() == 0  # no nameless contact for a company's phone
    assert Company.objects.count() == 3
    romashka.refresh_from_db()
    assert romashka.name == "Ромашка"  # found by its INN, its name kept
    assert romashka.website == "https://romashka.ru"
    assert romashka.kpp == "771901001"
    assert romashka.address == "ул. Ленина, 1"
    assert romashka.region == "Московская область"
    assert romashka.notes == "Постоянный клиент с 2019 года"
    assert _phones(romashka) == {("+74951234500", "work"), ("+74951234501", "fax")}
    assert _emails(romashka) == {("info@romashka.ru", "work"), ("news@romashka.ru", "work")}
    assert romashka.phones.get(is_primary=True).number == "+74951234500"
    vektor.refresh_from_db()
    assert vektor.inn == "7814012382"  # found by name, its INN filled in
    assert vektor.website == "https://vektor.ru"
    assert _phones(vektor) == {
        ("+78125550000", "work"),
        ("+78125550001", "work"),
        ("+79217000001", "mobile"),
    }
    assert vektor.phones.filter(is_primary=True).count() == 1
    assert _emails(vektor) == {("office@vektor.ru", "work"), ("sales@vektor.ru", "work")}
    orlov = Company.objects.get(name="ИП Орлов С. А.")
    assert orlov.source == "import"
    assert orlov.owner == head
    assert _phones(orlov) == {("+79165554433", "mobile")}
    assert _emails(orlov) == {("orlov.ip@mail.ru", "personal")}
    # the history has the companies made and changed, as the services would have left it
    assert orlov.pgh_event_model.objects.filter(pgh_obj=orlov, pgh_label="insert").exists()
    assert vektor.pgh_event_model.objects.filter(
        pgh_obj=vektor, pgh_label="update", inn="7814012382"
    ).exists()

    _imported_again(client, "bitrix24_companies.csv", data, 3, django_capture_on_commit_callbacks)


AMO_GUESS = {
    "Название": "company",
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
    "Web": "company_website",
    "Адрес": "address",
    "ИНН": "inn",
}


def test_amocrm_companies_export(client, head, django_capture_on_commit_callbacks):
    client.force_login(head)
    data = (DATA / "amocrm_companies.csv").read_bytes()

    job = _upload(client, data, "amocrm_companies.csv")

    assert _guessed(job) == AMO_GUESS
    page = client.get(reverse("contacts:import-detail", args=[job.pk])).content.decode()
    assert "amoCRM companies" in page

    job = _check_and_import(client, job, django_capture_on_commit_callbacks)
    assert (job.created_count, job.updated_count) == (2, 0)

    assert Contact.objects.count() == 0
    vektor = Company.objects.get(inn="7814012382")
    assert vektor.name == "ООО «Вектор»"
    assert vektor.website == "https://vektor.ru"
    assert vektor.address == "Невский пр., 10"
    assert vektor.notes == "Договор поставки до 2027 года"
    assert _phones(vektor) == {("+78125550000", "work"), ("+78125550009", "work")}
    assert _emails(vektor) == {("office@vektor.ru", "work")}
    assert sorted(vektor.tags.values_list("name", flat=True)) == ["Санкт-Петербург", "опт"]
    sever = Company.objects.get(inn="5029360774")
    assert sever.website == "https://www.sever.ru"
    assert _phones(sever) == {("+74957770000", "work"), ("+79031002030", "mobile")}
    assert _emails(sever) == {("info@sever.ru", "work"), ("buh@sever.ru", "other")}

    _imported_again(client, "amocrm_companies.csv", data, 2, django_capture_on_commit_callbacks)


def test_a_company_export_is_not_taken_for_a_contact_export_nor_the_other_way():
    amo = (DATA / "amocrm_companies.csv").read_bytes().decode("utf-8-sig").splitlines()[0]
    assert export_format_recognise(amo.split(";")).code == "amocrm_companies"
    # amoCRM may name the column "Компания": still the companies, no person's name is there
    headers = ["Компания" if h == "Название" else h for h in amo.split(";")]
    assert export_format_recognise(headers).code == "amocrm_companies"
    for name, code in (("amocrm_contacts.csv", "amocrm"), ("bitrix24_contacts.csv", "bitrix24")):
        first = (DATA / name).read_bytes().decode("utf-8-sig").splitlines()[0]
        assert export_format_recognise(first.split(";")).code == code


def test_a_row_with_a_company_and_no_person_in_any_file_is_the_company(
    client, head, django_capture_on_commit_callbacks
):
    client.force_login(head)
    data = csv_bytes(
        [
            ["Фамилия", "Компания", "ИНН", "Телефон", "Email"],
            ["Петров", "ООО «Ромашка»", "7719356231", "+7 916 111-22-33", "petrov@romashka.ru"],
            ["", "ООО «Ромашка»", "", "+7 495 123-45-00", "info@romashka.ru"],
        ]
    )
    job = _upload(client, data, "mixed.csv")
    job = _check_and_import(client, job, django_capture_on_commit_callbacks)

    petrov = Contact.objects.get()  # the person; the second row made nobody
    romashka = Company.objects.get()
    assert petrov.company == romashka
    assert set(petrov.phones.values_list("number", flat=True)) == {"+79161112233"}
    assert _phones(romashka) == {("+74951234500", "mobile")}
    assert _emails(romashka) == {("info@romashka.ru", "work")}
    assert Phone.objects.count() == 2
    assert Email.objects.count() == 2


def test_a_bad_company_row_is_reported_and_nothing_is_imported(
    client, head, django_capture_on_commit_callbacks
):
    client.force_login(head)
    data = csv_bytes(
        [
            ["Название компании", "ИНН", "Рабочий телефон", "Корпоративный сайт", "КПП"],
            ["ООО «Ромашка»", "7719356231", "+7 495 123-45-00", "not a site at all", "12"],
            ["ООО «Вектор»", "7814012383", "+7 812 555-00-00", "", ""],  # wrong check digit
            ["ООО «Лютик»", "", "12345", "", ""],  # a company with no phone that can be read
        ]
    )
    job = _upload(client, data, "bad.csv")
    _post_mapping(client, job)
    job.refresh_from_db()
    assert job.status == Job.Status.CHECKED
    errors = [(e["row"], e["field"], e.get("warning", False)) for e in job.errors]
    assert (2, "Корпоративный сайт", True) in errors  # left out, the company kept
    assert (2, "КПП", True) in errors
    assert (3, "ИНН", False) in errors
    assert (4, "Рабочий телефон", True) in errors
    assert job.error_count == 1
    assert Company.objects.count() == 0

    # imported as it is: all or nothing, so nothing
    job = _import(client, job, django_capture_on_commit_callbacks)
    assert job.status != Job.Status.DONE
    assert Company.objects.count() == 0
    assert Phone.objects.count() == 0

    # the valid rows only: the two good companies, without the values left out
    job = _check(client, _upload(client, data, "bad-again.csv"), errors=True)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("job-start", args=[job.pk]), {"valid_only": "on"})
    job_run(job_id=job.pk)
    assert sorted(Company.objects.values_list("name", "website", "kpp")) == [
        ("ООО «Лютик»", "", ""),
        ("ООО «Ромашка»", "", ""),
    ]
    assert _phones(Company.objects.get(name="ООО «Ромашка»")) == {("+74951234500", "work")}
    assert not Company.objects.get(name="ООО «Лютик»").phones.exists()


def _company_rows(rows: list[list[str]]) -> tuple:
    table = table_read(csv_bytes(rows), "csv")
    return table, steps.mapping_guess(table.headers, steps.import_targets())


def test_a_company_made_in_a_checked_chunk_is_found_by_a_later_chunk(head):
    # given one company on two rows, read a row at a time
    table, mapping = _company_rows(
        [
            ["Название компании", "ИНН", "Рабочий телефон"],
            ["Ромашка", "7719356231", "+7 495 123-45-00"],
            ["Ромашка", "7719356231", "+7 495 123-45-01"],
        ]
    )

    # when checked, then imported
    checked = rows_import(actor=head, table=table, mapping=mapping, write=False, chunk_rows=1)
    assert not Company.objects.exists()
    done = rows_import(actor=head, table=table, mapping=mapping, chunk_rows=1)

    # then the check and the import agree: one company, with both phones
    assert (checked.created, checked.updated) == (done.created, done.updated) == (1, 1)
    assert _phones(Company.objects.get()) == {("+74951234500", "work"), ("+74951234501", "work")}


def test_the_queries_of_a_company_import_do_not_grow_with_its_rows(
    head, django_assert_max_num_queries
):
    # given 100 known companies with a phone each and 300 new ones, read 200 rows at a time
    known = [CompanyFactory(name=f"Известная {i}") for i in range(100)]
    Phone.objects.bulk_create(
        Phone(company=c, number=f"+7495{i:07d}", kind="work") for i, c in enumerate(known)
    )
    rows = [["Название компании", "Рабочий телефон", "Рабочий e-mail", "Теги"]]
    rows += [[f"Новая {i}", f"+7812{i:07d}", f"n{i}@example.ru", "new"] for i in range(300)]
    rows += [[c.name, f"+7495{i:07d}", f"k{i}@example.ru", "vip"] for i, c in enumerate(known)]
    table, mapping = _company_rows(rows)

    with django_assert_max_num_queries(100):
        outcome = rows_import(actor=head, table=table, mapping=mapping, chunk_rows=200)

    assert (outcome.created, outcome.updated, outcome.error_rows) == (300, 100, 0)
    assert Company.objects.count() == 400
    assert Phone.objects.count() == 400  # the known phones were not added twice
    assert Email.objects.count() == 400
    assert Company.objects.filter(tags__name="vip").count() == 100
    assert not Contact.objects.exists()


def test_a_company_the_importer_cannot_see_is_not_changed(manager, manager2):
    # given a company of another team's manager, which this manager does not see
    hidden = CompanyFactory(name="Чужая", inn="7719356231", owner=manager2)
    table, mapping = _company_rows(
        [
            ["Название компании", "ИНН", "Рабочий телефон"],
            ["Чужая", "7719356231", "+7 495 123-45-00"],
        ]
    )

    outcome = rows_import(actor=manager, table=table, mapping=mapping)

    assert [e["message"] for e in outcome.errors] == ["It is a company you cannot see."]
    assert not hidden.phones.exists()

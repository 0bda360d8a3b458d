"""The import reads and writes a chunk of rows at a time; what a person sees stays as it was
row by row: the check saves nothing (not even an id), a phone repeated further down the file
updates the contact the first row made, the history names the importer, and an imported
contact has all that one typed in by hand has."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import translation

from contacts import selectors
from contacts.imports import steps
from contacts.imports.readers import table_read
from contacts.imports.rows import rows_import
from contacts.models import Company, Contact, Interaction
from contacts.tests.factories import ContactFactory
from contacts.tests.io_support import check, csv_bytes, run, upload
from crm.history import acting_as
from crm.models import Job

pytestmark = pytest.mark.django_db

GOOD_INN = "7707083893"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _next_ids() -> dict[str, tuple]:
    """Where the id sequences of everything an import writes stand."""
    found = {}
    with connection.cursor() as cursor:
        for table in (
            "contacts_contact",
            "contacts_company",
            "contacts_phone",
            "contacts_email",
            "contacts_interaction",
            "contacts_tag",
        ):
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            (sequence,) = cursor.fetchone()
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
            found[table] = cursor.fetchone()
    return found


def test_the_check_saves_nothing_and_takes_no_ids(head):
    # given a file of new people, with companies, tags and e-mails
    rows = [["ФИО", "Телефон", "E-mail", "Компания", "ИНН", "Теги"]] + [
        [f"Клиентов Клиент {i}", f"+7916{i:07d}", f"c{i}@example.ru", "Ромашка", GOOD_INN, "vip"]
        for i in range(30)
    ]
    job = upload(head, csv_bytes(rows))
    before = _next_ids()

    # when it is checked
    job = check(head, job)

    # then the check tells what would happen, and no sequence moved
    assert (job.status, job.created_count, job.error_count) == (Job.Status.CHECKED, 30, 0)
    assert _next_ids() == before
    assert not Contact.objects.exists()
    assert not Company.objects.exists()


def test_a_phone_repeated_in_a_later_chunk_updates_the_contact_made_above(head):
    # given a file read a row at a time (a small file is), whose third row is the first
    # person again, her phone written another way
    rows = [
        ["ФИО", "Телефон", "Должность"],
        ["Лисова Анна", "+7 916 123-45-67", ""],
        ["Борисов Борис", "+7 916 765-43-21", ""],
        ["", "8 (916) 123-45-67", "Главный бухгалтер"],
    ]
    job = upload(head, csv_bytes(rows))

    # when it is checked, then imported
    checked = check(head, job)
    counts = (checked.created_count, checked.updated_count, checked.error_count)
    job = run(head, checked)

    # then the check and the import agree, and Anna is one contact with her position
    assert counts == (2, 1, 0)
    assert (job.created_count, job.updated_count, job.error_count) == (2, 1, 0)
    anna = Contact.objects.get(last_name="Лисова")
    assert anna.position == "Главный бухгалтер"
    assert [p.number for p in anna.phones.all()] == ["+79161234567"]
    assert Contact.objects.count() == 2


def test_a_known_contact_named_in_two_chunks_gets_both_rows(head):
    known = ContactFactory(first_name="Анна", phone="+79161234567", email="anna@example.ru")
    rows = [
        ["Телефон", "E-mail", "Рабочий телефон"],
        ["+79161234567", "", "+7 495 123-45-67"],
        ["", "anna@example.ru", "+7 495 765-43-21"],
    ]

    job = run(head, check(head, upload(head, csv_bytes(rows))))

    assert (job.created_count, job.updated_count) == (0, 2)
    assert {p.number for p in known.phones.all()} == {
        "+79161234567",
        "+74951234567",
        "+74957654321",
    }
    assert [p.number for p in known.phones.filter(is_primary=True)] == ["+79161234567"]


def test_an_imported_contact_has_what_the_services_give_one(head):
    rows = [
        ["Фамилия", "Имя", "Телефон", "E-mail", "Компания", "ИНН", "Теги"],
        ["Иванов", "Иван", "8 916 123-45-67", "Ivan@Example.RU", "Ромашка", GOOD_INN, "vip; опт"],
    ]

    run(head, check(head, upload(head, csv_bytes(rows))))

    contact = Contact.objects.get()
    assert (contact.owner, contact.created_by, contact.source) == (head, head, "import")
    assert [(p.number, p.is_primary) for p in contact.phones.all()] == [("+79161234567", True)]
    assert [(e.address, e.is_primary) for e in contact.emails.all()] == [("ivan@example.ru", True)]
    assert sorted(t.name for t in contact.tags.all()) == ["vip", "опт"]
    assert (contact.company.name, contact.company.inn) == ("Ромашка", GOOD_INN)
    # its timeline starts with its creation, as for a contact typed in by hand
    event = Interaction.objects.get(contact=contact)
    assert (event.kind, event.author, event.data["event"]) == ("system", head, "contact_created")
    # and an incoming call from the number finds it
    assert list(selectors.contacts_by_phone(head, "+7 916 123-45-67")) == [contact]


def test_the_history_of_imported_rows_names_the_importer_once_per_change(head):
    # given a known client, and a file that changes her and brings a new client with a company
    known = ContactFactory(first_name="Анна", last_name="Лисова", phone="+79161234567")
    rows = [
        ["ФИО", "Телефон", "Должность", "Компания"],
        ["Лисова Анна", "+7 916 123-45-67", "Главный бухгалтер", ""],
        ["Борисов Борис", "+7 916 765-43-21", "", "Ромашка"],
    ]

    # when the command imports it
    with acting_as(head, via="command:contacts_import"):
        run(head, check(head, upload(head, csv_bytes(rows))))

    # then each change has one event in the history, under the importer and the command
    events = Contact.pgh_event_model.objects.select_related("pgh_context")
    created = Contact.objects.get(last_name="Борисов")
    importer = {"user": head.pk, "via": "command:contacts_import"}
    update = events.get(pgh_obj=known, pgh_label="update")
    assert (update.position, update.pgh_context.metadata) == ("Главный бухгалтер", importer)
    insert = events.get(pgh_obj=created, pgh_label="insert")
    assert (insert.first_name, insert.pgh_context.metadata) == ("Борис", importer)
    company = Company.pgh_event_model.objects.select_related("pgh_context").get()
    assert (company.name, company.pgh_context.metadata) == ("Ромашка", importer)


def test_an_all_or_nothing_import_reports_bad_rows_in_every_chunk(head):
    rows = [["Имя", "Телефон"]] + [[f"N{i}", f"+7916{i:07d}"] for i in range(40)]
    # a row refused: nothing left to make a person (a bad phone beside a name is a warning)
    rows[3] = ["", "12345"]
    rows[38] = ["", "54321"]

    job = run(head, check(head, upload(head, csv_bytes(rows))))

    assert job.status == Job.Status.FAILED
    assert job.error_count == 2
    assert {e["row"] for e in job.errors} == {4, 39}
    assert not Contact.objects.exists()


def test_the_queries_of_an_import_do_not_grow_with_its_rows(head, django_assert_max_num_queries):
    # given 400 new people (some sharing a company) and 100 known ones, read 200 rows at a time
    known = [ContactFactory(phone=f"+7925{i:07d}") for i in range(100)]
    rows = [["ФИО", "Телефон", "Компания", "Теги"]]
    rows += [[f"Новиков Н{i}", f"+7916{i:07d}", f"Фирма {i % 7}", "new"] for i in range(400)]
    rows += [["", c.phones.get().number, "", "vip"] for c in known]
    table = table_read(csv_bytes(rows), "csv")
    mapping = steps.mapping_guess(table.headers, steps.import_targets())

    # when every row is checked and written, in 3 chunks; the COPY streams are not counted
    # here (they are not queries Django sees), the lookups and statements are: about 30 a
    # chunk, where the services took a dozen a row
    with django_assert_max_num_queries(100):
        outcome = rows_import(actor=head, table=table, mapping=mapping, chunk_rows=200)

    assert (outcome.created, outcome.updated, outcome.error_rows) == (400, 100, 0)
    assert Contact.objects.count() == 500
    assert Company.objects.count() == 7
    assert Contact.objects.filter(tags__name="vip").count() == 100


def test_a_company_made_by_a_row_is_found_by_later_rows_of_the_same_chunk(head):
    # given rows that name one company, once with its INN and then by its name alone
    rows = [
        ["Имя", "Компания", "ИНН"],
        ["Анна", "Ромашка", GOOD_INN],
        ["Борис", "ромашка", ""],
        ["Вера", "Лютик", ""],
        ["Глеб", "Лютик", ""],
    ]
    table = table_read(csv_bytes(rows), "csv")
    mapping = steps.mapping_guess(table.headers, steps.import_targets())

    # when they are checked, then written, in one chunk
    checked = rows_import(actor=head, table=table, mapping=mapping, write=False)
    assert not Company.objects.exists()
    rows_import(actor=head, table=table, mapping=mapping)

    # then each company is made once, as the services would have found it by name
    assert checked.created == 4
    assert sorted(Company.objects.values_list("name", flat=True)) == ["Лютик", "Ромашка"]
    assert Contact.objects.get(first_name="Борис").company.inn == GOOD_INN

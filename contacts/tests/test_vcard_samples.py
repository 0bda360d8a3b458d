"""vCards as phones, Google, Apple and Outlook write them, imported through the job engine.

The files in ``data/vcards/`` are real exports kept unchanged (see its README), and two written
after the Russian ones people bring: Android's quoted-printable UTF-8 and Outlook's
windows-1251. Each goes upload → check → import; what cannot be read is left out with a note in
the row's report, never the whole file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from contacts.imports import steps
from contacts.imports.readers import Format
from contacts.models import Contact
from contacts.tests.io_support import check, csv_bytes, run, upload
from contacts.vcard import VCardError, cards_parse
from crm.models import Job

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "vcards"


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _imported(actor, name: str) -> Job:
    """The file through the engine: upload, the check, then the import of every row."""
    job = upload(actor, (DATA / name).read_bytes(), name=name)
    assert job.options["format"] == Format.VCARD
    checked = check(actor, job)
    assert checked.status == Job.Status.CHECKED, checked.errors
    assert checked.error_count == 0, checked.errors
    done = run(actor, checked)
    assert done.status == Job.Status.DONE, done.errors
    return done


def _notes(job: Job) -> dict[int, list[tuple[str, str]]]:
    """The row report's warnings: row → [(column, message)]."""
    found: dict[int, list[tuple[str, str]]] = {}
    for item in job.errors:
        assert item.get("warning"), item  # nothing in these files refuses a row
        found.setdefault(item["row"], []).append((item["field"], item["message"]))
    return found


def _person(**lookup) -> Contact:
    return Contact.objects.prefetch_related("phones", "emails", "tags").get(**lookup)


def _phones(contact: Contact) -> list[tuple[str, str]]:
    return sorted((p.number, p.kind) for p in contact.phones.all())


def test_google_card_keeps_the_person_when_its_phones_have_no_country(head):
    # given Google's export, whose phones "555 555 1111" name no country

    job = _imported(head, "google_gmail-single.vcf")

    # then Greg comes in with everything that is valid
    assert (job.created_count, job.error_count) == (1, 0)
    greg = _person(last_name="Dartmouth")
    assert greg.first_name == "Greg"
    assert [e.address for e in greg.emails.all()] == ["gdartmouth@hotmail.com"]
    assert greg.birthday == dt.date(1960, 9, 10)
    assert greg.company.name == "TheCompany"
    assert greg.position == "TheJobTitle"
    assert greg.address == "123 Home St, Home City, HM 12345"
    # a folded NOTE with escaped line breaks reads as the text it is
    assert greg.notes.startswith("This is GMail's note field.\nIt should be added as a NOTE")
    assert "ACustomField: CustomField" in greg.notes
    assert not greg.phones.exists()
    # and the row's report says which phones were left out and why, as warnings
    notes = _notes(job)
    assert list(notes) == [1]
    messages = " ".join(m for _c, m in notes[1])
    assert "“555 555 1111” is not a valid phone number. The value was left out." in messages
    assert "555 555 2222" in messages  # item1.TEL, grouped with its X-ABLabel
    assert {c for c, _m in notes[1]} == {"Phone", "Other phone"}


def test_ios_card_with_a_folded_base64_photo_imports_and_notes_the_photo(head):
    job = _imported(head, "apple_ios_John_Doe_IPHONE.vcf")

    assert job.created_count == 1
    john = _person(last_name="Doe")
    assert (john.first_name, john.middle_name) == ("John", "Richter James")
    assert john.company.name == "IBM"
    assert john.position == "Money Counter"
    assert john.birthday == dt.date(2012, 6, 6)
    assert [e.address for e in john.emails.all()] == ["john.doe@ibm.com"]  # item1.EMAIL
    kinds = [kind for _number, kind in _phones(john)]
    assert kinds.count("fax") == 2
    assert {"mobile", "home", "work"} <= set(kinds)
    assert john.address.startswith("Silicon Alley 5, New York")  # the preferred ADR
    assert _notes(job) == {1: [("PHOTO", "The photo was left out: a contact has no photo.")]}


def test_macos_card_imports(head):
    job = _imported(head, "apple_macos_John_Doe_MAC_ADDRESS_BOOK.vcf")

    john = _person(last_name="Doe")
    assert john.first_name == "John"
    assert [(e.address, e.kind) for e in john.emails.all()] == [("john.doe@ibm.com", "work")]
    assert john.notes.startswith("THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIB")
    assert '"AS IS"' in john.notes  # \" and \, unescaped
    assert john.phones.count() >= 5
    assert ("PHOTO", "The photo was left out: a contact has no photo.") in _notes(job)[1]


def test_outlook_21_card_with_quoted_printable_labels_imports(head):
    job = _imported(head, "outlook_John_Doe_MS_OUTLOOK.vcf")

    john = _person(last_name="Doe")
    assert (john.first_name, john.position) == ("John", "Money Counter")
    assert john.birthday == dt.date(1980, 3, 22)  # BDAY:19800322
    assert [e.address for e in john.emails.all()] == ["john.doe@ibm.cm"]
    assert {kind for _n, kind in _phones(john)} == {"work", "home"}
    assert john.address == "Cresent moon drive, Albaney, 12345, United States of America"
    assert john.region == "New York"
    assert _notes(job) == {1: [("PHOTO", "The photo was left out: a contact has no photo.")]}


def test_vcard_40_with_tel_uris_imports(head):
    job = _imported(head, "vcard40_rfc6350-example.vcf")

    simon = _person(last_name="Perreault")
    assert simon.first_name == "Simon"
    assert _phones(simon) == [("+14182626501", "mobile"), ("+14186569254", "work")]
    assert [e.address for e in simon.emails.all()] == ["simon.perreault@viagenie.ca"]
    assert simon.company.name == "Viagenie"
    assert simon.birthday is None
    assert _notes(job) == {1: [("BDAY", "This value was left out: the date --0203 has no year.")]}


def test_android_21_file_imports_every_card(head):
    job = _imported(head, "android_John_Doe_ANDROID.vcf")

    # every one of its six cards comes in, the ones with unusable numbers too
    assert (job.created_count, job.error_count) == (6, 0)
    assert Contact.objects.filter(emails__address="john.doe@company.com").exists()
    bob = _person(emails__address="bob@company.com")
    assert (bob.last_name, bob.first_name) == ("Ñ Ñ", "Ñ Ñ Ñ")
    assert bob.company.name == "Ñ" * 12  # quoted-printable soft-broken over two lines
    henry = _person(emails__address="henry@company.com")
    assert henry.company.name == "Ñ" * 44
    notes = _notes(job)
    # a photo on card 5; an ORG whose bytes are not UTF-8 on card 6; numbers with no country
    assert ("PHOTO", "The photo was left out: a contact has no photo.") in notes[5]
    assert ("ORG", "This value was left out: its text is not valid UTF-8.") in notes[6]
    assert any("“123456789” is not a valid phone number." in m for _c, m in notes[3])
    assert any(
        m == "“ÑÑÑÑÑÑÑÑÑÑÑÑÑÑ” is not an e-mail address. The value was left out."
        for _c, m in notes[5]
    )


def test_android_cyrillic_quoted_printable_imports(head):
    job = _imported(head, "android_ru_quoted_printable.vcf")

    assert job.created_count == 2
    anna = _person(last_name="Иванова")
    assert (anna.first_name, anna.middle_name) == ("Анна", "Сергеевна")
    assert anna.company.name == "ООО «Ромашка»"
    assert anna.position == "Главный бухгалтер"
    assert anna.birthday == dt.date(1985, 3, 15)
    assert anna.address == "ул. Большая Садовая, д. 10, кв. 50, Москва, 123001, Россия"
    assert anna.notes.startswith("Просила перезвонить после обеда, предпочитает WhatsApp.")
    assert anna.notes.endswith("перенёс на несколько строк.")
    assert _phones(anna) == [("+74951234567", "home"), ("+79161234567", "mobile")]
    assert [(e.address, e.kind) for e in anna.emails.all()] == [
        ("anna.ivanova@example.ru", "personal")
    ]
    # a bad phone leaves the rest of Пётр: his e-mail and birthday
    petr = _person(last_name="Петров")
    assert petr.first_name == "Пётр"
    assert [e.address for e in petr.emails.all()] == ["petr.petrov@example.ru"]
    assert petr.birthday == dt.date(1990, 7, 1)
    assert not petr.phones.exists()
    notes = _notes(job)
    assert notes[1] == [("PHOTO", "The photo was left out: a contact has no photo.")]
    assert notes[2] == [("Phone", "“12345” is not a valid phone number. The value was left out.")]


def test_outlook_windows_1251_quoted_printable_imports(head):
    job = _imported(head, "outlook_ru_windows1251.vcf")

    sidorov = _person(last_name="Сидоров")
    assert (sidorov.first_name, sidorov.middle_name) == ("Сергей", "Николаевич")
    assert sidorov.company.name == "АО «Лютик»"
    assert sidorov.position == "Начальник отдела"
    assert sidorov.birthday == dt.date(1978, 11, 2)
    assert sidorov.address == "Тверская ул., 7, Москва, 125009, Россия"
    assert _phones(sidorov) == [("+74957654321", "work"), ("+79031112233", "mobile")]
    assert [e.address for e in sidorov.emails.all()] == ["sidorov@lyutik.ru"]
    assert sidorov.notes == ""  # its only NOTE names a character set that does not exist
    assert _notes(job) == {
        1: [("NOTE", "This value was left out: its character set KOI8-X is unknown.")]
    }


def test_the_check_page_shows_the_notes_as_notes(client, head):
    job = check(head, upload(head, (DATA / "google_gmail-single.vcf").read_bytes(), "g.vcf"))
    client.force_login(head)

    page = client.get(reverse("contacts:import-detail", args=[job.pk])).content.decode()

    assert "Every row can be imported; the notes below say which values will be left out." in page
    assert 'data-level="warning"' in page
    assert "555 555 1111" in page
    assert 'data-count="errors">0<' in page


def test_a_damaged_line_is_left_out_with_a_note_not_the_file():
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna Smith\r\nthis line is no property\r\n"
        "PHOTO;ENCODING=b;TYPE=JPEG:not base64 at all\r\n"
        "EMAIL;TYPE=INTERNET:anna@example.com\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Smith;Bob;;;\r\nEND:VCARD\r\n"
    )

    anna, bob = cards_parse(text)

    assert anna.emails == [("anna@example.com", "other")]
    assert anna.left_out == [
        ("", "Line 4 was left out: it is not a vCard property."),
        ("PHOTO", "The photo was left out: a contact has no photo."),
    ]
    assert (bob.first_name, bob.left_out) == ("Bob", [])


def test_a_csv_row_keeps_its_person_when_optional_values_are_bad(head):
    # given rows with a bad phone, a bad e-mail, a bad date — each beside a valid name
    data = csv_bytes(
        [
            ["Фамилия", "Имя", "Телефон", "E-mail", "Дата рождения"],
            ["Орлова", "Ольга", "555 555 1111", "olga@example.ru", "1990-02-31"],
            ["Зайцев", "Захар", "", "zakhar@@example", ""],
            ["", "", "12345", "", ""],
        ]
    )

    job = check(head, upload(head, data))

    # then the named people are kept with notes; the row with nothing but a bad phone is refused
    assert (job.created_count, job.error_count) == (2, 1)
    by_row = {(e["row"], e["field"]): e for e in job.errors}
    assert by_row[(2, "Телефон")]["warning"]
    assert by_row[(2, "Дата рождения")]["warning"]
    assert by_row[(3, "E-mail")]["warning"]
    assert not by_row[(4, "Телефон")].get("warning")
    assert by_row[(4, "Телефон")]["message"] == "“12345” is not a valid phone number."
    job = run(head, job, valid_only=True)
    olga = _person(last_name="Орлова")
    assert [e.address for e in olga.emails.all()] == ["olga@example.ru"]
    assert (olga.birthday, olga.phones.count()) == (None, 0)
    assert Contact.objects.filter(last_name="Зайцев", emails__isnull=True).exists()


def test_a_written_card_still_reads_back_through_the_import(head):
    job = upload(head, (DATA / "google_gmail-single.vcf").read_bytes(), name="g.vcf")

    preview = steps.import_preview(job)

    assert len(preview.rows) == 1
    assert "Dartmouth" in preview.rows[0][1]


_LINES = st.sampled_from(
    [
        "BEGIN:VCARD",
        "END:VCARD",
        "VERSION:2.1",
        "VERSION:3.0",
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=98=D0=B2=",
        "=D0=B0;=D0",
        " folded",
        'TEL;VALUE=uri;TYPE="work,voice":tel:+1-418-656-9254;ext=102',
        "PHOTO;ENCODING=b:AAAA",
        "NOTE;CHARSET=nope;ENCODING=QUOTED-PRINTABLE:=FF=",
        "BDAY:--0203",
        "item1.TEL:555",
        "item1.X-ABLabel:_$!<Mobile>!$_",
        "",
    ]
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(_LINES, st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)),
        max_size=25,
    ),
    st.sampled_from(["\r\n", "\n", "\r\r\n"]),
)
def test_any_text_gives_cards_or_a_vcard_error_never_a_crash(lines, newline):
    try:
        cards = list(cards_parse(newline.join(lines)))
    except VCardError:
        return
    assert all(isinstance(c.left_out, list) for c in cards)


def test_a_21_file_written_in_windows_1251_without_quoted_printable_imports(head):
    # given an old phone's export: 8-bit Cyrillic straight in the file, in windows-1251
    data = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=WINDOWS-1251:Щукина;Ёлка;;;\r\n"
        "TEL;CELL:89161234567\r\nEND:VCARD\r\n"
    ).encode("cp1251")

    job = run(head, check(head, upload(head, data, name="old-phone.vcf")))

    assert job.status == Job.Status.DONE
    yolka = _person(last_name="Щукина")
    assert yolka.first_name == "Ёлка"
    assert _phones(yolka) == [("+79161234567", "mobile")]


def test_a_stray_soft_break_before_the_end_of_a_card_does_not_swallow_it():
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;ENCODING=QUOTED-PRINTABLE:Smith;Bob=\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Ann Lee\r\nEND:VCARD\r\n"
    )

    bob, ann = cards_parse(text)

    assert (bob.last_name, bob.first_name) == ("Smith", "Bob")
    assert ann.full_name == "Ann Lee"

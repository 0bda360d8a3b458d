"""vCard 3.0 and 4.0: what is written, and what is read from cards made elsewhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from contacts.imports import steps
from contacts.imports.readers import Format
from contacts.models import Contact
from contacts.tests.io_support import check, run, upload
from contacts.vcard import Card, VCardError, card_serialize, cards_parse
from crm.models import Job


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


CARD = Card(
    last_name="Иванова",
    first_name="Анна",
    middle_name="Сергеевна",
    full_name="Иванова Анна Сергеевна",
    phones=[("+79161234567", "mobile"), ("+74951234567", "work"), ("+74957654321", "fax")],
    emails=[("anna@example.ru", "work"), ("anna@mail.ru", "personal"), ("a@b.ru", "other")],
    company="ООО «Ромашка; и партнёры», филиал",
    position="Главный бухгалтер",
    birthday=dt.date(1985, 3, 15),
    address="ул. Ленина, 1",
    region="Москва",
    notes="Первая строка\nвторая; третья, четвёртая",
    tags=["vip", "опт"],
)


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_a_card_reads_back_as_written(version):
    text = card_serialize(CARD, version=version)

    [card] = list(cards_parse(text))

    assert card == CARD


def test_version_3_uses_its_own_spellings():
    text = card_serialize(CARD, version="3.0")

    assert "VERSION:3.0\r\n" in text
    assert "TEL;TYPE=CELL:+79161234567" in text.upper()
    assert "EMAIL;TYPE=INTERNET,WORK:anna@example.ru" in text
    assert "BDAY:1985-03-15" in text
    assert "N:Иванова;Анна;Сергеевна;;" in text
    assert "ORG:ООО «Ромашка\\; и партнёры»\\, филиал" in text


def test_version_4_uses_tel_uris_and_basic_dates():
    text = card_serialize(CARD, version="4.0")

    assert "VERSION:4.0\r\n" in text
    assert "KIND:individual" in text
    assert "TEL;TYPE=cell;VALUE=uri:tel:+79161234567" in text
    assert "EMAIL;TYPE=work:anna@example.ru" in text
    assert "INTERNET" not in text.upper()
    assert "BDAY:19850315" in text


def test_a_masked_number_is_text_in_version_4():
    card = Card(first_name="A", phones=[("+7 916 ***-**-67", "mobile")])

    text = card_serialize(card, version="4.0")

    assert "VALUE=text" in text
    assert "tel:" not in text


def test_cards_from_phones_and_other_programs_are_understood():
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=98=D0=B2=D0=B0=D0=BD=D0=BE=D0=B2;"
        "=D0=98=D0=B2=D0=B0=D0=BD;;;\r\n"
        "TEL;CELL;PREF:+79161234567\r\nTEL;WORK;FAX:+74951234567\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Jane Doe\r\n"
        'TEL;VALUE=uri;TYPE="voice,cell":tel:+1-202-555-0143;ext=12\r\n'
        "EMAIL:mailto:jane@example.com\r\nBDAY:--0315\r\nEND:VCARD\r\n"
    )

    first, second = list(cards_parse(text))

    assert (first.last_name, first.first_name) == ("Иванов", "Иван")
    assert first.phones == [("+79161234567", "mobile"), ("+74951234567", "fax")]
    assert (second.full_name, second.last_name) == ("Jane Doe", "")
    assert second.phones == [("+1-202-555-0143", "mobile")]
    assert second.emails == [("jane@example.com", "other")]
    assert second.birthday is None  # a birthday without a year is not a date


@pytest.mark.parametrize(
    "text",
    [
        "garbage\nmore garbage",
        "BEGIN:VCARD\nVERSION:3.0\nFN:Open\n",
        "BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n",
    ],
)
def test_unreadable_text_is_an_error(text):
    with pytest.raises(VCardError):
        list(cards_parse(text))


@pytest.mark.django_db
def test_a_vcard_file_imports_with_its_columns_known(head, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    data = (
        card_serialize(CARD, version="4.0")
        + card_serialize(
            Card(full_name="Jane Doe", emails=[("jane@example.com", "work")]), version="3.0"
        )
    ).encode()

    job = upload(head, data, name="phone-book.vcf")
    preview = steps.import_preview(job)
    job = run(head, check(head, job))

    assert job.options["format"] == Format.VCARD
    assert job.status == Job.Status.DONE
    assert len(preview.rows) == 2
    jane = Contact.objects.get(emails__address="jane@example.com")
    assert (jane.first_name, jane.last_name) == ("Jane", "Doe")
    anna = Contact.objects.get(last_name="Иванова")
    assert anna.company.name == CARD.company
    assert sorted(anna.phones.values_list("kind", flat=True)) == ["fax", "mobile", "work"]

"""Phones and e-mails that people write into free text reach a masked role masked, on every
surface: the card, the timeline, the API and the exports; other roles read the text as written."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from contacts import masking
from contacts.models import CustomField, Interaction
from contacts.tests.factories import ContactFactory, InteractionFactory
from contacts.tests.io_support import stream

pytestmark = pytest.mark.django_db

NOTE = "Перезвонить на 8 (958) 306-07-66, почта ivan@example.ru"
CLEAR = ("306-07-66", "ivan@example.ru")
MASKED = ("+7 958 ***-**-66", "i***@example.ru")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def client_with_notes(db, head):
    """A client whose card holds the note in each kind of free text."""
    CustomField.objects.create(
        target=CustomField.Target.CONTACT,
        code="comment",
        label="Comment",
        field_type=CustomField.Type.TEXT,
    )
    contact = ContactFactory(last_name="Смирнов", owner=head, notes=NOTE, custom={"comment": NOTE})
    InteractionFactory(
        contact=contact, kind=Interaction.Kind.NOTE, subject="", body=NOTE, author=head
    )
    InteractionFactory(contact=contact, kind=Interaction.Kind.CALL, subject=NOTE, body="")
    return contact


def _assert_masked(text: str) -> None:
    for clear in CLEAR:
        assert clear not in text
    for masked in MASKED:
        assert masked in text


def _assert_clear(text: str) -> None:
    for clear in CLEAR:
        assert clear in text


def test_text_for_masks_numbers_and_addresses_only_for_masked_roles():
    assert masking.text_for(NOTE, {"phone", "email"}) == (
        "Перезвонить на +7 958 ***-**-66, почта i***@example.ru"
    )
    assert masking.text_for(NOTE, {"email"}) == (
        "Перезвонить на 8 (958) 306-07-66, почта i***@example.ru"
    )
    assert masking.text_for(NOTE, set()) == NOTE
    assert masking.text_for("", {"phone"}) == ""
    # dates, amounts and order numbers are not phones
    plain = "Счёт №12345 на 15 000,50 ₽ от 01.02.2024"
    assert masking.text_for(plain, {"phone", "email"}) == plain


def test_the_marketer_reads_the_note_masked_on_the_card(client, marketer, client_with_notes):
    client.force_login(marketer)

    page = client.get(client_with_notes.get_absolute_url()).content.decode()

    _assert_masked(page)


def test_the_marketer_reads_the_note_masked_on_the_timeline(client, marketer, client_with_notes):
    client.force_login(marketer)
    url = reverse("contacts:contact-timeline", args=[client_with_notes.pk])

    page = client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert "tl-text" in page
    _assert_masked(page)


def test_the_marketer_reads_the_note_masked_through_the_api(
    api_client_for, marketer, client_with_notes
):
    api = api_client_for(marketer)

    contact = api.get(f"/api/v1/contacts/{client_with_notes.pk}/").json()

    _assert_masked(contact["notes"])
    _assert_masked(contact["custom"]["comment"])


def test_interactions_in_the_api_come_masked_to_a_masked_role(
    api_client_for, settings, supervisor, client_with_notes
):
    # given supervisors masked as well (marketers do not read the timeline through the API)
    settings.CONTACT_FIELD_MASKS = {
        **settings.CONTACT_FIELD_MASKS,
        "supervisor": ["phone", "email"],
    }
    api = api_client_for(supervisor)

    # when the supervisor lists the client's timeline and opens one item
    timeline = api.get(f"/api/v1/interactions/?contact={client_with_notes.pk}").json()
    one = api.get(f"/api/v1/interactions/{timeline['results'][0]['id']}/").json()

    # then subjects and bodies come masked
    texts = [t for item in timeline["results"] for t in (item["subject"], item["body"])]
    _assert_masked(" ".join(texts))
    assert "306-07-66" not in one["subject"] + one["body"]


def test_the_marketer_reads_the_note_masked_in_every_export(client, marketer, client_with_notes):
    client.force_login(marketer)
    export = reverse("contacts:export")

    text = stream(client.get(export, {"format": "csv"})).decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text, newline="")))
    book = openpyxl.load_workbook(io.BytesIO(stream(client.get(export, {"format": "xlsx"}))))
    cells = " ".join(str(c) for r in book.worksheets[0].iter_rows(values_only=True) for c in r)
    card = stream(client.get(export, {"format": "vcf4"})).decode()

    _assert_masked(row["Notes"])
    _assert_masked(row["Comment"])
    _assert_masked(cells)
    assert "306-07-66" not in card
    assert "ivan@example.ru" not in card


def test_a_note_added_on_the_card_comes_back_masked(client, marketer, client_with_notes):
    client.force_login(marketer)
    url = reverse("contacts:note-add", args=[client_with_notes.pk])

    response = client.post(url, {"body": NOTE}, HTTP_HX_REQUEST="true")

    assert response.status_code in (200, 403)
    if response.status_code == 200:
        _assert_masked(response.content.decode())


def test_the_head_of_sales_reads_the_note_as_written(
    client, api_client_for, head, client_with_notes
):
    client.force_login(head)

    page = client.get(client_with_notes.get_absolute_url()).content.decode()
    api = api_client_for(head).get(f"/api/v1/contacts/{client_with_notes.pk}/").json()

    _assert_clear(page)
    assert api["notes"] == NOTE
    assert api["custom"]["comment"] == NOTE

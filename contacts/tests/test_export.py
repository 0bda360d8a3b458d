"""Export: permission, the cap per role, the access log, masking, scope, formats."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from contacts import exports
from contacts.models import Contact, Source
from contacts.tests.factories import ContactFactory
from contacts.tests.io_support import stream
from crm.models import AccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


EXPORT = reverse("contacts:export")


def _csv(response) -> list[dict]:
    text = stream(response).decode("utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


@pytest.mark.parametrize("role", ["operator", "supervisor"])
def test_roles_without_the_permission_get_403(client, request, role):
    ContactFactory(phone="+79161234567")
    client.force_login(request.getfixturevalue(role))

    response = client.get(EXPORT, {"format": "csv"})

    assert response.status_code == 403
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_over_the_cap_is_refused_with_a_clear_message_not_a_short_file(client, manager, settings):
    settings.CONTACT_EXPORT_CAPS = {**settings.CONTACT_EXPORT_CAPS, "sales_manager": 3}
    ContactFactory.create_batch(4, owner=manager)
    client.force_login(manager)

    response = client.get(EXPORT, {"format": "xlsx"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "would hold 4 contacts" in page
    assert "at most 3" in page
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_under_the_cap_the_filtered_part_exports(client, manager, settings):
    settings.CONTACT_EXPORT_CAPS = {**settings.CONTACT_EXPORT_CAPS, "sales_manager": 3}
    ContactFactory.create_batch(3, owner=manager, source=Source.CALL)
    ContactFactory.create_batch(2, owner=manager, source=Source.REFERRAL)
    client.force_login(manager)

    response = client.get(EXPORT, {"format": "csv", "source": Source.REFERRAL})

    assert response.status_code == 200
    assert len(_csv(response)) == 2


def test_every_export_is_in_the_access_log_with_its_count(client, head):
    ContactFactory.create_batch(5)
    client.force_login(head)

    for file_format in ("csv", "xlsx", "vcf", "vcf4"):
        response = client.get(EXPORT, {"format": file_format})
        assert response.status_code == 200
        stream(response)

    entries = list(AccessLog.objects.filter(action=AccessLog.Action.EXPORT).order_by("id"))
    assert [e.record_count for e in entries] == [5, 5, 5, 5]
    assert [e.user for e in entries] == [head] * 4
    assert [e.query.split("&")[0] for e in entries] == [
        "format=csv",
        "format=xlsx",
        "format=vcf",
        "format=vcf4",
    ]
    assert all(e.content_type.model == "contact" for e in entries)


def test_a_manager_exports_only_the_contacts_they_see(client, manager, manager2):
    mine = ContactFactory(owner=manager, last_name="Мой")
    ContactFactory(owner=manager2, last_name="Чужой")
    client.force_login(manager)

    rows = _csv(client.get(EXPORT, {"format": "csv"}))

    assert [r["Last name"] for r in rows] == [mine.last_name]
    assert AccessLog.objects.get(action=AccessLog.Action.EXPORT).record_count == 1


def test_the_marketer_exports_masked_phones_and_emails(client, marketer):
    ContactFactory(phone="+79161234567", email="anna.petrova@example.ru")
    client.force_login(marketer)

    row = _csv(client.get(EXPORT, {"format": "csv"}))[0]
    book = openpyxl.load_workbook(
        io.BytesIO(stream(client.get(EXPORT, {"format": "xlsx"}))), read_only=True
    )
    cells = [c for r in book.worksheets[0].iter_rows(values_only=True) for c in r if c]
    card = stream(client.get(EXPORT, {"format": "vcf4"})).decode()

    assert row["Phone"] == "'+7 916 ***-**-67"
    assert row["E-mail"] == "a***@example.ru"
    assert "+7 916 ***-**-67" in cells
    assert "+79161234567" not in cells
    assert "anna.petrova" not in " ".join(str(c) for c in cells)
    assert "+79161234567" not in card
    assert "anna.petrova" not in card
    assert "***" in card


def test_formula_like_text_is_quoted_in_csv_and_kept_as_text_in_xlsx(client, head):
    ContactFactory(last_name='=HYPERLINK("http://evil")', notes="@SUM(A1)", phone="+79161234567")
    client.force_login(head)

    row = _csv(client.get(EXPORT, {"format": "csv"}))[0]
    book = openpyxl.load_workbook(io.BytesIO(stream(client.get(EXPORT, {"format": "xlsx"}))))
    sheet = book.worksheets[0]

    assert row["Last name"] == '\'=HYPERLINK("http://evil")'
    assert row["Notes"] == "'@SUM(A1)"
    assert row["Phone"] == "'+79161234567"  # "+7…" would be evaluated: neutralised
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == '=HYPERLINK("http://evil")'


def test_unknown_format_and_bad_filters_are_refused(client, head):
    client.force_login(head)

    assert client.get(EXPORT, {"format": "pdf"}).status_code == 400
    assert client.get(EXPORT, {"format": "csv", "owner": "nobody"}).status_code == 400
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_the_service_narrows_any_queryset_to_the_users_scope(manager, manager2):
    ContactFactory(owner=manager)
    ContactFactory(owner=manager2)

    out = exports.contacts_export(user=manager, queryset=Contact.objects.all(), file_format="csv")

    assert out.count == 1
    assert len(b"".join(out.chunks).decode("utf-8-sig").strip().splitlines()) == 2


def test_a_search_exports_its_matches(client, head):
    ContactFactory(last_name="Дубровский", first_name="Владимир")
    ContactFactory(last_name="Онегин", first_name="Евгений")
    client.force_login(head)

    rows = _csv(client.get(EXPORT, {"format": "csv", "q": "Дубровский"}))

    assert [r["Last name"] for r in rows] == ["Дубровский"]


def test_csv_headers_follow_the_language_and_use_semicolons_in_russian(client, head):
    head.language = "ru"
    head.save(update_fields=["language"])
    ContactFactory(phone="+79161234567")
    client.force_login(head)

    text = stream(client.get(EXPORT, {"format": "csv"})).decode("utf-8-sig")

    header = text.splitlines()[0]
    assert header.count(";") > 5
    assert "Компания" in header

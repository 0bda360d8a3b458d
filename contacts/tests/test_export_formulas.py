"""No exported cell runs as a formula in a spreadsheet; numbers that are numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from contacts.imports.readers import Format, table_read
from contacts.models import CustomField
from contacts.tests.factories import ContactFactory
from contacts.tests.io_support import stream

pytestmark = pytest.mark.django_db

EXPORT = reverse("contacts:export")

# Every way a cell starts that a spreadsheet would evaluate (OWASP "CSV injection").
FORMULAS = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def amount_field(db) -> CustomField:
    return CustomField.objects.create(
        target=CustomField.Target.CONTACT,
        code="balance",
        label="Balance",
        field_type=CustomField.Type.NUMBER,
    )


def _csv_rows(response) -> list[dict]:
    text = stream(response).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _sheet(response):
    return openpyxl.load_workbook(io.BytesIO(stream(response))).worksheets[0]


def _column(sheet, label: str) -> int:
    return next(c.column for c in sheet[1] if c.value == label)


@pytest.mark.parametrize("formula", FORMULAS)
def test_every_formula_start_is_quoted_in_csv(client, head, formula):
    # given a contact whose notes start the way a formula does
    ContactFactory(last_name="Formula", notes=formula)
    client.force_login(head)

    # when the head of sales exports the base as CSV
    row = _csv_rows(client.get(EXPORT, {"format": "csv"}))[0]

    # then the cell starts with a quote and holds the text after it
    assert row["Notes"] == "'" + formula


@pytest.mark.parametrize("formula", FORMULAS)
def test_every_formula_start_is_text_with_a_quote_prefix_in_xlsx(client, head, formula):
    ContactFactory(last_name="Formula", notes=formula)
    client.force_login(head)

    sheet = _sheet(client.get(EXPORT, {"format": "xlsx"}))
    cell = sheet.cell(row=2, column=_column(sheet, "Notes"))

    # Stored as text, shown as written, and still text once someone edits the cell.
    assert cell.data_type == "s"
    assert cell.value.strip() == formula.strip()  # XML reads a carriage return back as "\n"
    assert cell.quotePrefix is True


def test_a_phone_is_text_in_both_files_and_imports_back(client, head):
    ContactFactory(last_name="Phone", phone="+79161234567")
    client.force_login(head)

    row = _csv_rows(client.get(EXPORT, {"format": "csv"}))[0]
    sheet = _sheet(client.get(EXPORT, {"format": "xlsx"}))
    cell = sheet.cell(row=2, column=_column(sheet, "Phone"))

    assert row["Phone"] == "'+79161234567"  # "+7…" would be evaluated: neutralised
    assert cell.data_type == "s"
    assert cell.value == "+79161234567"


def test_harmless_text_is_left_as_written(client, head):
    ContactFactory(last_name="Иванов", notes="Купил 2 шт. -- доволен = да")
    client.force_login(head)

    row = _csv_rows(client.get(EXPORT, {"format": "csv"}))[0]

    assert row["Last name"] == "Иванов"
    assert row["Notes"] == "Купил 2 шт. -- доволен = да"


def test_a_real_negative_number_stays_a_number(client, head, amount_field):
    # given a custom number field holding a negative amount
    ContactFactory(last_name="Debtor", custom={"balance": "-5.00"})
    client.force_login(head)

    # when the base is exported in both formats
    row = _csv_rows(client.get(EXPORT, {"format": "csv"}))[0]
    sheet = _sheet(client.get(EXPORT, {"format": "xlsx"}))
    cell = sheet.cell(row=2, column=_column(sheet, "Balance"))

    # then XLSX has a numeric cell and CSV the number as written, unquoted: a spreadsheet
    # reads it as the number -5, which runs nothing
    assert cell.data_type == "n"
    assert Decimal(str(cell.value)) == Decimal("-5")
    assert row["Balance"] == "-5.00"


def test_custom_field_labels_and_text_are_never_formulas(client, head):
    CustomField.objects.create(
        target=CustomField.Target.CONTACT,
        code="evil",
        label="=1+2",
        field_type=CustomField.Type.TEXT,
    )
    ContactFactory(last_name="X", custom={"evil": "-1+1"})
    client.force_login(head)

    row = _csv_rows(client.get(EXPORT, {"format": "csv"}))[0]
    sheet = _sheet(client.get(EXPORT, {"format": "xlsx"}))
    column = _column(sheet, "=1+2")

    assert row["'=1+2"] == "'-1+1"
    assert sheet.cell(row=1, column=column).data_type == "s"
    assert sheet.cell(row=2, column=column).value == "-1+1"
    assert sheet.cell(row=2, column=column).quotePrefix is True


@pytest.mark.parametrize("formula", ["=1+2", "+7 916", "-2+3", "@SUM(1)", "\t=1+2", "\r=1+2"])
def test_the_import_takes_back_the_quote_the_export_put(formula):
    # given a CSV cell as our export writes a formula-like text: a quote in front
    out = io.StringIO()
    csv.writer(out).writerows([["Notes"], ["'" + formula]])

    # when the import reads the file
    table = table_read(out.getvalue().encode(), Format.CSV)

    # then it reads the text as it was written, without the quote
    assert [cells for _number, cells in table.rows()] == [[formula.strip()]]

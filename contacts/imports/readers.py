"""Uploaded files read as tables of text: CSV (whatever Excel wrote), XLSX, vCard."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.db import models
from django.utils.translation import gettext as _

from contacts.validators import FORMULA_STARTS
from contacts.vcard import Card, VCardError, cards_parse
from crm.jobs.kinds import JobFileError
from crm.jobs.services import job_file_data
from crm.models import Job

from .targets import STATIC_TARGETS


class Format(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    VCARD = "vcf", "vCard"


@dataclass
class Table:
    """A file as a header and rows of text cells; rows are read again on each call, so that
    a large file is never held as Python objects."""

    headers: list[str]
    read_rows: Callable[[], Iterator[tuple[int, list[str]]]]  # (row number in the file, cells)
    targets: list[str] | None = None  # known targets of the columns (vCard)
    # Row number → (column, note) on parts of the row the reader left out (a vCard's photo);
    # filled as the rows are read, for the row's report.
    notes: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        width = len(self.headers)
        for number, cells in self.read_rows():
            cells = [_unescape(c) for c in cells[:width]]
            if any(cells):
                yield number, cells + [""] * (width - len(cells))


def _unescape(value: str) -> str:
    """Undo the quote our export puts before text a spreadsheet would run as a formula."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:].strip()
    return value


def file_format_detect(name: str, head: bytes) -> str:
    """By the content first (a renamed file is still what it is), then by the extension."""
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    if head.startswith(b"PK\x03\x04"):
        return Format.XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise JobFileError(_("Old Excel files (.xls) cannot be read; save it as .xlsx or CSV."))
    if head.lstrip(b"\xef\xbb\xbf \r\n\t")[:11].upper() == b"BEGIN:VCARD":
        return Format.VCARD
    if ext == "xlsx":
        raise JobFileError(_("This .xlsx file is damaged: it is not an Excel workbook."))
    if ext in ("vcf", "vcard"):
        raise JobFileError(_("This file does not start with a vCard (BEGIN:VCARD)."))
    if ext in ("csv", "txt", "tsv", ""):
        return Format.CSV
    raise JobFileError(
        _("Files of type .%(ext)s cannot be imported; use CSV, XLSX or vCard (.vcf).")
        % {"ext": ext}
    )


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), UTF-16 with a BOM, or else Windows-1251 — what Excel
    writes on a Russian Windows."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def _delimiter(text: str) -> str:
    sample = text[: 64 * 1024]
    first_line = sample.split("\n", 1)[0]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and sniffed in first_line:
        return sniffed
    return max(";,\t", key=first_line.count)


def _csv_table(data: bytes) -> Table:
    text = _decode(data)
    delimiter = _delimiter(text)

    def reader() -> Iterator[list[str]]:
        try:
            yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        except csv.Error as exc:
            raise JobFileError(
                _("The CSV file cannot be read: %(error)s") % {"error": exc}
            ) from None

    rows = reader()
    headers = next(rows, None)
    if not headers or not any(h.strip() for h in headers):
        raise JobFileError(_("The file is empty: the first row must name the columns."))

    def read_rows():
        body = reader()
        next(body, None)
        # The header is row 1, as a spreadsheet numbers it.
        yield from enumerate(body, start=2)

    return Table(_headers(headers), read_rows)


def _headers(cells: list[Any]) -> list[str]:
    return [_cell_text(h) or _("Column %(n)s") % {"n": i} for i, h in enumerate(cells, start=1)]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed as a number: 79161234567.0 → 79161234567
    return str(value).strip()


def _xlsx_open(data: bytes):
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise JobFileError(_("The Excel file cannot be read: %(error)s") % {"error": exc}) from None


def _xlsx_table(data: bytes) -> Table:
    def sheet_rows() -> Iterator[tuple[int, list[str]]]:
        book = _xlsx_open(data)
        try:
            if not book.worksheets:
                return
            for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), 1):
                yield number, [_cell_text(v) for v in values]
        finally:
            book.close()

    header_number, headers = 0, None
    for number, cells in sheet_rows():
        if any(cells):
            header_number, headers = number, cells
            break
    if headers is None:
        raise JobFileError(_("The file is empty: the first row must name the columns."))
    while headers and not headers[-1]:
        headers.pop()

    def read_rows():
        for number, cells in sheet_rows():
            if number > header_number:
                yield number, cells

    return Table(_headers(headers), read_rows)


VCARD_COLUMNS = (
    "last_name",
    "first_name",
    "middle_name",
    "full_name",
    "phone:mobile",
    "phone:work",
    "phone:home",
    "phone:fax",
    "phone:other",
    "email:work",
    "email:personal",
    "email:other",
    "company",
    "position",
    "birthday",
    "address",
    "region",
    "notes",
    "tags",
)


def _card_cells(card: Card) -> list[str]:
    values = {
        "last_name": card.last_name,
        "first_name": card.first_name,
        "middle_name": card.middle_name,
        # The full name only matters when the card has no structured name.
        "full_name": "" if (card.last_name or card.first_name) else card.full_name,
        "company": card.company,
        "position": card.position,
        "birthday": card.birthday.isoformat() if card.birthday else "",
        "address": card.address,
        "region": card.region,
        "notes": card.notes,
        "tags": "; ".join(card.tags),
    }
    for number, kind in card.phones:
        key = f"phone:{kind}"
        values[key] = f"{values[key]}; {number}" if values.get(key) else number
    for address, kind in card.emails:
        key = f"email:{kind}"
        values[key] = f"{values[key]}; {address}" if values.get(key) else address
    return [values.get(code, "") for code in VCARD_COLUMNS]


def _vcard_table(data: bytes) -> Table:
    text = _decode(data)
    notes: dict[int, list[tuple[str, str]]] = {}

    def read_rows():
        try:
            for number, card in enumerate(cards_parse(text), start=1):
                if card.left_out:
                    notes[number] = card.left_out
                yield number, _card_cells(card)
        except VCardError as exc:
            raise JobFileError(str(exc)) from None

    targets = {t.code: t for t in STATIC_TARGETS}
    headers = [str(targets[c].label) for c in VCARD_COLUMNS]
    return Table(headers, read_rows, list(VCARD_COLUMNS), notes)


def table_read(data: bytes, file_format: str) -> Table:
    readers = {
        Format.CSV: _csv_table,
        Format.XLSX: _xlsx_table,
        Format.VCARD: _vcard_table,
    }
    return readers[file_format](data)


def job_table(job: Job) -> Table:
    """The table of an import job's uploaded file."""
    return table_read(job_file_data(job), job.options["format"])

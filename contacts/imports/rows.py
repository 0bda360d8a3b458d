"""Import of contacts from CSV, XLSX and vCard files.

The steps a person goes through, each a service here: upload a file (its format is recognised,
its columns mapped to contact fields by their headers), look at the first rows, check every row
(a dry run through the very services that will write it, so the check and the import cannot
disagree), then import. A row whose phone or e-mail belongs to a contact updates that contact
instead of creating a duplicate.

An import is one transaction: rows with errors mean nothing is imported, unless the person
chose to import the valid rows only. The check runs the same way and rolls everything back.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import os
import re
import zipfile
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import Role, User

from . import services
from .models import Channel, Company, Contact, CustomField, Email, ImportJob, Phone, Source
from .selectors import can_see_all_contacts, contacts_visible_to
from .validators import normalize_email, try_normalize_phone, validate_inn
from .vcard import Card, VCardError, cards_parse

MAX_FILE_BYTES = 50 * 1024 * 1024
PREVIEW_ROWS = 10
# A check of a file up to this many rows answers in the request; a larger one runs as a job.
INLINE_CHECK_MAX_ROWS = 500
# Row errors kept on the job for people to read; the count of bad rows is always exact.
MAX_STORED_ERRORS = 1000

FINISHED = (ImportJob.Status.DONE,)
EDITABLE = (ImportJob.Status.UPLOADED, ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED)
IN_PROGRESS = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)


class ImportFileError(ValidationError):
    """The file cannot be read as a table of contacts."""

    def __init__(self, message: str):
        super().__init__({"file": [message]}, code="invalid")


# --- what a column can be imported as ------------------------------------------------------


@dataclass(frozen=True)
class Target:
    code: str
    label: str | Promise
    group: str | Promise
    multiple: bool = False  # several columns may feed it (phones, e-mails, tags)
    synonyms: tuple[str, ...] = ()


_NAME, _REACH, _COMPANY, _OTHER = (
    gettext_lazy("Name"),
    gettext_lazy("Phones and e-mails"),
    gettext_lazy("Company"),
    gettext_lazy("Other"),
)
# Headers are compared after _normalize(): lower case, ё → е, punctuation → spaces.
STATIC_TARGETS: tuple[Target, ...] = (
    Target(
        "full_name",
        gettext_lazy("Full name"),
        _NAME,
        synonyms=(
            "фио",
            "ф и о",
            "full name",
            "name",
            "contact",
            "контакт",
            "контактное лицо",
            "полное имя",
            "имя фамилия",
        ),
    ),
    Target(
        "last_name",
        gettext_lazy("Last name"),
        _NAME,
        synonyms=("фамилия", "last name", "lastname", "surname", "family name"),
    ),
    Target(
        "first_name",
        gettext_lazy("First name"),
        _NAME,
        synonyms=("имя", "first name", "firstname", "given name"),
    ),
    Target(
        "middle_name",
        gettext_lazy("Patronymic"),
        _NAME,
        synonyms=("отчество", "middle name", "patronymic"),
    ),
    Target(
        "phone:mobile",
        gettext_lazy("Phone"),
        _REACH,
        multiple=True,
        synonyms=(
            "телефон",
            "тел",
            "phone",
            "phone number",
            "номер телефона",
            "телефоны",
            "phones",
            "мобильный",
            "мобильный телефон",
            "сотовый",
            "mobile",
            "mobile phone",
            "cell",
            "cell phone",
        ),
    ),
    Target(
        "phone:work",
        gettext_lazy("Work phone"),
        _REACH,
        multiple=True,
        synonyms=("рабочий телефон", "телефон рабочий", "work phone", "business phone"),
    ),
    Target(
        "phone:home",
        gettext_lazy("Home phone"),
        _REACH,
        multiple=True,
        synonyms=("домашний телефон", "телефон домашний", "home phone"),
    ),
    Target("phone:fax", gettext_lazy("Fax"), _REACH, multiple=True, synonyms=("факс", "fax")),
    Target(
        "phone:other",
        gettext_lazy("Other phone"),
        _REACH,
        multiple=True,
        synonyms=("другой телефон", "дополнительный телефон", "доп телефон", "other phone"),
    ),
    Target(
        "email:work",
        gettext_lazy("E-mail"),
        _REACH,
        multiple=True,
        synonyms=(
            "e mail",
            "email",
            "e mails",
            "emails",
            "mail",
            "почта",
            "эл почта",
            "электронная почта",
            "адрес электронной почты",
            "рабочая почта",
            "work e mail",
            "work email",
        ),
    ),
    Target(
        "email:personal",
        gettext_lazy("Personal e-mail"),
        _REACH,
        multiple=True,
        synonyms=(
            "личная почта",
            "личный e mail",
            "личный email",
            "personal e mail",
            "personal email",
        ),
    ),
    Target(
        "email:other",
        gettext_lazy("Other e-mail"),
        _REACH,
        multiple=True,
        synonyms=("другая почта", "other e mail", "other email"),
    ),
    Target(
        "company",
        gettext_lazy("Company"),
        _COMPANY,
        synonyms=(
            "компания",
            "организация",
            "название компании",
            "фирма",
            "company",
            "company name",
            "organization",
            "organisation",
        ),
    ),
    Target(
        "inn",
        gettext_lazy("Company INN"),
        _COMPANY,
        synonyms=("инн", "инн компании", "инн организации", "inn", "company inn", "tax id"),
    ),
    Target(
        "position",
        gettext_lazy("Position"),
        _COMPANY,
        synonyms=("должность", "position", "job title", "title"),
    ),
    Target(
        "tags",
        gettext_lazy("Tags"),
        _OTHER,
        multiple=True,
        synonyms=("теги", "тэги", "метки", "тег", "tags", "tag", "labels"),
    ),
    Target(
        "source",
        gettext_lazy("Source"),
        _OTHER,
        synonyms=("источник", "source", "lead source", "канал привлечения"),
    ),
    Target(
        "owner",
        gettext_lazy("Responsible (e-mail)"),
        _OTHER,
        synonyms=("ответственный", "менеджер", "responsible", "owner", "manager"),
    ),
    Target(
        "birthday",
        gettext_lazy("Birthday"),
        _OTHER,
        synonyms=(
            "день рождения",
            "дата рождения",
            "birthday",
            "date of birth",
            "birth date",
            "dob",
        ),
    ),
    Target("region", gettext_lazy("Region"), _OTHER, synonyms=("регион", "область", "region")),
    Target(
        "address",
        gettext_lazy("Address"),
        _OTHER,
        synonyms=("адрес", "почтовый адрес", "address"),
    ),
    Target(
        "interests",
        gettext_lazy("Interests"),
        _OTHER,
        synonyms=(
            "интересы",
            "хобби",
            "интересы и хобби",
            "interests",
            "hobbies",
            "interests and hobbies",
        ),
    ),
    Target(
        "preferred_channel",
        gettext_lazy("Preferred channel"),
        _OTHER,
        synonyms=("предпочтительный канал", "канал связи", "способ связи", "preferred channel"),
    ),
    Target("language", gettext_lazy("Language"), _OTHER, synonyms=("язык", "language")),
    Target(
        "time_zone",
        gettext_lazy("Time zone"),
        _OTHER,
        synonyms=("часовой пояс", "time zone", "timezone"),
    ),
    Target(
        "notes",
        gettext_lazy("Notes"),
        _OTHER,
        synonyms=(
            "примечание",
            "примечания",
            "комментарий",
            "комментарии",
            "заметки",
            "notes",
            "note",
            "comment",
            "comments",
        ),
    ),
)
CUSTOM_PREFIX = "custom."
# Enough to say who the row is about: without one of these the import would only make noise.
IDENTITY_TARGETS = {"full_name", "last_name", "first_name"} | {
    t.code for t in STATIC_TARGETS if t.code.startswith(("phone:", "email:"))
}
_SPLIT_PHONES = re.compile(r"[;,\n]+")
_SPLIT_EMAILS = re.compile(r"[;,\s]+")
_SPLIT_TAGS = re.compile(r"[;,\n]+")


def _normalize(text: Any) -> str:
    text = str(text or "").lower().replace("ё", "е")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def import_targets() -> dict[str, Target]:
    """Everything a column can be imported as: contact fields, then active custom fields."""
    targets = {t.code: t for t in STATIC_TARGETS}
    custom_group = gettext_lazy("Custom fields")
    for f in CustomField.objects.filter(target=CustomField.Target.CONTACT, is_active=True):
        code = f"{CUSTOM_PREFIX}{f.code}"
        targets[code] = Target(code, f.label, custom_group, synonyms=(f.code, f.label))
    return targets


def target_choices(targets: dict[str, Target]) -> list:
    """Grouped choices for a select: (group, [(code, label), …])."""
    groups: dict[str, list] = {}
    for t in targets.values():
        groups.setdefault(str(t.group), []).append((t.code, str(t.label)))
    return [("", _("— do not import —")), *groups.items()]


def _synonyms(targets: dict[str, Target]) -> dict[str, str]:
    """Header → target, from the synonyms and from each label in every language, so that a file
    exported in either language maps back by itself."""
    found: dict[str, str] = {}
    for t in targets.values():
        for word in t.synonyms:
            found.setdefault(_normalize(word), t.code)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for t in targets.values():
                found.setdefault(_normalize(t.label), t.code)
    return found


def mapping_guess(headers: list[str], targets: dict[str, Target]) -> dict[str, str]:
    """``{"<column index>": "<target code>"}`` from the headers; the first column wins a field
    that takes one column."""
    words = _synonyms(targets)
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    for index, header in enumerate(headers):
        code = words.get(_normalize(header), "")
        if code and not targets[code].multiple and code in taken:
            code = ""
        taken.add(code)
        mapping[str(index)] = code
    return mapping


def mapping_clean(
    mapping: dict[str, str], headers: list[str], targets: dict[str, Target]
) -> dict[str, str]:
    """Check a mapping chosen by a person; returns it keyed by column index as text."""
    cleaned: dict[str, str] = {}
    errors: list[str] = []
    used: dict[str, list[str]] = {}
    for key, code in mapping.items():
        try:
            index = int(key)
        except (TypeError, ValueError):
            continue
        if not 0 <= index < len(headers):
            continue
        code = code or ""
        if code and code not in targets:
            errors.append(_("“%(code)s” is not a field contacts have.") % {"code": code})
            continue
        cleaned[str(index)] = code
        if code:
            used.setdefault(code, []).append(headers[index])
    for code, columns in used.items():
        if len(columns) > 1 and not targets[code].multiple:
            errors.append(
                _("“%(field)s” is chosen for several columns: %(columns)s.")
                % {"field": targets[code].label, "columns": ", ".join(columns)}
            )
    if not set(used) & IDENTITY_TARGETS:
        errors.append(_("Choose a column with the name, a phone or an e-mail."))
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- reading files -------------------------------------------------------------------------


@dataclass
class Table:
    """A file as a header and rows of text cells; rows are read again on each call, so that
    a large file is never held as Python objects."""

    headers: list[str]
    read_rows: Callable[[], Iterator[tuple[int, list[str]]]]  # (row number in the file, cells)
    targets: list[str] | None = None  # known targets of the columns (vCard)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        width = len(self.headers)
        for number, cells in self.read_rows():
            cells = [_unescape(c) for c in cells[:width]]
            if any(cells):
                yield number, cells + [""] * (width - len(cells))


def _unescape(value: str) -> str:
    """Undo the quote our export puts before text a spreadsheet would run as a formula."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        return value[1:]
    return value


def file_format_detect(name: str, head: bytes) -> str:
    """By the content first (a renamed file is still what it is), then by the extension."""
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    if head.startswith(b"PK\x03\x04"):
        return ImportJob.Format.XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("Old Excel files (.xls) cannot be read; save it as .xlsx or CSV."))
    if head.lstrip(b"\xef\xbb\xbf \r\n\t")[:11].upper() == b"BEGIN:VCARD":
        return ImportJob.Format.VCARD
    if ext == "xlsx":
        raise ImportFileError(_("This .xlsx file is damaged: it is not an Excel workbook."))
    if ext in ("vcf", "vcard"):
        raise ImportFileError(_("This file does not start with a vCard (BEGIN:VCARD)."))
    if ext in ("csv", "txt", "tsv", ""):
        return ImportJob.Format.CSV
    raise ImportFileError(
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
            raise ImportFileError(
                _("The CSV file cannot be read: %(error)s") % {"error": exc}
            ) from None

    rows = reader()
    headers = next(rows, None)
    if not headers or not any(h.strip() for h in headers):
        raise ImportFileError(_("The file is empty: the first row must name the columns."))

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
        raise ImportFileError(
            _("The Excel file cannot be read: %(error)s") % {"error": exc}
        ) from None


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
        raise ImportFileError(_("The file is empty: the first row must name the columns."))
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

    def read_rows():
        try:
            for number, card in enumerate(cards_parse(text), start=1):
                yield number, _card_cells(card)
        except VCardError as exc:
            raise ImportFileError(str(exc)) from None

    targets = {t.code: t for t in STATIC_TARGETS}
    return Table([str(targets[c].label) for c in VCARD_COLUMNS], read_rows, list(VCARD_COLUMNS))


def table_read(data: bytes, file_format: str) -> Table:
    readers = {
        ImportJob.Format.CSV: _csv_table,
        ImportJob.Format.XLSX: _xlsx_table,
        ImportJob.Format.VCARD: _vcard_table,
    }
    return readers[file_format](data)


def job_table(job: ImportJob) -> Table:
    try:
        with job.file.open("rb") as fh:
            data = fh.read()
    except OSError:
        raise ImportFileError(_("The uploaded file is no longer there; upload it again.")) from None
    return table_read(data, job.file_format)


# --- one row into the arguments of the contact services ------------------------------------


@dataclass
class _Row:
    number: int
    data: dict[str, Any] = field(default_factory=dict)
    phones: list[dict] = field(default_factory=list)
    phone_columns: list[str] = field(default_factory=list)
    emails: list[dict] = field(default_factory=list)
    email_columns: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    company_name: str = ""
    inn: str = ""
    column_of: dict[str, str] = field(default_factory=dict)  # target → its column's header
    # The contact's own phones and e-mails come first in an update: the services' error keys
    # (phones.3.number) count them too.
    phones_before: int = 0
    emails_before: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)


def _choice_lookup(choices) -> dict[str, str]:
    """Codes and labels in every language → code."""
    found = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for value, label in choices:
                found[_normalize(label)] = value
    for value, _label in choices:
        found[_normalize(value)] = value
    return found


def _parse_date(value: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _split_name(text: str) -> tuple[str, str, str]:
    """ "Иванов Иван Иванович" (Russian order: last, first, patronymic); "John Smith" (first,
    last) when written in Latin letters."""
    parts = text.split()
    if not parts:
        return "", "", ""
    if re.search(r"[а-яё]", text, re.IGNORECASE):
        return parts[0], " ".join(parts[1:2]), " ".join(parts[2:])
    if len(parts) == 1:
        return "", parts[0], ""
    return parts[-1], parts[0], " ".join(parts[1:-1])


@dataclass
class _Context:
    """What one run looks up once: choices, users, companies."""

    actor: User
    targets: dict[str, Target]
    sources: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    users: dict[str, User | None] = field(default_factory=dict)
    companies: dict[str, int] = field(default_factory=dict)
    visible: QuerySet[Contact] | None = None

    def __post_init__(self) -> None:
        self.sources = _choice_lookup(Source.choices)
        self.channels = _choice_lookup(Channel.choices)
        if not can_see_all_contacts(self.actor):
            self.visible = contacts_visible_to(self.actor)


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())  # read from disk: once


def _row_build(number: int, cells: list[str], columns, ctx: _Context) -> _Row:
    row = _Row(number)
    full_name = ""
    for index, header, code in columns:
        value = cells[index]
        row.column_of.setdefault(code, header)
        if not value:
            continue
        if code == "full_name":
            full_name = value
        elif code.startswith("phone:"):
            for number_text in filter(None, (p.strip() for p in _SPLIT_PHONES.split(value))):
                row.phones.append({"number": number_text, "kind": code.split(":", 1)[1]})
                row.phone_columns.append(header)
        elif code.startswith("email:"):
            for address in filter(None, _SPLIT_EMAILS.split(value)):
                row.emails.append({"address": address, "kind": code.split(":", 1)[1]})
                row.email_columns.append(header)
        elif code == "company":
            row.company_name = value
        elif code == "inn":
            row.inn = re.sub(r"\s+", "", value)
        elif code == "tags":
            row.tags.extend(t.strip() for t in _SPLIT_TAGS.split(value) if t.strip())
        elif code == "source":
            source = ctx.sources.get(_normalize(value))
            if source is None:
                row.errors.append(
                    (
                        header,
                        _("“%(value)s” is not a known source; use one of: %(choices)s.")
                        % {"value": value, "choices": ", ".join(str(c.label) for c in Source)},
                    )
                )
            else:
                row.data["source"] = source
        elif code == "preferred_channel":
            channel = ctx.channels.get(_normalize(value))
            if channel is None:
                row.errors.append(
                    (
                        header,
                        _("“%(value)s” is not a known channel; use one of: %(choices)s.")
                        % {"value": value, "choices": ", ".join(str(c.label) for c in Channel)},
                    )
                )
            else:
                row.data["preferred_channel"] = channel
        elif code == "owner":
            key = value.lower()
            if key not in ctx.users:
                ctx.users[key] = User.objects.filter(email__iexact=key, is_active=True).first()
            if ctx.users[key] is None:
                row.errors.append(
                    (
                        header,
                        _("There is no active user with e-mail “%(value)s”.") % {"value": value},
                    )
                )
            else:
                row.data["owner"] = ctx.users[key]
        elif code == "birthday":
            date = _parse_date(value)
            if date is None:
                row.errors.append(
                    (
                        header,
                        _("“%(value)s” is not a date; write it as YYYY-MM-DD or DD.MM.YYYY.")
                        % {"value": value},
                    )
                )
            else:
                row.data["birthday"] = date
        elif code == "time_zone":
            if value not in _time_zones():
                row.errors.append(
                    (
                        header,
                        _("“%(value)s” is not a time zone such as Europe/Moscow.")
                        % {"value": value},
                    )
                )
            else:
                row.data["time_zone"] = value
        elif code.startswith(CUSTOM_PREFIX):
            row.custom[code.removeprefix(CUSTOM_PREFIX)] = value
        else:
            row.data[code] = value
    if full_name:
        last, first, middle = _split_name(full_name)
        for key, part in (("last_name", last), ("first_name", first), ("middle_name", middle)):
            if part and not row.data.get(key):
                row.data[key] = part
                row.column_of[key] = row.column_of["full_name"]
    return row


def _errors_of(exc: ValidationError, row: _Row, ctx: _Context) -> list[tuple[str, str]]:
    """The services' errors, keyed by field, turned into (column header, message)."""
    if not hasattr(exc, "error_dict"):
        return [("", m) for m in exc.messages]
    found = []
    for key, messages in exc.message_dict.items():
        found.extend((_column_of(key, row, ctx), m) for m in messages)
    return found


def _column_of(key: str, row: _Row, ctx: _Context) -> str:
    if key in ("__all__", ""):
        return ""
    parts = key.split(".")
    if parts[0] in ("phones", "emails") and len(parts) > 1 and parts[1].isdigit():
        columns = row.phone_columns if parts[0] == "phones" else row.email_columns
        offset = int(parts[1]) - (row.phones_before if parts[0] == "phones" else row.emails_before)
        if 0 <= offset < len(columns):
            return columns[offset]
        return str(ctx.targets["phone:mobile" if parts[0] == "phones" else "email:work"].label)
    if key.startswith(CUSTOM_PREFIX):
        target = ctx.targets.get(key)
        return row.column_of.get(key) or (str(target.label) if target else key)
    if key in row.column_of:
        return row.column_of[key]
    if key in ctx.targets:
        return str(ctx.targets[key].label)
    try:
        return str(Contact._meta.get_field(key).verbose_name).capitalize()
    except FieldDoesNotExist:
        return key


def _company_for(row: _Row, ctx: _Context, created: dict[str, int]) -> Company | None:
    """The row's company: found by INN, else by name, else created."""
    if not (row.company_name or row.inn):
        return None
    if row.inn:
        try:
            validate_inn(row.inn)
        except ValidationError as exc:
            raise ValidationError({"inn": exc.messages}) from None
    key = f"inn:{row.inn}" if row.inn else f"name:{row.company_name.lower()}"
    if key in ctx.companies:
        return Company.objects.get(pk=ctx.companies[key])
    company = None
    if row.inn:
        company = Company.objects.filter(inn=row.inn).order_by("pk").first()
    if company is None and row.company_name:
        company = Company.objects.filter(name__iexact=row.company_name).order_by("pk").first()
    if company is None:
        if not row.company_name:
            raise ValidationError(
                {
                    "inn": [
                        _("No company has INN %(inn)s; give the company name too.")
                        % {"inn": row.inn}
                    ]
                }
            )
        try:
            company = services.company_create(
                actor=ctx.actor,
                data={"name": row.company_name, "inn": row.inn, "source": Source.IMPORT},
            )
        except ValidationError as exc:
            errors = {("company" if k == "name" else k): v for k, v in exc.message_dict.items()}
            raise ValidationError(errors) from None
        # Remembered for later rows only once this row is kept (its savepoint may roll back).
        created[key] = company.pk
    else:
        ctx.companies[key] = company.pk
    return company


def _row_apply(row: _Row, ctx: _Context, created_companies: dict[str, int]) -> str:
    """Create or update the row's contact through the contact services; "created"/"updated"."""
    company = _company_for(row, ctx, created_companies)
    data = dict(row.data)
    if company is not None:
        data["company"] = company
    phones = [p for p in (try_normalize_phone(x["number"]) for x in row.phones) if p]
    emails = []
    for item in row.emails:
        try:
            emails.append(normalize_email(item["address"]))
        except ValidationError:
            continue
    matches = services.contacts_with_points(phones=phones, emails=emails)
    if len(matches) > 1:
        raise ValidationError(
            _("Its phone or e-mail belongs to several contacts (%(ids)s); merge them first.")
            % {"ids": ", ".join(f"#{c.pk}" for c in matches[:5])}
        )
    if matches:
        contact = matches[0]
        if ctx.visible is not None and not ctx.visible.filter(pk=contact.pk).exists():
            raise ValidationError(_("Its phone or e-mail belongs to a contact you cannot see."))
        existing_phones = [
            {"number": p.number, "kind": p.kind, "extension": p.extension}
            for p in Phone.objects.filter(contact=contact)
        ]
        existing_emails = [
            {"address": e.address, "kind": e.kind} for e in Email.objects.filter(contact=contact)
        ]
        row.phones_before, row.emails_before = len(existing_phones), len(existing_emails)
        services.contact_update(
            actor=ctx.actor,
            contact=contact,
            data=data,
            phones=existing_phones + row.phones if row.phones else None,
            emails=existing_emails + row.emails if row.emails else None,
            tags=[t.name for t in contact.tags.all()] + row.tags if row.tags else None,
            custom=row.custom or None,
        )
        return "updated"
    data.setdefault("source", Source.IMPORT)
    services.contact_create(
        actor=ctx.actor,
        data=data,
        phones=row.phones,
        emails=row.emails,
        tags=row.tags,
        custom=row.custom,
    )
    return "created"


class _RowRejected(Exception):
    pass


@dataclass
class ImportResult:
    total: int = 0
    processed: int = 0
    created: int = 0
    updated: int = 0
    error_rows: int = 0
    errors: list[dict] = field(default_factory=list)


def _rows_import(
    *,
    actor: User,
    table: Table,
    mapping: dict[str, str],
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Every row through the services, each in a savepoint: a bad row leaves no trace. The
    caller's transaction decides whether the good rows stay."""
    ctx = _Context(actor=actor, targets=import_targets())
    columns = [
        (int(i), table.headers[int(i)], code)
        for i, code in sorted(mapping.items(), key=lambda kv: int(kv[0]))
        if code and code in ctx.targets and int(i) < len(table.headers)
    ]
    result = ImportResult()
    for number, cells in table.rows():
        row = _row_build(number, cells, columns, ctx)
        errors = list(row.errors)
        created_companies: dict[str, int] = {}
        outcome = ""
        try:
            with transaction.atomic():
                outcome = _row_apply(row, ctx, created_companies)
                if errors:
                    raise _RowRejected
        except _RowRejected:
            pass
        except ValidationError as exc:
            errors.extend(_errors_of(exc, row, ctx))
        except DatabaseError as exc:
            errors.append(("", _("The row could not be saved: %(error)s") % {"error": exc}))
        if errors:
            result.error_rows += 1
            for column, message in errors:
                if len(result.errors) < MAX_STORED_ERRORS:
                    result.errors.append({"row": number, "field": column, "message": message})
        else:
            ctx.companies.update(created_companies)
            if outcome == "created":
                result.created += 1
            else:
                result.updated += 1
        result.processed += 1
        if progress is not None:
            progress(result.processed)
    result.total = result.processed
    return result


# --- the job --------------------------------------------------------------------------------


class _JobProgress:
    """Writes the job's progress where the progress bar can see it while the import's own
    transaction is still open: on a database connection of its own. When the caller already
    holds a transaction (a test, a script), nobody else could see the rows either, and the
    progress goes through the same connection."""

    def __init__(self, job: ImportJob):
        self.job_id = job.pk
        self.total = job.total_rows
        self.every = max(1, min(100, self.total // 50))
        self.own = (
            None if connection.in_atomic_block else connections.create_connection(DEFAULT_DB_ALIAS)
        )

    def write(self, *, status: str | None = None, processed: int) -> None:
        if self.own is None:
            fields: dict[str, Any] = {"processed_rows": processed}
            if status:
                fields["status"] = status
            ImportJob.objects.filter(pk=self.job_id).update(**fields)
            return
        table = self.own.ops.quote_name(ImportJob._meta.db_table)
        with self.own.cursor() as cursor:
            if status:
                cursor.execute(
                    f"UPDATE {table} SET status = %s, processed_rows = %s WHERE id = %s",  # noqa: S608  (the table name is the model's)
                    [status, processed, self.job_id],
                )
            else:
                cursor.execute(
                    f"UPDATE {table} SET processed_rows = %s WHERE id = %s",  # noqa: S608
                    [processed, self.job_id],
                )

    def __call__(self, processed: int) -> None:
        if processed % self.every == 0 or processed >= self.total:
            self.write(processed=processed)

    def close(self) -> None:
        if self.own is not None:
            self.own.close()


def _job_lock(job_id: int) -> bool:
    """A transaction-scoped advisory lock per job: a task delivered twice (acks_late, a long
    import outliving the broker's visibility timeout) runs the job once at a time."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [0x1A9047, job_id])
        return bool(cursor.fetchone()[0])


def import_job_run(*, job_id: int, dry_run: bool = False) -> ImportJob:
    """Check (``dry_run``) or import every row of the job's file.

    One transaction: the written rows commit together with the job's "done", or are rolled
    back — after a check always, after an import when a row had errors and the person did not
    choose to import the valid rows only.
    """
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status not in IN_PROGRESS:
        return job
    # Row errors are kept as text: in the language of the person who will read them.
    with translation.override(job.created_by.language or settings.LANGUAGE_CODE):
        return _job_run(job, dry_run=dry_run)


def _job_run(job: ImportJob, *, dry_run: bool) -> ImportJob:
    progress = _JobProgress(job)
    try:
        with transaction.atomic():
            if not _job_lock(job.pk):
                return job
            job.refresh_from_db()
            if job.status not in IN_PROGRESS:
                return job
            progress.write(status=ImportJob.Status.RUNNING, processed=0)
            result = ImportResult()
            failure = ""
            keep = False
            actor = job.created_by
            try:
                if not actor.is_active or not actor.has_perm("contacts.import_contact"):
                    raise PermissionDenied(_("%(user)s may not import contacts.") % {"user": actor})
                table = job_table(job)
                with transaction.atomic():
                    result = _rows_import(
                        actor=actor, table=table, mapping=job.mapping, progress=progress
                    )
                    keep = not dry_run and (result.error_rows == 0 or job.import_valid_rows)
                    if not keep:
                        raise _RowRejected
            except _RowRejected:
                pass
            except (ImportFileError, PermissionDenied) as exc:
                failure = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            job.total_rows = result.total if not failure else job.total_rows
            job.processed_rows = result.processed if not failure else 0
            # A check tells what would happen; a rolled-back import did not create anything.
            counted = dry_run or keep
            job.created_count = result.created if counted else 0
            job.updated_count = result.updated if counted else 0
            job.error_count = result.error_rows
            job.errors = (
                [{"row": None, "field": "", "message": failure}] if failure else result.errors
            )
            if failure:
                job.status = ImportJob.Status.FAILED
            elif dry_run:
                job.status = ImportJob.Status.PREVIEWED
            else:
                job.status = ImportJob.Status.DONE if keep else ImportJob.Status.FAILED
            job.finished_at = None if dry_run and not failure else timezone.now()
            job.save()
    except Exception:
        # Everything the run wrote is rolled back; the job must not look as if still running.
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            processed_rows=0,
            errors=[{"row": None, "field": "", "message": _("The import stopped on an error.")}],
            finished_at=timezone.now(),
        )
        raise
    finally:
        progress.close()
    if job.status == ImportJob.Status.DONE and job.file:
        # The upload holds personal data that now lives in the base: keep no second copy of it.
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
    return job


# --- the steps a person goes through --------------------------------------------------------


def _require_import(actor: User) -> None:
    if not actor.has_perm("contacts.import_contact"):
        raise PermissionDenied(_("Your role cannot import contacts."))


def import_jobs_of(user: User) -> QuerySet[ImportJob]:
    """Imports ``user`` may look at: their own; administrators see all."""
    qs = ImportJob.objects.select_related("created_by")
    return qs if user.has_role(Role.ADMIN) else qs.filter(created_by=user)


def import_upload(*, actor: User, upload: File) -> ImportJob:
    """Keep the file, recognise its format, count its rows and guess the column mapping."""
    _require_import(actor)
    name = os.path.basename(upload.name or "contacts")[:200]
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise ValidationError(
            {
                "file": [
                    _("The file is larger than %(mb)s MB; split it into smaller files.")
                    % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
                ]
            }
        )
    data = upload.read()
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    file_format = file_format_detect(name, data[:4096])
    table = table_read(data, file_format)
    total = sum(1 for _row in table.rows())
    if not total:
        raise ImportFileError(_("The file has no rows under its header."))
    targets = import_targets()
    if table.targets:
        mapping = {str(i): code for i, code in enumerate(table.targets)}
    else:
        mapping = mapping_guess(table.headers, targets)
    job = ImportJob(
        created_by=actor,
        original_name=name,
        file_format=file_format,
        total_rows=total,
        mapping=mapping,
    )
    job.file.save(name, ContentFile(data), save=False)
    job.save()
    return job


@dataclass
class Preview:
    headers: list[str]
    rows: list[tuple[int, list[str]]]


def import_preview(job: ImportJob, *, limit: int = PREVIEW_ROWS) -> Preview:
    table = job_table(job)
    rows = []
    for item in table.rows():
        rows.append(item)
        if len(rows) >= limit:
            break
    return Preview(table.headers, rows)


def _reset(job: ImportJob) -> None:
    job.processed_rows = job.created_count = job.updated_count = job.error_count = 0
    job.errors = []
    job.finished_at = None


def _locked_editable(job: ImportJob) -> ImportJob:
    """The job's row, locked until the caller's transaction ends: two clicks on "Import" (or a
    click while the check still runs) must not queue it twice."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status not in EDITABLE:
        raise ValidationError(_("This import is already running or done."))
    return locked


def import_mapping_set(*, actor: User, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    _require_import(actor)
    table = job_table(job)
    with transaction.atomic():
        job = _locked_editable(job)
        job.mapping = mapping_clean(mapping, table.headers, import_targets())
        job.status = ImportJob.Status.UPLOADED
        _reset(job)
        job.save()
    return job


def _queue(
    job: ImportJob, *, dry_run: bool, run_now: bool | None, valid_only: bool = False
) -> ImportJob:
    with transaction.atomic():
        job = _locked_editable(job)
        if run_now is None:
            run_now = job.total_rows <= INLINE_CHECK_MAX_ROWS
        if not dry_run:
            job.import_valid_rows = valid_only
        job.status = ImportJob.Status.QUEUED
        _reset(job)
        job.save()
        if not run_now:
            from .tasks import import_run

            job_id = job.pk
            transaction.on_commit(lambda: import_run.delay(job_id, dry_run=dry_run))
    if run_now:
        return import_job_run(job_id=job.pk, dry_run=dry_run)
    return job


def import_check(*, actor: User, job: ImportJob, run_now: bool | None = None) -> ImportJob:
    """The dry run: every row checked, nothing kept. A small file is checked at once, a large
    one as a job (``run_now`` decides when given)."""
    _require_import(actor)
    return _queue(job, dry_run=True, run_now=run_now)


def import_start(
    *, actor: User, job: ImportJob, valid_only: bool = False, run_now: bool = False
) -> ImportJob:
    """Import for real, as a job (or at once for the command line)."""
    _require_import(actor)
    return _queue(job, dry_run=False, run_now=run_now, valid_only=valid_only)


def mapped_columns(job: ImportJob, headers: list[str]) -> list[tuple[str, str]]:
    """(column header, field label) of the columns the job imports, for people to read."""
    targets = import_targets()
    found = []
    for index, code in sorted(job.mapping.items(), key=lambda kv: int(kv[0])):
        if code and code in targets and int(index) < len(headers):
            found.append((headers[int(index)], str(targets[code].label)))
    return found


def import_files_purge(*, older_than: dt.timedelta) -> int:
    """Delete uploads older than ``older_than`` of jobs that are not queued or running.

    Checked or failed uploads hold personal data nobody imported; they are not kept forever.
    """
    cutoff = timezone.now() - older_than
    stale = (
        ImportJob.objects.filter(created_at__lt=cutoff)
        .exclude(file="")
        .exclude(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])
    )
    purged = 0
    for job in stale.only("pk", "file").iterator():
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
        purged += 1
    return purged

"""Export of contacts as CSV, XLSX or vCard 3.0 / 4.0.

An export is a copy of the client base leaving the building: it needs its own permission, holds
at most as many contacts as the role may take (a larger one is refused, never cut short), shows
masked fields masked, and every export is written to the access log with its size and counted
with the day's other bulk reads against the role's daily cap (``BulkReadRefused`` past it).

The columns carry the same labels the import recognises, so an exported file imports back.

No cell can run as a formula (OWASP "CSV injection"): text that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return — phone numbers in E.164 (``+7916…``) included — gets a
leading ``'`` in CSV (which the import takes off again) and is stored as text with Excel's
"quote prefix" in XLSX (shown as written, still text after the cell is edited). Numbers that are
numbers — custom number fields — are not text: XLSX stores them as numeric cells, and CSV writes
them as they are (``-5.00``), since a spreadsheet reading ``-5.00`` gets the number -5 and runs
nothing; a quote there would turn the column into text that no longer sums.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from crm.models import AccessLog, User

from .imports.targets import STATIC_TARGETS
from .masking import email_for, phone_for, text_for
from .models import Contact, CustomField, Email, Phone
from .selectors import contacts_visible_to, export_cap_for, masked_fields_for
from .services.access import bulk_read
from .validators import FORMULA_STARTS
from .vcard import Card, card_serialize

FORMATS = {
    "csv": ("csv", "text/csv; charset=utf-8"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "vcf": ("vcf", "text/vcard; charset=utf-8"),  # vCard 3.0, what most address books read
    "vcf4": ("vcf", "text/vcard; charset=utf-8"),
}
_CHUNK_ROWS = 500


class ExportTooLarge(ValidationError):
    def __init__(self, count: int, cap: int):
        self.count, self.cap = count, cap
        super().__init__(
            _(
                "This export would hold %(count)s contacts, but your role may export at most "
                "%(cap)s at a time. Narrow the filters and try again."
            )
            % {
                "count": number_format(count, force_grouping=True),
                "cap": number_format(cap, force_grouping=True),
            },
            code="too_large",
        )


@dataclass
class ExportFile:
    filename: str
    content_type: str
    count: int
    chunks: Iterator[bytes]


def _runs_as_formula(value: str) -> bool:
    return value.startswith(FORMULA_STARTS)


def _cell_safe(value: str) -> str:
    """Text for a CSV cell: a leading quote before anything a spreadsheet would evaluate."""
    return "'" + value if _runs_as_formula(value) else value


def _csv_cell(value) -> str:
    # A real number stays a number; everything else is text and is neutralised.
    if isinstance(value, Decimal):
        return format(value, "f")
    return _cell_safe(_text(value))


# --- rows ----------------------------------------------------------------------------------


def _contacts(queryset: QuerySet[Contact]) -> Iterator[Contact]:
    return (
        queryset.select_related("company", "owner")
        .prefetch_related(
            Prefetch("phones", queryset=Phone.objects.order_by("-is_primary", "id")),
            Prefetch("emails", queryset=Email.objects.order_by("-is_primary", "id")),
            "tags",
        )
        .order_by("pk")
        .iterator(chunk_size=2000)
    )


def _phones(contact: Contact, masked: set[str]) -> list[tuple[str, str]]:
    # As stored (E.164), so that the file imports back; masked for the roles that get masks.
    return [(phone_for(p.number, masked, as_stored=True), p.kind) for p in contact.phones.all()]


def _emails(contact: Contact, masked: set[str]) -> list[tuple[str, str]]:
    return [(email_for(e.address, masked), e.kind) for e in contact.emails.all()]


def _custom_value(field: CustomField, value, masked: set[str]):
    """A custom value for a cell: a Decimal for number fields, text otherwise (with the phones
    and e-mails written in a text field masked for the roles that get masks)."""
    if value in (None, "", []):
        return ""
    if field.field_type == CustomField.Type.NUMBER:
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return str(value)
    return text_for(_custom_text(field, value), masked)


def _custom_text(field: CustomField, value) -> str:
    if value in (None, "", []):
        return ""
    if field.field_type == CustomField.Type.MULTI and isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if field.field_type == CustomField.Type.BOOL:
        return _("yes") if value else _("no")
    return str(value)


@dataclass
class _Column:
    code: str
    label: str


def _columns(queryset: QuerySet[Contact], custom: list[CustomField]) -> list[_Column]:
    """Columns in the exporting person's language, labelled as the import recognises them.
    Phone and e-mail kinds other than the usual one get a column only when someone has them."""
    labels = {t.code: str(t.label) for t in STATIC_TARGETS}
    ids = queryset.values("pk")
    phone_kinds = set(
        Phone.objects.filter(contact__in=ids).values_list("kind", flat=True).distinct()
    )
    email_kinds = set(
        Email.objects.filter(contact__in=ids).values_list("kind", flat=True).distinct()
    )
    codes = ["last_name", "first_name", "middle_name"]
    codes += [f"phone:{k}" for k in Phone.Kind.values if k == "mobile" or k in phone_kinds]
    codes += [f"email:{k}" for k in Email.Kind.values if k == "work" or k in email_kinds]
    codes += [
        "company",
        "inn",
        "position",
        "tags",
        "source",
        "owner",
        "birthday",
        "region",
        "address",
        "interests",
        "preferred_channel",
        "language",
        "time_zone",
        "notes",
    ]
    columns = [_Column(c, labels[c]) for c in codes]
    columns += [_Column(f"custom.{f.code}", f.label) for f in custom]
    return columns


def _values(contact: Contact, masked: set[str], custom: dict[str, CustomField]) -> dict:
    values = {
        "last_name": contact.last_name,
        "first_name": contact.first_name,
        "middle_name": contact.middle_name,
        "company": contact.company.name if contact.company else "",
        "inn": contact.company.inn if contact.company else "",
        "position": contact.position,
        "tags": "; ".join(t.name for t in contact.tags.all()),
        "source": contact.get_source_display() if contact.source else "",
        "owner": contact.owner.email if contact.owner else "",
        "birthday": contact.birthday,
        "region": contact.region,
        "address": contact.address,
        "interests": contact.interests,
        "preferred_channel": (
            contact.get_preferred_channel_display() if contact.preferred_channel else ""
        ),
        "language": contact.language,
        "time_zone": contact.time_zone,
        "notes": text_for(contact.notes, masked),
    }
    for number, kind in _phones(contact, masked):
        key = f"phone:{kind}"
        values[key] = f"{values[key]}; {number}" if values.get(key) else number
    for address, kind in _emails(contact, masked):
        key = f"email:{kind}"
        values[key] = f"{values[key]}; {address}" if values.get(key) else address
    for code, field in custom.items():
        values[f"custom.{code}"] = _custom_value(field, contact.custom.get(code), masked)
    return values


# --- formats -------------------------------------------------------------------------------


def _csv_chunks(contacts, columns, masked, custom, delimiter) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    # The BOM makes Excel read the file as UTF-8 instead of the system's code page.
    buffer.write("\ufeff")
    # Custom field labels are typed by people too.
    writer.writerow([_cell_safe(c.label) for c in columns])
    for n, contact in enumerate(contacts, start=1):
        values = _values(contact, masked, custom)
        writer.writerow([_csv_cell(values.get(c.code)) for c in columns])
        if n % _CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _xlsx_text(sheet, value: str, font: Font | None = None) -> WriteOnlyCell:
    # Text stays text: "=…" would otherwise be stored as a formula, +7916… as a number; the
    # quote prefix keeps it text when someone edits the cell in Excel.
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    if _runs_as_formula(value):
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell


def _xlsx_chunks(contacts, columns, masked, custom) -> Iterator[bytes]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Contacts"))
    bold = Font(bold=True)
    header = []
    for c in columns:
        header.append(_xlsx_text(sheet, c.label, font=bold))
    sheet.append(header)
    for contact in contacts:
        values = _values(contact, masked, custom)
        row = []
        for c in columns:
            value = values.get(c.code)
            if value in (None, ""):
                row.append(None)
                continue
            if isinstance(value, str):
                row.append(_xlsx_text(sheet, value))
            else:
                row.append(WriteOnlyCell(sheet, value=value))  # numbers and dates as such
        sheet.append(row)
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as out:
        book.save(out)
        out.seek(0)
        while chunk := out.read(64 * 1024):
            yield chunk


def _card(contact: Contact, masked: set[str]) -> Card:
    return Card(
        last_name=contact.last_name,
        first_name=contact.first_name,
        middle_name=contact.middle_name,
        full_name=contact.full_name,
        phones=_phones(contact, masked),
        emails=_emails(contact, masked),
        company=contact.company.name if contact.company else "",
        position=contact.position,
        birthday=contact.birthday,
        address=contact.address,
        region=contact.region,
        notes=text_for(contact.notes, masked),
        tags=[t.name for t in contact.tags.all()],
    )


def _vcard_chunks(contacts, masked, version) -> Iterator[bytes]:
    buffer = []
    for n, contact in enumerate(contacts, start=1):
        buffer.append(card_serialize(_card(contact, masked), version=version))
        if n % _CHUNK_ROWS == 0:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    yield "".join(buffer).encode("utf-8")


# --- the service ---------------------------------------------------------------------------


def contacts_export(
    *,
    user: User,
    queryset: QuerySet[Contact],
    file_format: str,
    query: str = "",
    ip_address: str | None = None,
) -> ExportFile:
    """An export of ``queryset`` (narrowed further to what ``user`` may see) as a stream.

    Raises PermissionDenied without the export permission, ExportTooLarge over the role's
    cap and BulkReadRefused past the day's cap; all before a single row is read.
    """
    if file_format not in FORMATS:
        raise ValidationError(
            _("Unknown export format “%(format)s”; use csv, xlsx, vcf or vcf4.")
            % {"format": file_format}
        )
    cap = export_cap_for(user)
    if cap <= 0:
        raise PermissionDenied(_("Your role cannot export contacts."))
    # The caller's filters narrow the user's scope, never widen it.
    queryset = contacts_visible_to(user) & queryset
    count = queryset.count()
    if count > cap:
        raise ExportTooLarge(count, cap)
    bulk_read(
        user=user,
        action=AccessLog.Action.EXPORT,
        model=Contact,
        count=count,
        query=f"format={file_format}&{query}" if query else f"format={file_format}",
        ip_address=ip_address,
    )
    masked = masked_fields_for(user)
    custom_fields = list(
        CustomField.objects.filter(target=CustomField.Target.CONTACT, is_active=True)
    )
    custom = {f.code: f for f in custom_fields}
    extension, content_type = FORMATS[file_format]
    contacts = _contacts(queryset)
    if file_format == "csv":
        # Excel with Russian regional settings splits CSV columns on ";".
        delimiter = ";" if translation.get_language() == "ru" else ","
        chunks = _csv_chunks(contacts, _columns(queryset, custom_fields), masked, custom, delimiter)
    elif file_format == "xlsx":
        chunks = _xlsx_chunks(contacts, _columns(queryset, custom_fields), masked, custom)
    else:
        chunks = _vcard_chunks(contacts, masked, "4.0" if file_format == "vcf4" else "3.0")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return ExportFile(
        f"contacts-{stamp}.{extension}",
        content_type,
        count,
        _in_language(chunks, translation.get_language()),
    )


def _in_language(chunks: Iterator[bytes], language: str | None) -> Iterator[bytes]:
    """The rows are written while the response streams, after the request's language may have
    been switched off: labels (sources, channels, yes/no) keep the exporting person's one."""
    with translation.override(language):
        yield from chunks

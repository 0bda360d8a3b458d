"""One row of an imported file into the arguments of the contact services, and every row
through them.

A row whose phone or e-mail belongs to a contact updates that contact instead of creating a
duplicate; a row the services refuse is reported by the column it came from.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from contacts import services
from contacts.models import Channel, Company, Contact, CustomField, Email, Phone, Source
from contacts.selectors import can_see_all_contacts, contacts_visible_to
from contacts.validators import (
    clean_custom_value,
    normalize_email,
    normalize_phone,
    try_normalize_phone,
    validate_inn,
)
from crm.jobs.kinds import Outcome, Progress
from crm.models import User

from . import dates
from .readers import Table
from .targets import CUSTOM_PREFIX, Target, import_targets, normalize

# Google Contacts puts several values in one cell with " ::: " between them.
_SPLIT_PHONES = re.compile(r"(?:[;,\n]|:::)+")
_SPLIT_EMAILS = re.compile(r"(?:[;,\s]|:::)+")
_SPLIT_TAGS = re.compile(r"[;,\n]+")


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
    # Optional values left out, the row imported without them: (column, message).
    warnings: list[tuple[str, str]] = field(default_factory=list)


def _choice_lookup(choices) -> dict[str, str]:
    """Codes and labels in every language → code."""
    found = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for value, label in choices:
                found[normalize(label)] = value
    for value, _label in choices:
        found[normalize(value)] = value
    return found


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
    date_order: str = ""  # dates.DateOrder, or "" when the file settles it
    custom_fields: dict[str, CustomField] = field(default_factory=dict)  # by code

    def __post_init__(self) -> None:
        self.sources = _choice_lookup(Source.choices)
        self.channels = _choice_lookup(Channel.choices)
        self.custom_fields = {
            f.code: f
            for f in CustomField.objects.filter(target=CustomField.Target.CONTACT, is_active=True)
        }
        if not can_see_all_contacts(self.actor):
            self.visible = contacts_visible_to(self.actor)


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())  # read from disk: once


def _row_build(number: int, cells: list[str], columns, ctx: _Context) -> _Row:
    """The row's values. One that cannot be taken is left out with a warning and the rest of
    the person still comes in; only what makes a person is required (see the end)."""
    row = _Row(number)
    full_name = ""
    left_out = row.warnings
    points_bad: list[tuple[str, str]] = []  # phones and e-mails that cannot be read
    for index, header, code in columns:
        value = cells[index]
        row.column_of.setdefault(code, header)
        if not value:
            continue
        if code == "full_name":
            full_name = value
        elif code.startswith("phone:"):
            for number_text in filter(None, (p.strip() for p in _SPLIT_PHONES.split(value))):
                try:
                    normalize_phone(number_text)
                except ValidationError as exc:
                    points_bad.append((header, exc.messages[0]))
                    continue
                row.phones.append({"number": number_text, "kind": code.split(":", 1)[1]})
                row.phone_columns.append(header)
        elif code.startswith("email:"):
            for address in filter(None, _SPLIT_EMAILS.split(value)):
                try:
                    normalize_email(address)
                except ValidationError as exc:
                    points_bad.append((header, exc.messages[0]))
                    continue
                row.emails.append({"address": address, "kind": code.split(":", 1)[1]})
                row.email_columns.append(header)
        elif code == "company":
            row.company_name = value
        elif code == "inn":
            row.inn = re.sub(r"\s+", "", value)
        elif code == "tags":
            row.tags.extend(t.strip() for t in _SPLIT_TAGS.split(value) if t.strip())
        elif code == "source":
            source = ctx.sources.get(normalize(value))
            if source is None:
                left_out.append(
                    (
                        header,
                        _("“%(value)s” is not a known source; use one of: %(choices)s.")
                        % {"value": value, "choices": ", ".join(str(c.label) for c in Source)},
                    )
                )
            else:
                row.data["source"] = source
        elif code == "preferred_channel":
            channel = ctx.channels.get(normalize(value))
            if channel is None:
                left_out.append(
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
                left_out.append(
                    (
                        header,
                        _("There is no active user with e-mail “%(value)s”.") % {"value": value},
                    )
                )
            else:
                row.data["owner"] = ctx.users[key]
        elif code == "birthday":
            try:
                date = dates.date_parse(value, order=ctx.date_order)
            except ValidationError as exc:
                left_out.append((header, exc.messages[0]))
            else:
                if date is not None:
                    row.data["birthday"] = date
        elif code == "time_zone":
            if value not in _time_zones():
                left_out.append(
                    (
                        header,
                        _("“%(value)s” is not a time zone such as Europe/Moscow.")
                        % {"value": value},
                    )
                )
            else:
                row.data["time_zone"] = value
        elif code.startswith(CUSTOM_PREFIX):
            custom_code = code.removeprefix(CUSTOM_PREFIX)
            definition = ctx.custom_fields.get(custom_code)
            try:
                if definition is not None:
                    clean_custom_value(definition, value)
            except ValidationError as exc:
                left_out.append((header, exc.messages[0]))
            else:
                row.custom[custom_code] = value
        else:
            row.data[code] = value
    if full_name:
        last, first, middle = _split_name(full_name)
        for key, part in (("last_name", last), ("first_name", first), ("middle_name", middle)):
            if part and not row.data.get(key):
                row.data[key] = part
                row.column_of[key] = row.column_of["full_name"]
    # What makes a person is a name or a way to reach them; every other value is optional:
    # the person comes in without it, and the row's report says which and why.
    named = row.data.get("first_name") or row.data.get("last_name")
    if points_bad and not (named or row.phones or row.emails):
        row.errors.extend(points_bad)  # nothing left would make a person: refused for these
    else:
        left_out[:0] = points_bad
    row.warnings = [
        (column, _("%(problem)s The value was left out.") % {"problem": message})
        for column, message in left_out
    ]
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


def rows_import(
    *,
    actor: User,
    table: Table,
    mapping: dict[str, str],
    progress: Progress | None = None,
    date_order: str = "",
) -> Outcome:
    """Every row through the services, each in a savepoint: a bad row leaves no trace. The
    caller's transaction decides whether the good rows stay."""
    ctx = _Context(actor=actor, targets=import_targets(), date_order=date_order)
    columns = [
        (int(i), table.headers[int(i)], code)
        for i, code in sorted(mapping.items(), key=lambda kv: int(kv[0]))
        if code and code in ctx.targets and int(i) < len(table.headers)
    ]
    outcome = Outcome()
    for number, cells in table.rows():
        row = _row_build(number, cells, columns, ctx)
        errors = list(row.errors)
        warnings = row.warnings + table.notes.pop(number, [])
        created_companies: dict[str, int] = {}
        done = ""
        try:
            with transaction.atomic():
                done = _row_apply(row, ctx, created_companies)
                if errors:
                    raise _RowRejected
        except _RowRejected:
            pass
        except ValidationError as exc:
            errors.extend(_errors_of(exc, row, ctx))
        except DatabaseError as exc:
            errors.append(("", _("The row could not be saved: %(error)s") % {"error": exc}))
        if errors:
            outcome.row_refused(number, errors)
        outcome.row_warned(number, warnings)
        if not errors:
            ctx.companies.update(created_companies)
            if done == "created":
                outcome.created += 1
            else:
                outcome.updated += 1
        outcome.processed += 1
        if progress is not None:
            progress(outcome.processed)
    return outcome

"""One row of an imported file into the arguments of the contact services, and every row
through them.

A row whose phone or e-mail belongs to a contact updates that contact instead of creating a
duplicate; a row the services refuse is reported by the column it came from.
"""

from __future__ import annotations

import copy
import functools
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import QuerySet
from django.db.models.functions import Lower, Upper
from django.utils import translation
from django.utils.translation import gettext as _

from contacts.models import Channel, Company, Contact, CustomField, Email, Phone, Source, Tag
from contacts.selectors import can_see_all_contacts, companies_visible_to, contacts_visible_to
from contacts.services.parties import custom_fields_clean
from contacts.validators import (
    clean_custom_value,
    normalize_email,
    normalize_phone,
    validate_birthday,
    validate_inn,
)
from crm.jobs.kinds import Outcome, Progress
from crm.models import User
from crm.permissions import require_permission

from . import dates
from .readers import Table
from .targets import CUSTOM_PREFIX, Target, import_targets, normalize
from .writes import chunk_write

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


def _split_name(text: str, *, first_name_first: bool = False) -> tuple[str, str, str]:
    """ "Иванов Иван Иванович" (Russian order: last, first, patronymic); "John Smith" (first,
    last) when written in Latin letters or when the column says so ("Анна Орлова", "Анна
    Петровна Орлова")."""
    parts = text.split()
    if not parts:
        return "", "", ""
    if re.search(r"[а-яё]", text, re.IGNORECASE) and not first_name_first:
        return parts[0], " ".join(parts[1:2]), " ".join(parts[2:])
    if len(parts) == 1:
        return "", parts[0], ""
    return parts[-1], parts[0], " ".join(parts[1:-1])


@dataclass
class _Context:
    """What one run looks up once: choices, users, companies, tags."""

    actor: User
    targets: dict[str, Target]
    sources: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    users: dict[str, User | None] = field(default_factory=dict)
    companies: dict[str, Company] = field(default_factory=dict)  # "inn:…" / "name:…" → it
    tags: dict[str, Tag] = field(default_factory=dict)  # lower-case name → the tag
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
    full_name, first_name_first = "", False
    left_out = row.warnings
    points_bad: list[tuple[str, str]] = []  # phones and e-mails that cannot be read
    for index, header, code in columns:
        value = cells[index]
        row.column_of.setdefault(code, header)
        if not value:
            continue
        if code in ("full_name", "full_name_first"):
            full_name, first_name_first = value, code == "full_name_first"
            row.column_of.setdefault("full_name", header)
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
        elif code in ("source", "preferred_channel"):
            choices, message = (
                (Source, _("“%(value)s” is not a known source; use one of: %(choices)s."))
                if code == "source"
                else (Channel, _("“%(value)s” is not a known channel; use one of: %(choices)s."))
            )
            lookup = ctx.sources if code == "source" else ctx.channels
            choice = lookup.get(normalize(value))
            if choice is None:
                labels = ", ".join(str(c.label) for c in choices)
                left_out.append((header, message % {"value": value, "choices": labels}))
            else:
                row.data[code] = choice
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
                validate_birthday(date)  # the services' rule: a day that has come, from 1900
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
        last, first, middle = _split_name(full_name, first_name_first=first_name_first)
        for key, part in (("last_name", last), ("first_name", first), ("middle_name", middle)):
            if part and not row.data.get(key):
                row.data[key] = part
                row.column_of[key] = row.column_of["full_name"]
    # What makes a person is a name or a way to reach them; every other value is optional:
    # the person comes in without it, and the row's report says which and why.
    named = row.data.get("first_name") or row.data.get("last_name")
    # (A row about a company is made by the company's name.)
    if points_bad and not (named or row.phones or row.emails or _is_company_row(row)):
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


# --- every row, a chunk at a time ----------------------------------------------------------
#
# A chunk of rows is read, checked in Python and written with a handful of statements: the
# phones, e-mails, INNs and company names of the whole chunk are looked up in one query each,
# and what the rows create or change is written by ``writes.chunk_write`` in bulk. The check
# run goes through the very same steps and stops short of writing: it takes no id from a
# sequence and leaves nothing to roll back.

CHUNK_ROWS = 2000

# A contact the run has met is known by an int: its pk when it is in the base, minus the number
# of the row that creates it when it is not (yet). Small, because a check run of a million rows
# remembers one for each phone and e-mail in the file.
Key = int


@dataclass
class _Person:
    """A contact a chunk creates or updates, as it will be written."""

    key: Key
    contact: Contact
    numbers: set[str] = field(default_factory=set)  # the phones it has, E.164
    addresses: set[str] = field(default_factory=set)  # its e-mail addresses, lower case
    tag_names: set[str] = field(default_factory=set)  # its tags, lower case
    new_phones: list[dict] = field(default_factory=list)
    new_emails: list[dict] = field(default_factory=list)
    new_tags: list[str] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)  # fields an update sets

    @property
    def is_new(self) -> bool:
        return self.key < 0


@dataclass
class _Firm:
    """A company a chunk's company rows create or update, with its own phones and e-mails."""

    company: Company
    numbers: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    tag_names: set[str] = field(default_factory=set)
    new_phones: list[dict] = field(default_factory=list)
    new_emails: list[dict] = field(default_factory=list)
    new_tags: list[str] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)  # fields an update of a stored one sets


# A row that names one of these is about a person; one that names a company and none of them
# is about the company itself (a company export): it never makes a nameless contact.
_PERSON_FIELDS = ("first_name", "last_name", "middle_name", "position", "birthday")


def _is_company_row(row: _Row) -> bool:
    return bool(row.company_name or row.inn) and not any(row.data.get(k) for k in _PERSON_FIELDS)


# Columns of a company's own values → its fields.
_COMPANY_VALUES = {"company_website": "website", "company_kpp": "kpp", "company_ogrn": "ogrn"}


def _firm_key(company: Company) -> int:
    """A stored company by its pk; one the run made and has not written, by the object."""
    return company.pk if company.pk is not None else -id(company)


def _website(value: str) -> str:
    """ "vektor.ru" as the form would take it: with a scheme."""
    value = value.strip()
    if value and "://" not in value:
        value = f"https://{value}"
    return value


@dataclass
class _Points:
    """A row's phones and e-mails: normalised as the services would keep them, the values to
    find the contact by, and what is wrong with them (keyed as the services key it)."""

    phones: list[dict]
    emails: list[dict]
    match: list[str]
    errors: dict[str, list[str]]


def _points_clean(row: _Row) -> _Points:
    """What ``parties._clean_points`` does to a row's phones and e-mails, computed once for
    both the lookup and the check (normalising a phone is the dearest step of a row)."""
    errors: dict[str, list[str]] = {}
    phones, emails, match = [], [], []
    seen: set[str] = set()
    for i, item in enumerate(row.phones):
        try:
            number = normalize_phone(item.get("number", ""))
        except ValidationError as exc:
            errors[f"phones.{i}.number"] = exc.messages
            continue
        match.append(number)
        if number in seen:
            continue
        seen.add(number)
        kind = item.get("kind") or Phone.Kind.MOBILE
        if kind not in Phone.Kind.values:
            errors[f"phones.{i}.kind"] = [_("Unknown kind.")]
        phones.append({"number": number, "kind": kind, "extension": ""})
    seen = set()
    for i, item in enumerate(row.emails):
        try:
            address = normalize_email(item.get("address", ""))
        except ValidationError as exc:
            errors[f"emails.{i}.address"] = exc.messages
            continue
        match.append(address)
        if address in seen:
            continue
        seen.add(address)
        kind = item.get("kind") or Email.Kind.WORK
        if kind not in Email.Kind.values:
            errors[f"emails.{i}.kind"] = [_("Unknown kind.")]
        emails.append({"address": address, "kind": kind})
    return _Points(phones, emails, match, errors)


@functools.cache
def _fields(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields]


def _probe_clean(probe: Contact | Company, names: set[str], errors: dict) -> None:
    """The model's own checks of the fields a row sets (``full_clean`` of the services, without
    the query per foreign key: the owner and the company were found or made by the run)."""
    exclude = [n for n in _fields(type(probe)) if n not in names or n in ("owner", "company")]
    try:
        probe.clean_fields(exclude=exclude)
        probe.clean()
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)


class _Run:
    """One check or import: the chunks in order, and what earlier chunks left for later ones."""

    def __init__(
        self,
        ctx: _Context,
        columns,
        *,
        write: bool,
        stop_on_error: bool,
        outcome: Outcome,
        notes: dict[int, list[tuple[str, str]]] | None = None,
    ):
        self.ctx = ctx
        self.columns = columns
        # What the reader could not keep, by row (a vCard's photo, an unreadable property).
        self.notes = notes if notes is not None else {}
        self.write = write
        self.stop_on_error = stop_on_error
        self.outcome = outcome
        self.custom_fields = ctx.custom_fields
        self.company_custom_fields = {
            f.code: f
            for f in CustomField.objects.filter(target=CustomField.Target.COMPANY, is_active=True)
        }
        # Phone or e-mail → the contact(s) that got it from this run and are not in the base
        # yet: a later row with it updates that contact, as the services would have found it.
        self.owners: dict[str, Key | set[Key]] = {}
        self.persons: dict[Key, _Person] = {}
        self.new_companies: list[Company] = []
        # Companies the run made (or, in a check, would make), by INN and by upper-case name.
        self.made_by_inn: dict[str, Company] = {}
        self.made_by_name: dict[str, Company] = {}
        # Companies of company rows, by _firm_key; those the actor cannot see, by pk.
        self.firms: dict[int, _Firm] = {}
        self.hidden_companies: set[int] = set()
        self.allowed: set[str] = set()

    # lookups for the whole chunk

    def _owners_in_base(self, values: set[str]) -> dict[str, set[int]]:
        """Each phone and e-mail of the chunk → the contacts in the base that have it (two
        queries; merged-away contacts left out, as ``contacts_with_points`` does)."""
        numbers = [v for v in values if "@" not in v]
        addresses = [v for v in values if "@" in v]
        pairs: list[tuple[str, int]] = []
        if numbers:
            pairs += Phone.objects.filter(number__in=numbers, contact__isnull=False).values_list(
                "number", "contact_id"
            )
        if addresses:
            pairs += (
                Email.objects.annotate(a=Lower("address"))
                .filter(a__in=addresses, contact__isnull=False)
                .values_list("a", "contact_id")
            )
        ids = {pk for _value, pk in pairs}
        if ids:
            ids = set(
                Contact.objects.filter(pk__in=ids, merged_into__isnull=True).values_list(
                    "pk", flat=True
                )
            )
        found: dict[str, set[int]] = {}
        for value, pk in pairs:
            if pk in ids:
                found.setdefault(value, set()).add(pk)
        return found

    def _persons_load(self, ids: set[int]) -> None:
        """The contacts of the base the chunk may update, with their phones, e-mails and tags."""
        ids = ids - set(self.persons)
        if not ids:
            return
        for contact in Contact.objects.filter(pk__in=ids):
            self.persons[contact.pk] = _Person(contact.pk, contact)
        for contact_id, number in Phone.objects.filter(contact_id__in=ids).values_list(
            "contact_id", "number"
        ):
            self.persons[contact_id].numbers.add(number)
        for contact_id, address in Email.objects.filter(contact_id__in=ids).values_list(
            "contact_id", "address"
        ):
            self.persons[contact_id].addresses.add(address.lower())
        through = Contact.tags.through
        for contact_id, name in through.objects.filter(contact_id__in=ids).values_list(
            "contact_id", "tag__name"
        ):
            self.persons[contact_id].tag_names.add(name.lower())

    def _companies_load(self, rows: list[_Row]) -> None:
        """The companies the chunk's rows name and the run has not met yet: by INN, by name."""
        ctx = self.ctx
        inns, names = set(), set()
        for row in rows:
            if row.inn and f"inn:{row.inn}" not in ctx.companies:
                inns.add(row.inn)
            if row.company_name and f"name:{row.company_name.lower()}" not in ctx.companies:
                names.add(row.company_name.upper())
        self.by_inn: dict[str, Company] = {}
        self.by_name: dict[str, Company] = {}
        if inns:
            for company in Company.objects.filter(inn__in=inns).order_by("-pk"):
                self.by_inn[company.inn] = company  # the lowest pk wins, as .first() did
        if names:
            for company in (
                Company.objects.annotate(u=Upper("name")).filter(u__in=names).order_by("-pk")
            ):
                self.by_name[company.u] = company

    def _firms_load(self, rows: list[_Row]) -> None:
        """The stored companies the chunk's company rows may update, with their phones,
        e-mails and tags (one query each), and which of them the actor cannot see."""
        ctx = self.ctx
        pks: set[int] = set()
        for row in rows:
            name = row.company_name
            for company in (
                ctx.companies.get(f"inn:{row.inn}") if row.inn else None,
                ctx.companies.get(f"name:{name.lower()}") if name else None,
                self.by_inn.get(row.inn) if row.inn else None,
                self.by_name.get(name.upper()) if name else None,
            ):
                if company is not None and company.pk is not None and company.pk not in self.firms:
                    pks.add(company.pk)
        if not pks:
            return
        if ctx.visible is not None:
            seen = companies_visible_to(ctx.actor).filter(pk__in=pks).values_list("pk", flat=True)
            self.hidden_companies |= pks - set(seen)
        for company in Company.objects.filter(pk__in=pks):
            self.firms[company.pk] = _Firm(company)
        for company_id, number in Phone.objects.filter(company_id__in=pks).values_list(
            "company_id", "number"
        ):
            self.firms[company_id].numbers.add(number)
        for company_id, address in Email.objects.filter(company_id__in=pks).values_list(
            "company_id", "address"
        ):
            self.firms[company_id].addresses.add(address.lower())
        through = Company.tags.through
        for company_id, name in through.objects.filter(company_id__in=pks).values_list(
            "company_id", "tag__name"
        ):
            self.firms[company_id].tag_names.add(name.lower())

    # one row

    def _company_made(self, company: Company, key: str) -> None:
        """A company a row made: found by later rows as the services would find it in the
        base, by INN or by name."""
        self.ctx.companies[key] = company
        self.new_companies.append(company)
        self.made_by_name.setdefault(company.name.upper(), company)
        if company.inn:
            self.made_by_inn.setdefault(company.inn, company)

    def _company_row(self, row: _Row, points: _Points) -> None:
        """A row about a company itself: it is made or updated (found by INN, then by name),
        and its phones, e-mails and tags are the company's."""
        ctx = self.ctx
        errors = list(row.errors)
        company, company_key, problems = self._company_for(row)
        if problems:
            self._refuse(row, errors + _errors_of(ValidationError(problems), row, ctx))
            return
        if company.pk is not None and company.pk in self.hidden_companies:
            self._refuse(row, [*errors, ("", _("It is a company you cannot see."))])
            return
        # Stored ones were loaded with the chunk; one the run made is met here first.
        firm = self.firms.get(_firm_key(company)) or _Firm(company)
        company = firm.company
        values = {
            k: v
            for k, v in row.data.items()
            if k in Company.EDITABLE_FIELDS and k not in ("name", "inn")
        }
        # The company's own values beside its name and INN are optional: one that cannot be
        # taken is left out with a warning, as a person's are.
        for code, name in _COMPANY_VALUES.items():
            if not row.data.get(code):
                continue
            value = row.data[code].strip()
            try:
                if name == "website":
                    value = _website(value)
                Company._meta.get_field(name).run_validators(value)
            except ValidationError as exc:
                row.warnings.append(
                    (
                        row.column_of.get(code, ""),
                        _("%(problem)s The value was left out.") % {"problem": exc.messages[0]},
                    )
                )
            else:
                values[name] = value
        if row.inn and not company.inn:
            values["inn"] = row.inn
        # Only what differs is written (and makes an "update" in its history): the same file
        # imported again changes nothing.
        values = {k: v for k, v in values.items() if getattr(company, k) != v}
        probe = copy.copy(company)
        for name, value in values.items():
            setattr(probe, name, value)
        found = dict(points.errors)
        _probe_clean(probe, set(values), found)
        if found:
            errors.extend(_errors_of(ValidationError(found), row, ctx))
        if errors:
            self._refuse(row, errors)
            return
        if company_key:
            self.outcome.created += 1
            self._company_made(company, company_key)
        else:
            self._allow("contacts.change_company")
            self.outcome.updated += 1
            if company.pk is not None:
                firm.changed |= set(values)
        for name, value in values.items():
            setattr(company, name, value)
        self.firms[_firm_key(company)] = firm
        for phone in points.phones:
            if phone["number"] not in firm.numbers:
                firm.numbers.add(phone["number"])
                firm.new_phones.append(phone)
        for email in points.emails:
            if email["address"] not in firm.addresses:
                firm.addresses.add(email["address"])
                firm.new_emails.append(email)
        for tag in row.tags:
            name = tag.strip()[:60]
            if name and name.lower() not in firm.tag_names:
                firm.tag_names.add(name.lower())
                firm.new_tags.append(name)

    def _allow(self, permission: str) -> None:
        if permission not in self.allowed:
            require_permission(self.ctx.actor, permission)
            self.allowed.add(permission)

    def _company_for(self, row: _Row) -> tuple[Company | None, str, dict[str, list[str]]]:
        """The row's company: found by INN, else by name, else made (and kept only if the row
        is); returns it, the key it is remembered by when made, and the row's errors."""
        if not (row.company_name or row.inn):
            return None, "", {}
        if row.inn:
            try:
                validate_inn(row.inn)
            except ValidationError as exc:
                return None, "", {"inn": exc.messages}
        key = f"inn:{row.inn}" if row.inn else f"name:{row.company_name.lower()}"
        ctx = self.ctx
        if key in ctx.companies:
            return ctx.companies[key], "", {}
        company = (self.by_inn.get(row.inn) or self.made_by_inn.get(row.inn)) if row.inn else None
        if company is None and row.company_name:
            name = row.company_name.upper()
            company = self.by_name.get(name) or self.made_by_name.get(name)
        if company is not None:
            ctx.companies[key] = company
            return company, "", {}
        if not row.company_name:
            message = _("No company has INN %(inn)s; give the company name too.") % {"inn": row.inn}
            return None, "", {"inn": [message]}
        self._allow("contacts.add_company")
        company = Company(
            name=row.company_name,
            inn=row.inn,
            source=Source.IMPORT,
            created_by=ctx.actor,
            owner=ctx.actor,
        )
        errors: dict[str, list[str]] = {}
        _probe_clean(company, {"name", "inn", "source"}, errors)
        try:
            company.custom = custom_fields_clean(
                CustomField.Target.COMPANY, {}, fields=self.company_custom_fields
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            return None, "", {("company" if k == "name" else k): v for k, v in errors.items()}
        return company, key, {}

    def _matches(self, values: list[str], in_base: dict[str, set[int]]) -> set[Key]:
        found: set[Key] = set()
        for value in values:
            found |= in_base.get(value, set())
            mine = self.owners.get(value)
            if isinstance(mine, set):
                found |= mine
            elif mine is not None:
                found.add(mine)
        return found

    def _remember(self, value: str, key: Key) -> None:
        mine = self.owners.get(value)
        if mine is None or mine == key:
            self.owners[value] = key
        elif isinstance(mine, set):
            mine.add(key)
        else:
            self.owners[value] = {mine, key}

    def _several(self, keys: set[Key]) -> str:
        names = [f"#{k}" for k in sorted(k for k in keys if k > 0)]
        names += [
            _("the contact of row %(row)s") % {"row": r} for r in sorted(-k for k in keys if k < 0)
        ]
        return _("Its phone or e-mail belongs to several contacts (%(ids)s); merge them first.") % {
            "ids": ", ".join(names[:5])
        }

    def _person(self, key: Key) -> _Person:
        person = self.persons.get(key)
        if person is None:  # made by a chunk that was checked, not written: nothing to load
            person = self.persons[key] = _Person(key, Contact())
        return person

    def _row(self, row: _Row, points: _Points, in_base: dict[str, set[int]], visible) -> None:
        ctx = self.ctx
        errors = list(row.errors)
        company, company_key, problems = self._company_for(row)
        if problems:
            self._refuse(row, errors + _errors_of(ValidationError(problems), row, ctx))
            return
        keys = self._matches(points.match, in_base)
        if len(keys) > 1:
            self._refuse(row, [*errors, ("", self._several(keys))])
            return
        key = next(iter(keys), None)
        if key is not None and key > 0 and visible is not None and key not in visible:
            self._refuse(
                row, [*errors, ("", _("Its phone or e-mail belongs to a contact you cannot see."))]
            )
            return
        person = self._person(key) if key is not None else None
        data = {k: v for k, v in row.data.items() if k in Contact.EDITABLE_FIELDS}
        if company is not None:
            data["company"] = company
        problems = dict(points.errors)
        if person is None:
            data.setdefault("source", Source.IMPORT)
            probe = Contact(**data)
            if not (probe.first_name or probe.last_name or row.phones or row.emails):
                problems["last_name"] = [_("Give at least a name, a phone or an e-mail.")]
        else:
            probe = copy.copy(person.contact)
            for name, value in data.items():
                setattr(probe, name, value)
        _probe_clean(probe, set(data), problems)
        if person is None or row.custom:
            try:
                probe.custom = custom_fields_clean(
                    CustomField.Target.CONTACT,
                    row.custom,
                    stored=None if person is None else probe.custom,
                    fields=self.custom_fields,
                )
            except ValidationError as exc:
                problems.update(exc.message_dict)
        if problems:
            errors.extend(_errors_of(ValidationError(problems), row, ctx))
        if errors:
            self._refuse(row, errors)
            return
        if person is None:
            self._allow("contacts.add_contact")
            probe.created_by = ctx.actor
            if probe.owner_id is None and ctx.actor is not None:
                probe.owner = ctx.actor
            person = self.persons[-row.number] = _Person(-row.number, probe)
            self.outcome.created += 1
        else:
            self._allow("contacts.change_contact")
            person.contact = probe
            person.changed |= set(data) | ({"custom"} if row.custom else set())
            self.outcome.updated += 1
        if company_key:
            self._company_made(company, company_key)
        for phone in points.phones:
            if phone["number"] not in person.numbers:
                person.numbers.add(phone["number"])
                person.new_phones.append(phone)
                self._remember(phone["number"], person.key)
        for email in points.emails:
            if email["address"] not in person.addresses:
                person.addresses.add(email["address"])
                person.new_emails.append(email)
                self._remember(email["address"], person.key)
        for tag in row.tags:
            name = tag.strip()[:60]
            if name and name.lower() not in person.tag_names:
                person.tag_names.add(name.lower())
                person.new_tags.append(name)

    def _refuse(self, row: _Row, errors: list[tuple[str, str]]) -> None:
        self.outcome.row_refused(row.number, errors)

    # a chunk

    def chunk(self, rows: list[tuple[int, list[str]]], progress: Progress | None) -> None:
        ctx = self.ctx
        built = [_row_build(number, cells, self.columns, ctx) for number, cells in rows]
        points = [_points_clean(row) for row in built]
        of_company = [_is_company_row(row) for row in built]
        values = {
            v for p, firm in zip(points, of_company, strict=True) if not firm for v in p.match
        }
        in_base = self._owners_in_base(values)
        ids = {pk for pks in in_base.values() for pk in pks}
        visible = None
        if ctx.visible is not None and ids:
            visible = set(ctx.visible.filter(pk__in=ids).values_list("pk", flat=True))
        # Contacts of the base that got one of these values from an earlier chunk that was
        # only checked: their stored custom fields count in this chunk's checks.
        earlier = set()
        for value in values & self.owners.keys():
            mine = self.owners[value]
            earlier |= {k for k in (mine if isinstance(mine, set) else {mine}) if k > 0}
        self._persons_load((ids if visible is None else ids & visible) | earlier)
        self._companies_load(built)
        self._firms_load([row for row, firm in zip(built, of_company, strict=True) if firm])
        for row, row_points, firm in zip(built, points, of_company, strict=True):
            if firm:
                self._company_row(row, row_points)
            else:
                self._row(row, row_points, in_base, visible)
            self.outcome.row_warned(row.number, row.warnings + self.notes.pop(row.number, []))
        self.outcome.processed += len(rows)
        if self.write and self.outcome.error_rows and self.stop_on_error:
            # The import will be rolled back whatever follows: the rest is only checked.
            self.write = False
        if self.write:
            chunk_write(
                actor=ctx.actor,
                companies=self.new_companies,
                persons=list(self.persons.values()),
                firms=list(self.firms.values()),
                tags=ctx.tags,
            )
            # Everything is in the base now, where the next chunk's lookups find it.
            self.owners.clear()
            self.firms.clear()
        for firm in self.firms.values():
            firm.new_phones, firm.new_emails, firm.new_tags = [], [], []
            firm.changed = set()
        self.persons.clear()
        self.new_companies = []
        if progress is not None:
            progress(self.outcome.processed)


def rows_import(
    *,
    actor: User,
    table: Table,
    mapping: dict[str, str],
    progress: Progress | None = None,
    date_order: str = "",
    write: bool = True,
    stop_on_error: bool = False,
    chunk_rows: int = CHUNK_ROWS,
) -> Outcome:
    """Every row checked and, when ``write``, written, ``chunk_rows`` at a time. A bad row
    leaves no trace; the caller's transaction decides whether the good rows stay. With
    ``stop_on_error`` (an import that is all or nothing) writing stops at the first bad row,
    and the remaining rows are only checked, for the report."""
    ctx = _Context(actor=actor, targets=import_targets(), date_order=date_order)
    columns = [
        (int(i), table.headers[int(i)], code)
        for i, code in sorted(mapping.items(), key=lambda kv: int(kv[0]))
        if code and code in ctx.targets and int(i) < len(table.headers)
    ]
    outcome = Outcome()
    run = _Run(
        ctx,
        columns,
        write=write,
        stop_on_error=stop_on_error,
        outcome=outcome,
        notes=table.notes,
    )
    chunk: list[tuple[int, list[str]]] = []
    for item in table.rows():
        chunk.append(item)
        if len(chunk) >= chunk_rows:
            run.chunk(chunk, progress)
            chunk = []
    if chunk:
        run.chunk(chunk, progress)
    return outcome

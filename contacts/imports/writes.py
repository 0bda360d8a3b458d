"""What a chunk of imported rows creates and changes, written in bulk.

The rows were checked by ``rows`` exactly as the contact services check them; this writes what
``parties._party_save`` and ``contact_create`` would have written row by row — the contact,
its phones and e-mails (the first of a contact's becomes primary), its tags, the "contact
created" event on its timeline — a few statements per chunk instead of a dozen per row.

The change history (pghistory) is kept by a trigger per row, which also writes the context
(who, through which door) once more for every row: four fifths of the time of a bulk insert
of contacts. Here the triggers of contacts and companies are off for the chunk's statements,
and the same events are written by one ``INSERT … SELECT`` per table from the rows just
written: a snapshot of each contact created ("insert") or updated ("update") and of each
company made, all under the context the import runs in (``crm.history.acting_as``: the
importer and the door — ``task:contacts.import``, ``command:contacts_import``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pgtrigger
from django.db import connection
from django.db.models import JSONField, Model
from django.db.models.functions import Lower
from django.utils import timezone
from psycopg import sql
from psycopg.types.json import Jsonb

from contacts.models import Company, Contact, Email, Interaction, Phone, Tag
from contacts.services.timeline import _event
from crm.models import User

if TYPE_CHECKING:
    from .rows import _Firm, _Person

BATCH = 1000
# The history triggers the chunk's own events stand in for.
_HISTORY_TRIGGERS = (
    "contacts.Contact:insert_insert",
    "contacts.Contact:update_update",
    "contacts.Company:insert_insert",
    "contacts.Company:update_update",
)


def _history_write(model: type[Model], ids: list[int], label: str) -> None:
    """What pghistory's trigger writes for each of these rows, in one statement: the row as it
    is now, labelled, under the current context (one upsert of it, not one per row)."""
    if not ids:
        return
    event = model.pgh_event_model
    columns = [f.column for f in event._meta.concrete_fields if not f.name.startswith("pgh_")]
    quote = connection.ops.quote_name
    listed = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute("SELECT _pgh_attach_context()")
        context_id = cursor.fetchone()[0]
        cursor.execute(
            # Only names of the models' own tables and columns are interpolated.
            f"INSERT INTO {quote(event._meta.db_table)} "  # noqa: S608
            f"({listed}, pgh_context_id, pgh_created_at, pgh_label, pgh_obj_id) "
            f"SELECT {listed}, %s, NOW(), %s, id FROM {quote(model._meta.db_table)} "
            "WHERE id = ANY(%s)",
            [context_id, label, ids],
        )


def _tags_resolve(names: Iterable[str], known: dict[str, Tag]) -> None:
    """Fill ``known`` (lower-case name → tag) with these names, making the missing tags."""
    wanted = {n.lower(): n for n in names if n.lower() not in known}
    if not wanted:
        return
    found = Tag.objects.annotate(low=Lower("name")).filter(low__in=list(wanted))
    known.update({t.low: t for t in found})
    missing = [Tag(name=n) for low, n in wanted.items() if low not in known]
    if missing:
        # Someone may add the same tag meanwhile: the unique index keeps one, read back below.
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        found = Tag.objects.annotate(low=Lower("name")).filter(
            low__in=[t.name.lower() for t in missing]
        )
        known.update({t.low: t for t in found})


def chunk_write(
    *,
    actor: User | None,
    companies: list[Company],
    persons: list[_Person],
    tags: dict[str, Tag],
    firms: list[_Firm] = (),
) -> None:
    """Write the companies made and the contacts created or updated by one chunk, and what
    its company rows change of the companies: fields, phones, e-mails, tags."""
    now = timezone.now()
    created = [p for p in persons if p.is_new]
    updated = [p for p in persons if not p.is_new]
    changed = [f.company for f in firms if f.changed]
    with pgtrigger.ignore(*_HISTORY_TRIGGERS):
        if companies:
            Company.objects.bulk_create(companies, batch_size=BATCH)
        if changed:
            fields = {"updated_at"}.union(*(f.changed for f in firms))
            for company in changed:
                company.updated_at = now
            Company.objects.bulk_update(changed, sorted(fields), batch_size=BATCH)
        if created:
            _copy_new([p.contact for p in created], now)
        if updated:
            fields = {"updated_at"}
            for person in updated:
                person.contact.updated_at = now
                fields |= person.changed
            Contact.objects.bulk_update(
                [p.contact for p in updated], sorted(fields), batch_size=BATCH
            )
    _history_write(Company, [c.pk for c in companies], "insert")
    _history_write(Company, [c.pk for c in changed], "update")
    _history_write(Contact, [p.contact.pk for p in created], "insert")
    _history_write(Contact, [p.contact.pk for p in updated], "update")
    phones, emails, links = [], [], []
    for person in persons:
        pk = person.contact.pk
        # The first phone and e-mail of a contact that has none is its primary one.
        first_phone = len(person.numbers) == len(person.new_phones)
        for i, item in enumerate(person.new_phones):
            phones.append({"contact_id": pk, "is_primary": first_phone and i == 0, **item})
        first_email = len(person.addresses) == len(person.new_emails)
        for i, item in enumerate(person.new_emails):
            emails.append({"contact_id": pk, "is_primary": first_email and i == 0, **item})
    for firm in firms:
        pk = firm.company.pk
        first_phone = len(firm.numbers) == len(firm.new_phones)
        for i, item in enumerate(firm.new_phones):
            phones.append({"company_id": pk, "is_primary": first_phone and i == 0, **item})
        first_email = len(firm.addresses) == len(firm.new_emails)
        for i, item in enumerate(firm.new_emails):
            emails.append({"company_id": pk, "is_primary": first_email and i == 0, **item})
    _copy(Phone, phones, now)
    _copy(Email, emails, now)
    _tags_resolve((n for p in [*persons, *firms] for n in p.new_tags), tags)
    for person in persons:
        links += [
            {"contact_id": person.contact.pk, "tag_id": tags[n.lower()].pk} for n in person.new_tags
        ]
    _copy(Contact.tags.through, links, now)
    _copy(
        Company.tags.through,
        [
            {"company_id": firm.company.pk, "tag_id": tags[n.lower()].pk}
            for firm in firms
            for n in firm.new_tags
        ],
        now,
    )
    event = _event("contact_created")
    subject = str(event["subject"])[:255]
    _copy(
        Interaction,
        [
            {
                "contact_id": p.contact.pk,
                "kind": Interaction.Kind.SYSTEM,
                "author_id": actor.pk if actor is not None else None,
                "occurred_at": now,
                "subject": subject,
                "data": event["data"],
            }
            for p in created
        ],
        now,
    )


def _copy(model: type[Model], rows: list[dict[str, Any]], now: dt.datetime) -> None:
    """Rows of a table no trigger watches, streamed in with ``COPY``: what Django's own insert
    spends preparing each value of each row is most of a bulk import's time. A column a row
    does not name takes the field's default, "created" and "recorded" times are ``now``."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
            defaults[f.attname] = now
        else:
            defaults[f.attname] = f.get_default()  # "" for text, None where NULL is allowed
    json_columns = {f.attname for f in fields if isinstance(f, JSONField)}
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table),
        sql.SQL(", ").join(sql.Identifier(f.column) for f in fields),
    )
    names = [f.attname for f in fields]
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            values = [row.get(name, defaults[name]) for name in names]
            for i, name in enumerate(names):
                if name in json_columns:
                    values[i] = Jsonb(values[i])
            copy.write_row(values)


def _copy_new(objs: list[Model], now: dt.datetime) -> None:
    """New rows of one model streamed in with ``COPY``, their ids drawn from the table's
    sequence first (one statement), as ``bulk_create`` would return them."""
    model = type(objs[0])
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
    fields = model._meta.concrete_fields
    for obj in objs:
        # A company made by the same chunk was assigned before it had an id.
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        for f in fields:
            if getattr(f, "auto_now", False):
                setattr(obj, f.attname, now)
        obj._state.adding = False
    json_columns = [i for i, f in enumerate(fields) if isinstance(f, JSONField)]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(f.column) for f in fields)
    )
    names = [f.attname for f in fields]
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for obj in objs:
            values = [getattr(obj, name) for name in names]
            for i in json_columns:
                values[i] = Jsonb(values[i])
            copy.write_row(values)

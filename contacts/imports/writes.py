"""What a chunk of imported rows creates and changes, written in bulk.

The rows were checked by ``rows`` exactly as the contact services check them; this writes what
``parties._party_save`` and ``contact_create`` would have written row by row — the contact,
its phones and e-mails (the first of a contact's becomes primary), its tags, the "contact
created" event on its timeline — a few statements per chunk instead of a dozen per row.

The change history (pghistory) is kept by database triggers, which fire for every row of a
bulk ``INSERT`` or ``UPDATE`` as for a single one: each imported or updated contact and each
company made gets its event, with the context the import runs under (``crm.history.acting_as``:
the importer and the door — ``task:contacts.import``, ``command:contacts_import``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models.functions import Lower
from django.utils import timezone

from contacts.models import Company, Contact, Email, Interaction, Phone, Tag
from contacts.services.timeline import _event
from crm.models import User

if TYPE_CHECKING:
    from .rows import _Person

BATCH = 1000


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
) -> None:
    """Write the companies made and the contacts created or updated by one chunk."""
    now = timezone.now()
    if companies:
        Company.objects.bulk_create(companies, batch_size=BATCH)
    created = [p for p in persons if p.is_new]
    updated = [p for p in persons if not p.is_new]
    if created:
        Contact.objects.bulk_create([p.contact for p in created], batch_size=BATCH)
    if updated:
        fields = {"updated_at"}
        for person in updated:
            person.contact.updated_at = now
            fields |= person.changed
        Contact.objects.bulk_update([p.contact for p in updated], sorted(fields), batch_size=BATCH)
    phones, emails, links = [], [], []
    for person in persons:
        contact = person.contact
        # The first phone and e-mail of a contact that has none is its primary one.
        first_phone = len(person.numbers) == len(person.new_phones)
        for i, item in enumerate(person.new_phones):
            phones.append(
                Phone(contact=contact, is_primary=first_phone and i == 0, created_at=now, **item)
            )
        first_email = len(person.addresses) == len(person.new_emails)
        for i, item in enumerate(person.new_emails):
            emails.append(
                Email(contact=contact, is_primary=first_email and i == 0, created_at=now, **item)
            )
    Phone.objects.bulk_create(phones, batch_size=BATCH)
    Email.objects.bulk_create(emails, batch_size=BATCH)
    _tags_resolve((n for p in persons for n in p.new_tags), tags)
    through = Contact.tags.through
    for person in persons:
        links += [
            through(contact_id=person.contact.pk, tag_id=tags[n.lower()].pk)
            for n in person.new_tags
        ]
    through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)
    event = _event("contact_created")
    Interaction.objects.bulk_create(
        [
            Interaction(
                contact=p.contact,
                kind=Interaction.Kind.SYSTEM,
                author=actor,
                occurred_at=now,
                subject=event["subject"][:255],
                data=event["data"],
            )
            for p in created
        ],
        batch_size=BATCH,
    )

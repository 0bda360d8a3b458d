"""The verbs of the customer base."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import AccessLog, Task, User
from crm.services import access_record

from . import hooks
from .events import event_text
from .models import (
    Company,
    Consent,
    Contact,
    ContactMerge,
    CustomField,
    Email,
    Interaction,
    Phone,
    Purchase,
    Tag,
)
from .validators import clean_custom_value, normalize_email, normalize_phone

CONTACT_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "position",
    "company",
    "owner",
    "source",
    "preferred_channel",
    "language",
    "time_zone",
    "birthday",
    "address",
    "region",
    "interests",
    "notes",
)
COMPANY_FIELDS = (
    "name",
    "legal_name",
    "inn",
    "kpp",
    "ogrn",
    "industry",
    "website",
    "owner",
    "source",
    "address",
    "region",
    "notes",
)


class DuplicateContactError(ValidationError):
    """The phone or e-mail belongs to existing contacts; ``duplicates`` lists them."""

    def __init__(self, duplicates: list[Contact]):
        self.duplicates = duplicates
        # No names here: the caller shows only the duplicates its user may open.
        super().__init__(
            {"__all__": [_("A contact with this phone or e-mail already exists.")]},
            code="duplicate",
        )


# --- custom fields, phones, e-mails --------------------------------------------------------


def custom_fields_clean(
    target: str,
    values: dict[str, Any] | None,
    *,
    partial: bool = False,
    stored: dict[str, Any] | None = None,
) -> dict:
    """Check custom field values against their definitions; errors are keyed ``custom.<code>``.

    ``stored`` are the values already on the record, which ``values`` update. A stored value
    of a field since deactivated or removed is kept as it is (it comes back with the field)
    instead of being reported: nobody sent it, and nobody could correct it.
    """
    incoming = dict(values or {})
    stored = dict(stored or {})
    values = {**stored, **incoming}
    fields = {f.code: f for f in CustomField.objects.filter(target=target, is_active=True)}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for code in values:
        if code in fields:
            continue
        if code in incoming:
            errors[f"custom.{code}"] = [_("There is no such field.")]
        else:
            cleaned[code] = stored[code]
    for code, field in fields.items():
        if partial and code not in values:
            continue
        try:
            value = clean_custom_value(field, values.get(code))
        except ValidationError as exc:
            errors[f"custom.{code}"] = exc.messages
            continue
        if value is not None:
            cleaned[code] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_points(
    phones: list[dict] | None, emails: list[dict] | None
) -> tuple[list[dict], list[dict]]:
    errors: dict[str, list[str]] = {}
    clean_phones, clean_emails = [], []
    seen: set[str] = set()
    for i, item in enumerate(phones or []):
        try:
            number = normalize_phone(item.get("number", ""))
        except ValidationError as exc:
            errors[f"phones.{i}.number"] = exc.messages
            continue
        if number in seen:
            continue
        seen.add(number)
        kind = item.get("kind") or Phone.Kind.MOBILE
        if kind not in Phone.Kind.values:
            errors[f"phones.{i}.kind"] = [_("Unknown kind.")]
        clean_phones.append(
            {"number": number, "kind": kind, "extension": item.get("extension", "")[:10]}
        )
    seen = set()
    for i, item in enumerate(emails or []):
        try:
            address = normalize_email(item.get("address", ""))
        except ValidationError as exc:
            errors[f"emails.{i}.address"] = exc.messages
            continue
        if address in seen:
            continue
        seen.add(address)
        kind = item.get("kind") or Email.Kind.WORK
        if kind not in Email.Kind.values:
            errors[f"emails.{i}.kind"] = [_("Unknown kind.")]
        clean_emails.append({"address": address, "kind": kind})
    if errors:
        raise ValidationError(errors)
    return clean_phones, clean_emails


def contacts_with_points(
    *, phones: list[str], emails: list[str], exclude_pk: int | None = None
) -> list[Contact]:
    """Existing (not merged-away) contacts that have any of these phones or e-mails."""
    if not phones and not emails:
        return []
    ids = set(
        Phone.objects.filter(number__in=phones, contact__isnull=False).values_list(
            "contact_id", flat=True
        )
    )
    ids |= set(
        Email.objects.annotate(a=Lower("address"))
        .filter(a__in=[e.lower() for e in emails], contact__isnull=False)
        .values_list("contact_id", flat=True)
    )
    ids.discard(exclude_pk)
    return list(Contact.objects.filter(pk__in=ids, merged_into__isnull=True).order_by("pk")[:20])


def _replace_points(
    owner: Contact | Company, phones: list[dict] | None, emails: list[dict] | None
) -> None:
    key = "contact" if isinstance(owner, Contact) else "company"
    if phones is not None:
        Phone.objects.filter(**{key: owner}).delete()
        Phone.objects.bulk_create(
            Phone(**{key: owner}, is_primary=(i == 0), **p) for i, p in enumerate(phones)
        )
    if emails is not None:
        Email.objects.filter(**{key: owner}).delete()
        Email.objects.bulk_create(
            Email(**{key: owner}, is_primary=(i == 0), **e) for i, e in enumerate(emails)
        )


def tags_resolve(names: list[str]) -> list[Tag]:
    tags = []
    for name in {n.strip()[:60] for n in names if n and n.strip()}:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(name=name)
            except IntegrityError:
                tag = Tag.objects.get(name__iexact=name)
        tags.append(tag)
    return tags


def _full_clean(obj: models.Model, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None


# --- contacts and companies ----------------------------------------------------------------


def _party_validate(
    party: Contact | Company,
    *,
    creating: bool,
    phones: list[dict] | None,
    emails: list[dict] | None,
    custom: dict[str, Any] | None,
    errors: dict[str, list[str]] | None = None,
) -> tuple[list[dict] | None, list[dict] | None]:
    """Check a person or company with its phones, e-mails and custom fields, all at once, so
    that the user sees every problem in one answer; returns the normalised phones and e-mails
    (None for a list that is not being changed)."""
    errors = dict(errors or {})
    try:
        _full_clean(party, exclude=["custom"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    clean_phones = clean_emails = None
    if creating or phones is not None or emails is not None:
        try:
            found_phones, found_emails = _clean_points(phones, emails)
            clean_phones = found_phones if creating or phones is not None else None
            clean_emails = found_emails if creating or emails is not None else None
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if creating or custom is not None:
        target = (
            CustomField.Target.CONTACT if isinstance(party, Contact) else CustomField.Target.COMPANY
        )
        try:
            party.custom = custom_fields_clean(
                target, custom, stored=None if creating else party.custom
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return clean_phones, clean_emails


def _party_save(
    party: Contact | Company,
    phones: list[dict] | None,
    emails: list[dict] | None,
    tags: list[str] | None,
) -> None:
    party.save()
    _replace_points(party, phones, emails)
    if tags is not None:
        party.tags.set(tags_resolve(tags))


def _party_new(model, fields: tuple[str, ...], data: dict[str, Any], actor: User | None):
    party = model(**{k: v for k, v in data.items() if k in fields})
    party.created_by = actor
    if party.owner_id is None and actor is not None:
        party.owner = actor
    return party


def contact_create(
    *,
    actor: User | None,
    data: dict[str, Any],
    phones: list[dict] | None = None,
    emails: list[dict] | None = None,
    tags: list[str] | None = None,
    custom: dict[str, Any] | None = None,
    allow_duplicate: bool = False,
) -> Contact:
    """Create a person with their phones and e-mails.

    Raises ``DuplicateContactError`` when a phone or e-mail already belongs to someone, unless
    ``allow_duplicate`` (the user saw the warning and chose to create anyway).
    """
    contact = _party_new(Contact, CONTACT_FIELDS, data, actor)
    errors = {}
    if not (contact.first_name or contact.last_name or phones or emails):
        errors["last_name"] = [_("Give at least a name, a phone or an e-mail.")]
    clean_phones, clean_emails = _party_validate(
        contact, creating=True, phones=phones, emails=emails, custom=custom, errors=errors
    )
    if not allow_duplicate:
        dupes = contacts_with_points(
            phones=[p["number"] for p in clean_phones], emails=[e["address"] for e in clean_emails]
        )
        if dupes:
            raise DuplicateContactError(dupes)
    with transaction.atomic():
        _party_save(contact, clean_phones, clean_emails, tags or None)
        interaction_record(
            contact=contact,
            kind=Interaction.Kind.SYSTEM,
            author=actor,
            **_event("contact_created"),
        )
    return contact


def _party_update(
    party: Contact | Company,
    fields: tuple[str, ...],
    *,
    data: dict[str, Any] | None,
    phones: list[dict] | None,
    emails: list[dict] | None,
    tags: list[str] | None,
    custom: dict[str, Any] | None,
) -> None:
    for key, value in (data or {}).items():
        if key in fields:
            setattr(party, key, value)
    clean_phones, clean_emails = _party_validate(
        party, creating=False, phones=phones, emails=emails, custom=custom
    )
    with transaction.atomic():
        _party_save(party, clean_phones, clean_emails, tags)


def contact_update(
    *,
    actor: User,
    contact: Contact,
    data: dict[str, Any] | None = None,
    phones: list[dict] | None = None,
    emails: list[dict] | None = None,
    tags: list[str] | None = None,
    custom: dict[str, Any] | None = None,
) -> Contact:
    _party_update(
        contact, CONTACT_FIELDS, data=data, phones=phones, emails=emails, tags=tags, custom=custom
    )
    return contact


def company_create(
    *,
    actor: User | None,
    data: dict[str, Any],
    phones: list[dict] | None = None,
    emails: list[dict] | None = None,
    tags: list[str] | None = None,
    custom: dict[str, Any] | None = None,
) -> Company:
    company = _party_new(Company, COMPANY_FIELDS, data, actor)
    clean_phones, clean_emails = _party_validate(
        company, creating=True, phones=phones, emails=emails, custom=custom
    )
    with transaction.atomic():
        _party_save(company, clean_phones, clean_emails, tags or None)
    return company


def company_update(
    *,
    actor: User,
    company: Company,
    data: dict[str, Any] | None = None,
    phones: list[dict] | None = None,
    emails: list[dict] | None = None,
    tags: list[str] | None = None,
    custom: dict[str, Any] | None = None,
) -> Company:
    _party_update(
        company, COMPANY_FIELDS, data=data, phones=phones, emails=emails, tags=tags, custom=custom
    )
    return company


def contact_viewed(*, user: User, contact: Contact, ip_address: str | None = None) -> None:
    """Every card view goes to the access log (and may raise a mass-viewing alert)."""
    access_record(user=user, action=AccessLog.Action.VIEW, obj=contact, ip_address=ip_address)


# --- interactions, purchases, consents -----------------------------------------------------


def _event(event: str, **params: Any) -> dict[str, Any]:
    """Arguments of interaction_record() for a system event (see contacts/events.py)."""
    return {
        "subject": event_text(event, params) or event,
        "data": {"event": event, "params": params},
    }


def interaction_record(
    *,
    contact: Contact,
    kind: str,
    occurred_at: dt.datetime | None = None,
    direction: str = "",
    subject: str = "",
    body: str = "",
    duration_seconds: int | None = None,
    recording_url: str = "",
    channel: str = "",
    external_id: str = "",
    author: User | None = None,
    related: models.Model | None = None,
    data: dict | None = None,
) -> tuple[Interaction, bool]:
    """Put one touchpoint on the timeline; the same (kind, channel, external id) twice is
    one row — the second call returns the first row and ``False``."""
    if kind not in Interaction.Kind.values:
        raise ValidationError({"kind": [_("Unknown kind of interaction.")]})
    if direction not in Interaction.Direction.values:
        raise ValidationError({"direction": [_("Unknown direction.")]})
    fields = {
        "contact": contact,
        "kind": kind,
        "occurred_at": occurred_at or timezone.now(),
        "direction": direction,
        "subject": subject[:255],
        "body": body,
        "duration_seconds": duration_seconds,
        "recording_url": recording_url,
        "channel": channel,
        "external_id": external_id,
        "author": author,
        "data": data or {},
    }
    if related is not None:
        fields["related_type"] = ContentType.objects.get_for_model(related)
        fields["related_id"] = str(related.pk)
    if not external_id:
        return Interaction.objects.create(**fields), True
    try:
        with transaction.atomic():
            return Interaction.objects.create(**fields), True
    except IntegrityError:
        return (
            Interaction.objects.get(kind=kind, channel=channel, external_id=external_id),
            False,
        )


def note_add(*, actor: User, contact: Contact, text: str) -> Interaction:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"body": [_("Write the note first.")]})
    if len(text) > 10_000:
        raise ValidationError({"body": [_("A note can be at most 10,000 characters.")]})
    interaction, _created = interaction_record(
        contact=contact, kind=Interaction.Kind.NOTE, body=text, author=actor
    )
    return interaction


def purchase_record(
    *,
    contact: Contact,
    amount: Decimal,
    purchased_at: dt.datetime | None = None,
    currency: str = "RUB",
    items: list | None = None,
    store: str = "",
    external_id: str = "",
) -> tuple[Purchase, bool]:
    """Record a purchase (idempotent by store + external id) and refresh the contact's value."""
    amount = Decimal(amount)
    if amount < 0:
        raise ValidationError({"amount": [_("The amount cannot be negative.")]})
    if len(currency or "") != 3:
        raise ValidationError({"currency": [_("Use a three-letter currency code, e.g. RUB.")]})
    with transaction.atomic():
        if external_id:
            purchase, created = Purchase.objects.get_or_create(
                store=store,
                external_id=external_id,
                defaults={
                    "contact": contact,
                    "amount": amount,
                    "currency": currency.upper(),
                    "items": items or [],
                    "purchased_at": purchased_at or timezone.now(),
                },
            )
        else:
            purchase = Purchase.objects.create(
                contact=contact,
                amount=amount,
                currency=currency.upper(),
                items=items or [],
                store=store,
                purchased_at=purchased_at or timezone.now(),
            )
            created = True
        if created:
            interaction_record(
                contact=contact,
                kind=Interaction.Kind.PURCHASE,
                occurred_at=purchase.purchased_at,
                subject=f"{purchase.amount} {purchase.currency}",
                channel=store,
                data={"purchase_id": purchase.pk, "items": items or []},
            )
            customer_value_refresh(contact_ids=[contact.pk])
    return purchase, created


def customer_value_refresh(*, contact_ids: list[int] | None = None) -> int:
    """Lifetime value, number and date of the last purchase, per contact, from purchases.

    One statement that rewrites only the contacts whose figures changed: the nightly refresh
    of a million contacts is one pass over the purchases, not a million round trips.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE contacts_contact c
               SET lifetime_value = v.total, purchases_count = v.n, last_purchase_at = v.last
              FROM (
                    SELECT k.id,
                           COALESCE(SUM(p.amount), 0) AS total,
                           COUNT(p.id) AS n,
                           MAX(p.purchased_at) AS last
                      FROM contacts_contact k
                      LEFT JOIN contacts_purchase p ON p.contact_id = k.id
                     WHERE %(ids)s::bigint[] IS NULL OR k.id = ANY(%(ids)s::bigint[])
                     GROUP BY k.id
                   ) v
             WHERE c.id = v.id
               AND (c.lifetime_value, c.purchases_count, c.last_purchase_at)
                   IS DISTINCT FROM (v.total, v.n, v.last)
            """,
            {"ids": None if contact_ids is None else list(contact_ids)},
        )
        return cursor.rowcount


def rfm_recompute() -> int:
    """RFM scores 1–5 by quintiles over all buyers, in one SQL statement.

    Recency: 5 = bought most recently; frequency and monetary: 5 = most.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH scored AS (
                SELECT id,
                       NTILE(5) OVER (ORDER BY last_purchase_at ASC) AS r,
                       NTILE(5) OVER (ORDER BY purchases_count ASC) AS f,
                       NTILE(5) OVER (ORDER BY lifetime_value ASC) AS m
                FROM contacts_contact
                WHERE purchases_count > 0
            )
            UPDATE contacts_contact c
               SET rfm_recency = s.r, rfm_frequency = s.f, rfm_monetary = s.m
              FROM scored s
             WHERE c.id = s.id
               AND (c.rfm_recency, c.rfm_frequency, c.rfm_monetary)
                   IS DISTINCT FROM (s.r, s.f, s.m)
            """
        )
        scored = cursor.rowcount
        # A contact who no longer has purchases (moved away by a merge, deleted) has no score.
        cursor.execute(
            """
            UPDATE contacts_contact
               SET rfm_recency = NULL, rfm_frequency = NULL, rfm_monetary = NULL
             WHERE purchases_count = 0 AND rfm_recency IS NOT NULL
            """
        )
        return scored + cursor.rowcount


def consent_set(
    *,
    actor: User | None,
    contact: Contact,
    purpose: str,
    granted: bool,
    source: str = "",
    evidence: str = "",
    at: dt.datetime | None = None,
) -> Consent:
    """Grant or withdraw consent for one purpose; the change is on the timeline and in history."""
    if purpose not in Consent.Purpose.values:
        raise ValidationError({"purpose": [_("Unknown purpose.")]})
    with transaction.atomic():
        consent, _created = Consent.objects.update_or_create(
            contact=contact,
            purpose=purpose,
            defaults={
                "granted": granted,
                "changed_at": at or timezone.now(),
                "source": source[:100],
                "evidence": evidence,
                "recorded_by": actor,
            },
        )
        interaction_record(
            contact=contact,
            kind=Interaction.Kind.SYSTEM,
            body=evidence,
            author=actor,
            **_event("consent_granted" if granted else "consent_withdrawn", purpose=purpose),
        )
    return consent


def consent_allows(contact: Contact, purpose: str) -> bool:
    """Marketing asks this before sending: only an explicit, current grant allows."""
    return Consent.objects.filter(contact=contact, purpose=purpose, granted=True).exists()


# --- merge ---------------------------------------------------------------------------------


def _move_fk(model: type[models.Model], field: str):
    def move(kept: Contact, dropped: Contact) -> list:
        ids = list(model.objects.filter(**{field: dropped}).values_list("pk", flat=True))
        model.objects.filter(pk__in=ids).update(**{field: kept})
        return ids

    def undo(kept: Contact, dropped: Contact, ids: list) -> None:
        model.objects.filter(pk__in=ids).update(**{field: dropped})

    return hooks.MergeMover(move, undo)


def _move_points(model: type[models.Model], key: str):
    def move(kept: Contact, dropped: Contact) -> list:
        existing = set(model.objects.filter(contact=kept).values_list(key, flat=True))
        moving = list(model.objects.filter(contact=dropped).exclude(**{f"{key}__in": existing}))
        ids = [p.pk for p in moving]
        model.objects.filter(pk__in=ids).update(contact=kept, is_primary=False)
        return ids

    def undo(kept: Contact, dropped: Contact, ids: list) -> None:
        model.objects.filter(pk__in=ids).update(contact=dropped)

    return hooks.MergeMover(move, undo)


def _move_consents():
    def move(kept: Contact, dropped: Contact) -> list:
        purposes = set(Consent.objects.filter(contact=kept).values_list("purpose", flat=True))
        ids = list(
            Consent.objects.filter(contact=dropped)
            .exclude(purpose__in=purposes)
            .values_list("pk", flat=True)
        )
        Consent.objects.filter(pk__in=ids).update(contact=kept)
        return ids

    def undo(kept: Contact, dropped: Contact, ids: list) -> None:
        Consent.objects.filter(pk__in=ids).update(contact=dropped)

    return hooks.MergeMover(move, undo)


def _move_tags():
    def move(kept: Contact, dropped: Contact) -> list:
        have = set(kept.tags.values_list("pk", flat=True))
        ids = [t for t in dropped.tags.values_list("pk", flat=True) if t not in have]
        kept.tags.add(*ids)
        return ids

    def undo(kept: Contact, dropped: Contact, ids: list) -> None:
        kept.tags.remove(*ids)

    return hooks.MergeMover(move, undo)


def _move_tasks():
    def move(kept: Contact, dropped: Contact) -> list:
        ct = ContentType.objects.get_for_model(Contact)
        ids = list(
            Task.objects.filter(content_type=ct, object_id=str(dropped.pk)).values_list(
                "pk", flat=True
            )
        )
        Task.objects.filter(pk__in=ids).update(object_id=str(kept.pk))
        return ids

    def undo(kept: Contact, dropped: Contact, ids: list) -> None:
        Task.objects.filter(pk__in=ids).update(object_id=str(dropped.pk))

    return hooks.MergeMover(move, undo)


hooks.merge_register("interactions", _move_fk(Interaction, "contact"))
hooks.merge_register("purchases", _move_fk(Purchase, "contact"))
hooks.merge_register("phones", _move_points(Phone, "number"))
hooks.merge_register("emails", _move_points(Email, "address"))
hooks.merge_register("consents", _move_consents())
hooks.merge_register("tags", _move_tags())
hooks.merge_register("tasks", _move_tasks())

# Fields the kept contact takes from the dropped one when its own are empty.
MERGE_FILL_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "position",
    "company_id",
    "owner_id",
    "preferred_channel",
    "time_zone",
    "birthday",
    "address",
    "region",
    "interests",
)


def contact_merge(*, actor: User, keep: Contact, drop: Contact) -> ContactMerge:
    """Move everything of ``drop`` onto ``keep``; ``drop`` stays as a tombstone for undo."""
    if keep.pk == drop.pk:
        raise ValidationError({"drop": [_("Choose two different contacts.")]})
    if not actor.has_perm("contacts.merge_contact"):
        raise PermissionDenied(_("You cannot merge contacts."))
    with transaction.atomic():
        # Lock both rows in id order: two people merging the same pair cannot interleave.
        locked = {
            c.pk: c
            for c in Contact.objects.select_for_update()
            .filter(pk__in=[keep.pk, drop.pk])
            .order_by("pk")
        }
        keep, drop = locked[keep.pk], locked[drop.pk]
        if keep.merged_into_id or drop.merged_into_id:
            raise ValidationError({"drop": [_("One of these contacts was already merged.")]})
        before = {f: getattr(keep, f) for f in MERGE_FILL_FIELDS}
        before = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in before.items()}
        before["notes"] = keep.notes
        before["custom"] = keep.custom
        for field in MERGE_FILL_FIELDS:
            if not getattr(keep, field) and getattr(drop, field):
                setattr(keep, field, getattr(drop, field))
        if drop.notes:
            keep.notes = f"{keep.notes}\n\n{drop.notes}".strip()
        keep.custom = {**drop.custom, **keep.custom}
        moved = {key: mover.move(keep, drop) for key, mover in hooks.merge_movers().items()}
        keep.save()
        drop.merged_into = keep
        drop.save(update_fields=["merged_into", "updated_at"])
        merge = ContactMerge.objects.create(
            kept=keep, dropped=drop, moved=moved, kept_before=before, actor=actor
        )
        interaction_record(
            contact=keep,
            kind=Interaction.Kind.SYSTEM,
            author=actor,
            **_event("merged", name=str(drop), id=drop.pk),
        )
        customer_value_refresh(contact_ids=[keep.pk, drop.pk])
    return merge


def contact_merge_undo(*, actor: User, merge: ContactMerge) -> Contact:
    """Put back what a merge moved; the dropped contact comes back as it was."""
    if not actor.has_perm("contacts.merge_contact"):
        raise PermissionDenied(_("You cannot undo merges."))
    with transaction.atomic():
        merge = ContactMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at:
            raise ValidationError({"merge": [_("This merge was already undone.")]})
        keep, drop = merge.kept, merge.dropped
        movers = hooks.merge_movers()
        for key, ids in merge.moved.items():
            if key in movers:
                movers[key].undo(keep, drop, ids)
        for field, value in merge.kept_before.items():
            if field == "birthday" and value:
                value = dt.date.fromisoformat(value)
            setattr(keep, field, value)
        keep.save()
        drop.merged_into = None
        drop.save(update_fields=["merged_into", "updated_at"])
        merge.undone_at = timezone.now()
        merge.undone_by = actor
        merge.save(update_fields=["undone_at", "undone_by"])
        interaction_record(
            contact=keep,
            kind=Interaction.Kind.SYSTEM,
            author=actor,
            **_event("merge_undone", name=str(drop), id=drop.pk),
        )
        customer_value_refresh(contact_ids=[keep.pk, drop.pk])
    return drop


# --- one phone or e-mail at a time, removal of companies -----------------------------------


def _point_save(point: Phone | Email, value_field: str, make_primary: bool) -> None:
    model = type(point)
    owner = (
        {"contact_id": point.contact_id} if point.contact_id else {"company_id": point.company_id}
    )
    siblings = model.objects.filter(**owner).exclude(pk=point.pk)
    lookup = "number" if value_field == "number" else "address__iexact"
    if siblings.filter(**{lookup: getattr(point, value_field)}).exists():
        raise ValidationError({value_field: [_("It is already on this card.")]})
    with transaction.atomic():
        if make_primary or not siblings.filter(is_primary=True).exists():
            siblings.filter(is_primary=True).update(is_primary=False)
            point.is_primary = True
        try:
            with transaction.atomic():
                point.save()
        except IntegrityError:  # the same value added at the same moment by someone else
            raise ValidationError({value_field: [_("It is already on this card.")]}) from None


def phone_save(*, actor: User, phone: Phone, make_primary: bool = False) -> Phone:
    """Add or change one phone of a contact or a company; the first one becomes primary."""
    errors: dict[str, list[str]] = {}
    try:
        phone.number = normalize_phone(phone.number)
    except ValidationError as exc:
        errors["number"] = exc.messages
    if phone.kind not in Phone.Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    if errors:
        raise ValidationError(errors)
    _point_save(phone, "number", make_primary)
    return phone


def email_save(*, actor: User, email: Email, make_primary: bool = False) -> Email:
    """Add or change one e-mail of a contact or a company; the first one becomes primary."""
    errors: dict[str, list[str]] = {}
    try:
        email.address = normalize_email(email.address)
    except ValidationError as exc:
        errors["address"] = exc.messages
    if email.kind not in Email.Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    if errors:
        raise ValidationError(errors)
    _point_save(email, "address", make_primary)
    return email


def contact_point_remove(*, actor: User, point: Phone | Email) -> None:
    """Remove a phone or e-mail; when it was the primary one, the next becomes primary."""
    model = type(point)
    owner = (
        {"contact_id": point.contact_id} if point.contact_id else {"company_id": point.company_id}
    )
    with transaction.atomic():
        point.delete()
        if point.is_primary:
            following = model.objects.filter(**owner).order_by("id").first()
            if following is not None:
                model.objects.filter(pk=following.pk).update(is_primary=True)


def company_delete(*, actor: User, company: Company) -> None:
    """Delete a company; its people stay, without a company."""
    if not actor.has_perm("contacts.delete_company"):
        raise PermissionDenied(_("You cannot delete companies."))
    try:
        with transaction.atomic():
            company.delete()
    except models.ProtectedError:
        raise ValidationError(
            _("Other records refer to this company; it cannot be deleted.")
        ) from None

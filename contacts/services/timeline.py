"""The client's timeline: touchpoints, notes and consents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.permissions import require_permission

from ..events import event_text
from ..models import (
    Consent,
    Contact,
    Interaction,
)

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


def interaction_add(
    *, actor: User | None, contact: Contact, **fields: Any
) -> tuple[Interaction, bool]:
    """A touchpoint recorded by a person or an integration (the API): their role must allow
    adding to the timeline. Services that record their own events call
    ``interaction_record`` under the permission they checked themselves."""
    require_permission(actor, "contacts.add_interaction")
    return interaction_record(contact=contact, author=actor, **fields)


def note_add(*, actor: User, contact: Contact, text: str) -> Interaction:
    require_permission(actor, "contacts.add_interaction")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"body": [_("Write the note first.")]})
    if len(text) > 10_000:
        raise ValidationError({"body": [_("A note can be at most 10,000 characters.")]})
    interaction, _created = interaction_record(
        contact=contact, kind=Interaction.Kind.NOTE, body=text, author=actor
    )
    return interaction


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
    """Grant or withdraw consent for one purpose; the change is on the timeline and in history.

    ``actor=None`` is the client themselves (the portal, an unsubscribe link) or the system."""
    require_permission(actor, "contacts.change_consent")
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

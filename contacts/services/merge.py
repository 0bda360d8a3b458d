"""Merging two records of the same person, and undoing it."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Task, User
from crm.permissions import require_permission

from .. import hooks, selectors
from ..models import (
    Consent,
    Contact,
    ContactMerge,
    Email,
    Interaction,
    Phone,
    Purchase,
)
from .timeline import _event, interaction_record
from .value import customer_value_refresh

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


def merge_movers_register() -> None:
    """The customer base's own movers; called from ``ContactsConfig.ready()``."""
    hooks.MERGE_MOVERS.register("interactions", _move_fk(Interaction, "contact"))
    hooks.MERGE_MOVERS.register("purchases", _move_fk(Purchase, "contact"))
    hooks.MERGE_MOVERS.register("phones", _move_points(Phone, "number"))
    hooks.MERGE_MOVERS.register("emails", _move_points(Email, "address"))
    hooks.MERGE_MOVERS.register("consents", _move_consents())
    hooks.MERGE_MOVERS.register("tags", _move_tags())
    hooks.MERGE_MOVERS.register("tasks", _move_tasks())


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
    require_permission(actor, "contacts.merge_contact", _("You cannot merge contacts."))
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
    require_permission(actor, "contacts.merge_contact", _("You cannot undo merges."))
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


def contacts_merge_many(*, actor: User, keep: Contact, drops: list[Contact]) -> list[ContactMerge]:
    """Merge several records of one person into ``keep``: all of them or none.

    One transaction around the pairwise merges, so that a failure on the third (merged
    meanwhile by someone else, say) leaves the first two unmerged as well. Every record must
    be one the actor may open: merging moves a client's history, it is not a way to reach it.
    """
    require_permission(actor, "contacts.merge_contact", _("You cannot merge contacts."))
    if not drops:
        raise ValidationError({"drop": [_("Choose at least two contacts.")]})
    ids = {keep.pk, *(drop.pk for drop in drops)}
    unseen = ids - set(
        selectors.contacts_visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True)
    )
    # One merged away meanwhile is not hidden from the actor: contact_merge says so below.
    if Contact.objects.filter(pk__in=unseen, merged_into__isnull=True).exists():
        raise PermissionDenied(_("You cannot merge contacts you cannot open."))
    with transaction.atomic():
        return [contact_merge(actor=actor, keep=keep, drop=drop) for drop in drops]

"""The verbs of a deal: open it, change it, move it through the stages."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.permissions import require_permission

from .. import signals
from ..models import Deal, DealStageChange, LossReason, Pipeline, Stage
from ..selectors.deals import stage_first_open

# ISO 4217 codes a deal may be in; the list the product knows how to show and invoice.
CURRENCIES = ("RUB", "USD", "EUR", "KZT", "BYN", "CNY")

# Fields deal_update may change; stage moves go through deal_move_to_stage.
UPDATABLE = {
    "title",
    "owner",
    "contact",
    "company",
    "amount",
    "currency",
    "source",
    "expected_close_date",
    "custom",
}


def _clean_amount(value: Any, errors: dict) -> Decimal | None:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        errors["amount"] = [_("Enter a number.")]
        return None
    if amount < 0:
        errors["amount"] = [_("The amount cannot be negative.")]
        return None
    if amount >= Decimal("1e12"):
        errors["amount"] = [_("The amount is too large.")]
        return None
    return amount


def _clean_currency(value: str, errors: dict) -> str:
    code = (value or "").strip().upper()
    if code not in CURRENCIES:
        errors["currency"] = [
            _("Unknown currency “%(code)s”; use one of: %(codes)s.")
            % {"code": value, "codes": ", ".join(CURRENCIES)}
        ]
    return code


def deal_create(
    *,
    actor: User | None,
    title: str,
    pipeline: Pipeline,
    stage: Stage | None = None,
    owner: User | None = None,
    contact=None,
    company=None,
    amount: Decimal | str | int = Decimal("0"),
    currency: str | None = None,
    source: str = "",
    expected_close_date: dt.date | None = None,
    repeat_of: Deal | None = None,
    repeat_rule=None,
    created_at: dt.datetime | None = None,
) -> Deal:
    """Open a deal in ``stage`` (the pipeline's first open stage by default) for ``owner``
    (the actor by default). Raises ValidationError keyed by field."""
    require_permission(actor, "deals.add_deal")
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the deal a title.")]
    clean_amount = _clean_amount(amount, errors)
    code = _clean_currency(currency or pipeline.currency or settings.DEFAULT_CURRENCY, errors)
    stage = stage or stage_first_open(pipeline)
    if stage is None:
        errors["stage"] = [_("The pipeline has no open stage to start in.")]
    elif stage.pipeline_id != pipeline.pk:
        errors["stage"] = [_("The stage belongs to another pipeline.")]
    owner = owner or actor
    if owner is None:
        errors["owner"] = [_("Choose who is responsible for the deal.")]
    elif not owner.is_active:
        errors["owner"] = [_("This person no longer works here.")]
    if errors:
        raise ValidationError(errors)
    now = created_at or timezone.now()
    closed = stage.kind != Stage.Kind.OPEN
    with transaction.atomic():
        deal = Deal.objects.create(
            title=title[:255],
            pipeline=pipeline,
            stage=stage,
            owner=owner,
            contact=contact,
            company=company if company is not None else getattr(contact, "company", None),
            amount=clean_amount,
            currency=code,
            source=source or "",
            expected_close_date=expected_close_date,
            stage_entered_at=now,
            last_activity_at=now,
            closed_at=now if closed else None,
            repeat_of=repeat_of,
            repeat_rule=repeat_rule,
            created_by=actor,
            created_at=now,
        )
        DealStageChange.objects.create(
            deal=deal, from_stage=None, to_stage=stage, changed_by=actor, changed_at=now
        )
        transaction.on_commit(
            lambda: signals.deal_created.send(sender=Deal, deal=deal, actor=actor)
        )
    return deal


def _check_can_change(actor: User | None, deal: Deal) -> None:
    require_permission(actor, "deals.change_deal")
    if actor is not None:
        from ..selectors.deals import deals_visible_to

        if not deals_visible_to(actor).filter(pk=deal.pk).exists():
            raise ValidationError({"deal": [_("You cannot change this deal.")]})


def deal_move_to_stage(
    *,
    actor: User | None,
    deal: Deal,
    stage: Stage,
    loss_reason: LossReason | None = None,
    loss_comment: str = "",
    now: dt.datetime | None = None,
) -> Deal:
    """Move ``deal`` to ``stage`` of its own pipeline, recording the move and the time spent in
    the stage it leaves. A lost stage needs a reason. Moving to the stage it is in changes
    nothing. Robots and triggers hear of the move after the commit (``deal_stage_changed``)."""
    _check_can_change(actor, deal)
    if stage.pipeline_id != deal.pipeline_id:
        raise ValidationError({"stage": [_("The stage belongs to another pipeline.")]})
    if stage.kind == Stage.Kind.LOST and loss_reason is None:
        raise ValidationError({"loss_reason": [_("Say why the deal was lost.")]})
    now = now or timezone.now()
    with transaction.atomic():
        # Two people dragging the same card at once: the second waits and then moves the deal
        # from where the first left it, so the history has no move from a stage it was not in.
        locked = Deal.objects.select_for_update().get(pk=deal.pk)
        if locked.stage_id == stage.pk:
            return locked
        from_stage = locked.stage
        seconds = max(0, int((now - locked.stage_entered_at).total_seconds()))
        DealStageChange.objects.create(
            deal=locked,
            from_stage=from_stage,
            to_stage=stage,
            changed_by=actor,
            changed_at=now,
            seconds_in_previous=min(seconds, 2**31 - 1),
        )
        locked.stage = stage
        locked.stage_entered_at = now
        locked.last_activity_at = now
        locked.closed_at = None if stage.kind == Stage.Kind.OPEN else now
        if stage.kind == Stage.Kind.LOST:
            locked.loss_reason = loss_reason
            locked.loss_comment = (loss_comment or "")[:500]
        else:
            locked.loss_reason = None
            locked.loss_comment = ""
        locked.save(
            update_fields=[
                "stage",
                "stage_entered_at",
                "last_activity_at",
                "closed_at",
                "loss_reason",
                "loss_comment",
                "updated_at",
            ]
        )
        transaction.on_commit(
            lambda: signals.deal_stage_changed.send(
                sender=Deal, deal=locked, from_stage=from_stage, to_stage=stage, actor=actor
            )
        )
    deal.__dict__.update(
        {k: getattr(locked, k) for k in ("stage_id", "stage_entered_at", "closed_at")}
    )
    return locked


def deal_update(*, actor: User | None, deal: Deal, **changes: Any) -> Deal:
    """Change the fields of ``UPDATABLE``; robots hear of each changed field after the commit
    (``deal_field_changed``)."""
    _check_can_change(actor, deal)
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValidationError({f: [_("This field cannot be changed here.")] for f in unknown})
    errors: dict[str, list[str]] = {}
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()[:255]
        if not changes["title"]:
            errors["title"] = [_("Give the deal a title.")]
    if "amount" in changes:
        changes["amount"] = _clean_amount(changes["amount"], errors)
    if "currency" in changes:
        changes["currency"] = _clean_currency(changes["currency"], errors)
    if "owner" in changes and (changes["owner"] is None or not changes["owner"].is_active):
        errors["owner"] = [_("Choose an active person to be responsible.")]
    if errors:
        raise ValidationError(errors)
    diff = {
        field: (getattr(deal, field), value)
        for field, value in changes.items()
        if getattr(deal, field) != value
    }
    if not diff:
        return deal
    with transaction.atomic():
        for field, (_old, new) in diff.items():
            setattr(deal, field, new)
        deal.last_activity_at = timezone.now()
        deal.save(update_fields=[*diff, "last_activity_at", "updated_at"])
        transaction.on_commit(
            lambda: signals.deal_field_changed.send(
                sender=Deal, deal=deal, changes=diff, actor=actor
            )
        )
    return deal


def deal_touch(*, deal_id: int, at: dt.datetime | None = None) -> None:
    """Something happened on the deal (a call, a note, a task done): "no activity for N days"
    counts from now. Only moves the time forward."""
    at = at or timezone.now()
    Deal.objects.filter(pk=deal_id, last_activity_at__lt=at).update(last_activity_at=at)


def deal_set_tags(*, actor: User | None, deal: Deal, tags) -> Deal:
    """Replace the deal's tags (``contacts.Tag``) with ``tags``."""
    _check_can_change(actor, deal)
    with transaction.atomic():
        deal.tags.set(list(tags))
    return deal


def deal_delete(*, actor: User | None, deal: Deal) -> None:
    """Delete a deal opened by mistake. Refused while invoices or other records hold on to it."""
    require_permission(actor, "deals.delete_deal")
    _check_can_change(actor, deal)
    try:
        with transaction.atomic():
            deal.delete()
    except ProtectedError:
        raise ValidationError(
            {"deal": [_("The deal has invoices or other records; mark it lost instead.")]}
        ) from None


# --- pipelines, stages, loss reasons --------------------------------------------------------

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
STAGE_FIELDS = ("name", "client_label", "probability", "kind", "order", "color")


def _clean_stages(pipeline: Pipeline | None, stages: list[dict], errors: dict) -> list[dict]:
    """Check the stages a pipeline is to have; errors keyed ``stages.<i>.<field>`` and
    ``stages`` for rules about the whole set."""
    existing = {s.pk: s for s in pipeline.stages.all()} if pipeline and pipeline.pk else {}
    kept, names = [], {}
    for i, row in enumerate(stages):
        key = f"stages.{i}"
        pk = row.get("id")
        if pk is not None and pk not in existing:
            errors[f"{key}.id"] = [_("This stage belongs to another pipeline.")]
            continue
        if row.get("delete"):
            if pk is not None and existing[pk].deals.exists():
                errors[f"{key}.delete"] = [
                    _("The stage “%(name)s” has deals; move them to another stage first.")
                    % {"name": existing[pk].name}
                ]
            continue
        name = (row.get("name") or "").strip()
        if not name:
            errors[f"{key}.name"] = [_("Name the stage.")]
        elif name.lower() in names:
            errors[f"{key}.name"] = [_("Two stages cannot have the same name.")]
        names[name.lower()] = i
        try:
            probability = int(row.get("probability", 0))
        except (TypeError, ValueError):
            probability = -1
        if not 0 <= probability <= 100:
            errors[f"{key}.probability"] = [_("The probability is a per cent from 0 to 100.")]
        kind = row.get("kind") or Stage.Kind.OPEN
        if kind not in Stage.Kind.values:
            errors[f"{key}.kind"] = [_("Choose in progress, won or lost.")]
        color = (row.get("color") or "#4f6bed").strip()
        if not COLOR.match(color):
            errors[f"{key}.color"] = [_("A colour is written as #RRGGBB.")]
        try:
            order = int(row.get("order", i))
        except (TypeError, ValueError):
            order = i
        kept.append(
            {
                "id": pk,
                "name": name[:100],
                "client_label": (row.get("client_label") or "").strip()[:100],
                "probability": probability,
                "kind": kind,
                "order": max(0, min(order, 32767)),
                "color": color,
            }
        )
    kinds = [s["kind"] for s in kept]
    if not any(k == Stage.Kind.OPEN for k in kinds):
        errors.setdefault("stages", []).append(_("A pipeline needs at least one open stage."))
    # One won and one lost stage: the forecast, the KPIs and the loss reasons each read one
    # terminal stage, and a board with two "won" columns asks which one counts.
    if kinds.count(Stage.Kind.WON) != 1:
        errors.setdefault("stages", []).append(_("A pipeline has exactly one won stage."))
    if kinds.count(Stage.Kind.LOST) != 1:
        errors.setdefault("stages", []).append(_("A pipeline has exactly one lost stage."))
    deleted = set(existing) - {s["id"] for s in kept}
    for pk in deleted:
        if not any(r.get("id") == pk and r.get("delete") for r in stages):
            # A stage left out of the list is kept as it is, not deleted by omission.
            stage = existing[pk]
            kept.append({"id": pk, **{f: getattr(stage, f) for f in STAGE_FIELDS}})
    return kept


def pipeline_save(
    *,
    actor: User | None,
    pipeline: Pipeline | None = None,
    name: str,
    stages: list[dict],
    order: int = 0,
    is_active: bool = True,
    currency: str = "RUB",
) -> Pipeline:
    """Create a pipeline (``pipeline`` None) or change one, with its stages: each row a dict of
    ``id`` (None for a new stage), name, client_label, probability, kind, order, color and
    ``delete``. A stage that holds deals cannot be deleted. Raises ValidationError keyed
    ``name``, ``currency``, ``stages`` and ``stages.<i>.<field>``."""
    require_permission(actor, "deals.change_pipeline" if pipeline else "deals.add_pipeline")
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Name the pipeline.")]
    elif Pipeline.objects.filter(name__iexact=name).exclude(pk=getattr(pipeline, "pk", None)):
        errors["name"] = [_("A pipeline with this name already exists.")]
    code = _clean_currency(currency, errors)
    rows = _clean_stages(pipeline, stages, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if pipeline is None:
            pipeline = Pipeline(name=name[:100])
        pipeline.name, pipeline.order, pipeline.currency = name[:100], order, code
        pipeline.is_active = is_active
        pipeline.save()
        keep = {r["id"] for r in rows if r["id"] is not None}
        pipeline.stages.exclude(pk__in=keep).delete()
        # Names are unique per pipeline: park the renamed ones first so that two stages may
        # swap names in one save.
        for row in rows:
            if row["id"] is not None:
                Stage.objects.filter(pk=row["id"]).update(name=f"\x01{row['id']}")
        for row in rows:
            values = {f: row[f] for f in STAGE_FIELDS}
            if row["id"] is None:
                Stage.objects.create(pipeline=pipeline, **values)
            else:
                Stage.objects.filter(pk=row["id"], pipeline=pipeline).update(**values)
    return pipeline


def loss_reason_save(
    *,
    actor: User | None,
    reason: LossReason | None = None,
    name: str,
    order: int = 0,
    is_active: bool = True,
) -> LossReason:
    require_permission(actor, "deals.change_lossreason" if reason else "deals.add_lossreason")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Name the reason.")]})
    if LossReason.objects.filter(name__iexact=name).exclude(pk=getattr(reason, "pk", None)):
        raise ValidationError({"name": [_("This reason already exists.")]})
    reason = reason or LossReason()
    reason.name, reason.order, reason.is_active = name[:100], max(0, order), is_active
    reason.save()
    return reason

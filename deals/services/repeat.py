"""The sales generator: N days after a deal is won, a repeat deal for the same owner.

``repeat_deals_open`` is polled by beat. A rule opens at most one repeat deal per won deal:
the database's unique constraint (repeat_rule × repeat_of) decides, so two runs racing each
other, or a run retried after a crash, never open a second one.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from contacts.models import Contact
from crm.models import User
from crm.permissions import require_permission

from ..models import Deal, DealLine, Pipeline, Product, RepeatDealRule, Stage

logger = logging.getLogger(__name__)

# Deals opened per run: the rest wait for the next beat tick (a new rule over a big history
# must not hold one worker for minutes).
BATCH = 200
# A rule looks back this many days past its own creation for deals that fell due: a new rule
# serves the clients due about now, not every deal won in the years before it.
LOOKBACK_DAYS = 30
MAX_AFTER_DAYS = 3650
DEFAULT_TITLE = gettext_noop("Repeat sale: {title}")


def repeat_title(rule: RepeatDealRule, deal: Deal) -> str:
    """The new deal's title: ``{title}`` is the won deal's title. Only that placeholder is
    replaced (no str.format: a template is typed by a person and must not reach attributes)."""
    template = rule.title_template.strip()
    if not template:
        # In the language of the person who will work the deal.
        with override(getattr(deal.owner, "language", "") or "ru"):
            template = _(DEFAULT_TITLE)
    return template.replace("{title}", deal.title)[:255] or deal.title


def _due_deals(rule: RepeatDealRule, now: dt.datetime, product_ids, tag_ids):
    due_before = now - dt.timedelta(days=rule.after_days)
    due_since = rule.created_at - dt.timedelta(days=rule.after_days + LOOKBACK_DAYS)
    qs = Deal.objects.filter(
        pipeline_id=rule.source_pipeline_id,
        stage__kind=Stage.Kind.WON,
        closed_at__lte=due_before,
        closed_at__gte=due_since,
    ).exclude(Exists(Deal.objects.filter(repeat_rule=rule, repeat_of=OuterRef("pk"))))
    segment = Q()
    if product_ids:
        segment |= Q(
            Exists(DealLine.objects.filter(deal=OuterRef("pk"), product_id__in=product_ids))
        )
    if tag_ids:
        segment |= Q(
            Exists(
                Contact.tags.through.objects.filter(
                    contact_id=OuterRef("contact_id"), tag_id__in=tag_ids
                )
            )
        )
    return qs.filter(segment).select_related("owner").order_by("closed_at", "id")


def repeat_deals_open(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Open the repeat deals that fell due; returns how many were opened."""
    from .deals import deal_create

    now = now or timezone.now()
    opened = 0
    rules = (
        RepeatDealRule.objects.filter(is_active=True, source_pipeline__is_active=True)
        .select_related("target_stage")
        .prefetch_related("products", "tags")
        .order_by("pk")
    )
    for rule in rules:
        if opened >= batch:
            break
        product_ids = [p.pk for p in rule.products.all()]
        tag_ids = [t.pk for t in rule.tags.all()]
        for deal in _due_deals(rule, now, product_ids, tag_ids)[: batch - opened]:
            if not deal.owner.is_active:
                logger.warning(
                    "repeat deal for deal %s by rule %s skipped: its owner left", deal.pk, rule.pk
                )
                continue
            try:
                with transaction.atomic():
                    deal_create(
                        actor=None,
                        title=repeat_title(rule, deal),
                        pipeline=rule.target_stage.pipeline,
                        stage=rule.target_stage,
                        owner=deal.owner,
                        contact=deal.contact,
                        company=deal.company,
                        currency=deal.currency,
                        source=deal.source,
                        repeat_of=deal,
                        repeat_rule=rule,
                        created_at=now,
                    )
            except IntegrityError:
                # Another run opened it a moment ago: that one counts, this one is a no-op.
                continue
            except ValidationError as exc:
                logger.warning(
                    "repeat deal for deal %s by rule %s refused: %s", deal.pk, rule.pk, exc
                )
                continue
            opened += 1
    return opened


# --- the rules -------------------------------------------------------------------------------


def _clean_rule(data: dict[str, Any], rule: RepeatDealRule | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = (data.get("name", rule.name if rule else "") or "").strip()
    if not name:
        errors["name"] = [_("Give the rule a name.")]
    pipeline = data.get("source_pipeline", rule.source_pipeline if rule else None)
    stage = data.get("target_stage", rule.target_stage if rule else None)
    if not isinstance(pipeline, Pipeline):
        errors["source_pipeline"] = [_("Choose a pipeline.")]
    if not isinstance(stage, Stage):
        errors["target_stage"] = [_("Choose a stage.")]
    elif isinstance(pipeline, Pipeline) and stage.pipeline_id != pipeline.pk:
        errors["target_stage"] = [_("The stage belongs to another pipeline.")]
    elif stage.kind != Stage.Kind.OPEN:
        errors["target_stage"] = [_("A repeat deal opens in a stage in progress.")]
    after = data.get("after_days", rule.after_days if rule else None)
    try:
        after = int(after)
    except (TypeError, ValueError):
        errors["after_days"] = [_("Enter a whole number of days.")]
    else:
        if not 1 <= after <= MAX_AFTER_DAYS:
            errors["after_days"] = [_("Enter from 1 to %(max)s days.") % {"max": MAX_AFTER_DAYS}]
    title = (data.get("title_template", rule.title_template if rule else "") or "").strip()
    if len(title) > 255:
        errors["title_template"] = [_("The title is too long.")]
    products = data.get("products")
    tags = data.get("tags")
    if products is not None and any(not isinstance(p, Product) for p in products):
        errors["products"] = [_("Choose products from the catalogue.")]
    if errors:
        raise ValidationError(errors)
    return {
        "name": name[:100],
        "source_pipeline": pipeline,
        "target_stage": stage,
        "after_days": after,
        "title_template": title,
        "is_active": bool(data.get("is_active", rule.is_active if rule else True)),
        "products": products,
        "tags": tags,
    }


def repeat_rule_create(*, actor: User | None, **data: Any) -> RepeatDealRule:
    """Raises ValidationError keyed by field (a stage of another pipeline, 0 days…)."""
    require_permission(actor, "deals.add_repeatdealrule")
    clean = _clean_rule(data, None)
    products, tags = clean.pop("products"), clean.pop("tags")
    with transaction.atomic():
        rule = RepeatDealRule.objects.create(**clean)
        if products:
            rule.products.set(products)
        if tags:
            rule.tags.set(tags)
    return rule


def repeat_rule_update(
    *, actor: User | None, repeatdealrule: RepeatDealRule, **data: Any
) -> RepeatDealRule:
    require_permission(actor, "deals.change_repeatdealrule")
    clean = _clean_rule(data, repeatdealrule)
    products, tags = clean.pop("products"), clean.pop("tags")
    with transaction.atomic():
        for key, value in clean.items():
            setattr(repeatdealrule, key, value)
        repeatdealrule.save()
        if products is not None:
            repeatdealrule.products.set(products)
        if tags is not None:
            repeatdealrule.tags.set(tags)
    return repeatdealrule


def repeat_rule_delete(*, actor: User | None, repeatdealrule: RepeatDealRule) -> None:
    """The deals it opened stay; they only forget the rule."""
    require_permission(actor, "deals.change_repeatdealrule")
    repeatdealrule.delete()

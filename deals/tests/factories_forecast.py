"""Factories and helpers of the forecast's tests: deals with a known history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from crm.tests.factories import UserFactory
from deals.models import Deal, DealStageChange, RepeatDealRule, SalesPlan, Stage
from deals.selectors.forecast import month_add, month_start
from deals.tests.factories import DealFactory, PipelineFactory, stage


def this_month() -> dt.date:
    return month_start(timezone.localdate())


def at(month: dt.date, day: int = 10, hour: int = 12) -> dt.datetime:
    """A moment inside ``month`` in the site's time zone."""
    return timezone.make_aware(dt.datetime(month.year, month.month, day, hour))


def open_deal(owner, pipeline, stage_name, amount, *, expected=None, currency="RUB") -> Deal:
    return DealFactory(
        owner=owner,
        pipeline=pipeline,
        stage=stage(pipeline, stage_name),
        amount=Decimal(amount),
        currency=currency,
        expected_close_date=expected,
    )


def won_deal(owner, pipeline, amount, closed_at, *, currency="RUB", **extra) -> Deal:
    won = pipeline.stages.get(kind=Stage.Kind.WON)
    return DealFactory(
        owner=owner,
        pipeline=pipeline,
        stage=won,
        amount=Decimal(amount),
        currency=currency,
        closed_at=closed_at,
        **extra,
    )


def history(deal: Deal, *moves: tuple[str, dt.datetime]) -> None:
    """Record the deal's path through its stages (by name, with the moment of each move)."""
    previous = None
    for name, when in moves:
        to = stage(deal.pipeline, name)
        DealStageChange.objects.create(deal=deal, from_stage=previous, to_stage=to, changed_at=when)
        previous = to
    Deal.objects.filter(pk=deal.pk).update(
        stage=previous,
        closed_at=None if previous.kind == Stage.Kind.OPEN else moves[-1][1],
    )


class SalesPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesPlan

    manager = factory.SubFactory(UserFactory)
    month = factory.LazyFunction(this_month)
    amount = Decimal("500000.00")


class RepeatDealRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepeatDealRule
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Замена фильтров через 180 дней №{n}")
    source_pipeline = factory.SubFactory(PipelineFactory)
    target_stage = factory.LazyAttribute(lambda o: stage(o.source_pipeline, "Заявка"))
    after_days = 180


__all__ = [
    "PipelineFactory",
    "RepeatDealRuleFactory",
    "SalesPlanFactory",
    "at",
    "history",
    "month_add",
    "open_deal",
    "this_month",
    "won_deal",
]

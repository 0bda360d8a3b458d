"""factory_boy factories of sales shared by every part's tests. A part's own factories go in
``factories_<part>.py`` beside this file."""

from __future__ import annotations

from decimal import Decimal

import factory

from crm.tests.factories import UserFactory
from deals.models import Deal, Lead, Pipeline, Product, Stage

# name, probability, kind — the furniture workshop of the demo, in short.
STAGES = [
    ("Заявка", 10, Stage.Kind.OPEN),
    ("Замер", 30, Stage.Kind.OPEN),
    ("Договор", 70, Stage.Kind.OPEN),
    ("Сделка успешна", 100, Stage.Kind.WON),
    ("Сделка провалена", 0, Stage.Kind.LOST),
]


class PipelineFactory(factory.django.DjangoModelFactory):
    """A pipeline with the stages of ``STAGES`` (``stages=False`` for none)."""

    class Meta:
        model = Pipeline
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Воронка {n}")

    @factory.post_generation
    def stages(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        for order, (name, probability, kind) in enumerate(extracted or STAGES):
            Stage.objects.create(
                pipeline=self, name=name, order=order, probability=probability, kind=kind
            )


def stage(pipeline: Pipeline, name: str) -> Stage:
    return pipeline.stages.get(name=name)


class DealFactory(factory.django.DjangoModelFactory):
    """A deal in its pipeline's first stage unless ``stage`` is given."""

    class Meta:
        model = Deal

    title = factory.Sequence(lambda n: f"Кухня на заказ №{n}")
    pipeline = factory.SubFactory(PipelineFactory)
    stage = factory.LazyAttribute(lambda o: o.pipeline.stages.order_by("order").first())
    owner = factory.SubFactory(UserFactory)
    amount = Decimal("150000.00")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Шкаф-купе модель {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price = Decimal("45000.00")


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    name = factory.Faker("name", locale="ru_RU")
    phone = factory.Sequence(lambda n: f"+7916{n:07d}")
    source = "web_form"
    channel = "web_form"

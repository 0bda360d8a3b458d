"""The demo's catalog, requisites and invoices: loaded on the demo pipelines' deals, in every
status; without those deals the invoices' loader adds nothing."""

from __future__ import annotations

import pytest

from crm.demo import DemoContext
from deals.demo import invoices as demo_invoices
from deals.demo import products as demo_products
from deals.models import Invoice, Product, Stage
from deals.models.invoices import SellerRequisites
from deals.tests.factories import DealFactory, PipelineFactory
from deals.tests.factories_invoices import buyer_company

pytestmark = pytest.mark.django_db

PIPELINES = {
    "Мебель на заказ": ["Заявка", "Замер", "Дизайн-проект", "Договор", "Производство", "Доставка"],
    "Опт B2B": ["Новый запрос", "Коммерческое предложение", "Переговоры", "Счёт выставлен"],
}


def test_without_the_pipelines_only_the_catalog_loads(manager):
    ctx = DemoContext(password="x")
    demo_products.load(ctx)
    demo_invoices.load(ctx)
    assert Product.objects.count() == len(demo_products.PRODUCTS)
    assert SellerRequisites.current() is not None
    assert not Invoice.objects.exists()
    demo_products.load(ctx)  # again: nothing doubled
    assert Product.objects.count() == len(demo_products.PRODUCTS)


def test_on_the_demo_deals_every_status_is_there(manager):
    company = buyer_company()
    for name, stages in PIPELINES.items():
        pipeline = PipelineFactory(
            name=name,
            stages=[(s, 10, Stage.Kind.OPEN) for s in stages]
            + [("Сделка успешна", 100, Stage.Kind.WON), ("Сделка провалена", 0, Stage.Kind.LOST)],
        )
        for stage in pipeline.stages.all():
            DealFactory(pipeline=pipeline, stage=stage, owner=manager, company=company)
    ctx = DemoContext(password="x")
    demo_products.load(ctx)
    demo_invoices.load(ctx)
    statuses = set(Invoice.objects.values_list("status", flat=True))
    assert statuses == set(Invoice.Status.values)
    paid = Invoice.objects.filter(status=Invoice.Status.PAID)
    assert all(i.paid_amount == i.total for i in paid)
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))

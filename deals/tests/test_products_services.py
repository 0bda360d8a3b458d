"""The catalog and a deal's lines: the deal's amount follows its lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from deals import signals
from deals.models import Deal, Product
from deals.services import products as services
from deals.tests.factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_a_head_adds_a_product_and_an_sku_is_unique(head, manager):
    product = services.product_create(
        actor=head, name="Шкаф", sku="SHK-1", price="45000", vat_rate="22"
    )
    assert product.price == Decimal("45000")
    with pytest.raises(ValidationError) as caught:
        services.product_create(actor=head, name="Другой", sku="shk-1", price="1")
    assert "sku" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        services.product_create(actor=manager, name="Стол", sku="ST-1", price="1")
    services.product_deactivate(actor=head, product=product)
    product.refresh_from_db()
    assert not product.is_active
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": "-1"}, "price"),
        ({"vat_rate": "18"}, "vat_rate"),
        ({"currency": "XXX"}, "currency"),
    ],
)
def test_bad_product_fields_are_refused(head, changes, field):
    product = ProductFactory()
    with pytest.raises(ValidationError) as caught:
        services.product_update(actor=head, product=product, **changes)
    assert field in caught.value.message_dict


def test_lines_keep_the_deals_amount_and_robots_hear_of_it(
    manager, django_capture_on_commit_callbacks
):
    deal = DealFactory(owner=manager, amount=0)
    changes = []

    def receiver(sender, deal, changes: dict, actor, **kwargs):
        changes_seen.append(changes)

    changes_seen = changes
    signals.deal_field_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            line = services.deal_line_add(
                actor=manager,
                deal=deal,
                product=ProductFactory(price=Decimal("1000.00")),
                quantity="3",
                discount_percent="10",
            )
        assert Deal.objects.get(pk=deal.pk).amount == Decimal("2700.00")
        services.deal_line_add(
            actor=manager,
            deal=deal,
            product=ProductFactory(price=Decimal("500.00"), vat_rate="20", vat_included=False),
        )
        assert Deal.objects.get(pk=deal.pk).amount == Decimal("3300.00")
        services.deal_line_update(actor=manager, line=line, quantity="1", discount_percent="0")
        assert Deal.objects.get(pk=deal.pk).amount == Decimal("1600.00")
        services.deal_line_remove(actor=manager, line=line)
        assert Deal.objects.get(pk=deal.pk).amount == Decimal("600.00")
    finally:
        signals.deal_field_changed.disconnect(receiver)
    assert changes_seen[0] == {"amount": (Decimal("0.00"), Decimal("2700.00"))}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quantity": "-2"}, "quantity"),
        ({"discount_percent": "120"}, "discount_percent"),
        ({"vat_rate": "13"}, "vat_rate"),
    ],
)
def test_bad_lines_are_refused_and_change_nothing(manager, kwargs, field):
    deal = DealFactory(owner=manager)
    with pytest.raises(ValidationError) as caught:
        services.deal_line_add(actor=manager, deal=deal, product=ProductFactory(), **kwargs)
    assert field in caught.value.message_dict
    assert not deal.lines.exists()
    assert Deal.objects.get(pk=deal.pk).amount == deal.amount


def test_another_teams_deal_is_not_changed(manager, manager2, operator):
    deal = DealFactory(owner=manager)
    with pytest.raises(ValidationError):
        services.deal_line_add(actor=manager2, deal=deal, product=ProductFactory())
    with pytest.raises(PermissionDenied):
        services.deal_line_add(actor=operator, deal=deal, product=ProductFactory())
    assert not deal.lines.exists()


def test_a_product_no_longer_sold_or_in_another_currency_is_refused(manager):
    deal = DealFactory(owner=manager)
    with pytest.raises(ValidationError):
        services.deal_line_add(actor=manager, deal=deal, product=ProductFactory(is_active=False))
    with pytest.raises(ValidationError):
        services.deal_line_add(actor=manager, deal=deal, product=ProductFactory(currency="USD"))


def test_a_free_line_without_a_catalog_product(manager):
    deal = DealFactory(owner=manager, amount=0)
    line = services.deal_line_add(
        actor=manager, deal=deal, name="Индивидуальная доработка", price="1220.00"
    )
    assert (line.vat_rate, line.vat_included, line.product) == ("22", True, None)
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("1220.00")
    with pytest.raises(ValidationError) as caught:
        services.deal_line_add(actor=manager, deal=deal, name="Без цены")
    assert "product" in caught.value.message_dict

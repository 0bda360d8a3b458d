"""The product catalog and a deal's product lines."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class VatRate(models.TextChoices):
    """Russian VAT rates; "without VAT" (УСН, exempt goods) is not a rate of zero on paper."""

    NONE = "none", _("Without VAT")
    ZERO = "0", _("0%")
    FIVE = "5", _("5%")
    SEVEN = "7", _("7%")
    TEN = "10", _("10%")
    TWENTY = "20", _("20%")
    TWENTY_TWO = "22", _("22%")


class Product(models.Model):
    name = models.CharField(_("name"), max_length=255)
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    vat_rate = models.CharField(
        _("VAT rate"), max_length=4, choices=VatRate.choices, default=VatRate.TWENTY_TWO
    )
    # Russian prices are usually quoted with VAT inside ("в т.ч. НДС").
    vat_included = models.BooleanField(_("VAT included in the price"), default=True)
    unit = models.CharField(_("unit"), max_length=20, default="шт")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="deals_product_price_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class DealLine(models.Model):
    """A product line of a deal: a copy of the product's name and price at the time."""

    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("deal"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deal_lines",
    )
    name = models.CharField(_("name"), max_length=255)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=3, default=Decimal("1")
    )
    unit = models.CharField(_("unit"), max_length=20, default="шт")
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(
        _("discount, %"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    vat_rate = models.CharField(
        _("VAT rate"), max_length=4, choices=VatRate.choices, default=VatRate.TWENTY_TWO
    )
    vat_included = models.BooleanField(_("VAT included in the price"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("deal line")
        verbose_name_plural = _("deal lines")
        ordering = ["deal", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="deals_dealline_quantity_positive"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="deals_dealline_price_positive"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="deals_dealline_discount_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

"""Invoices numbered without gaps per year, their lines and the payments made against them."""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .products import VatRate


class InvoiceCounter(models.Model):
    """The last number given in a year: the row is locked while the next one is taken, so two
    invoices made at once get consecutive numbers and a rolled-back one leaves no gap."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("invoice counter")
        verbose_name_plural = _("invoice counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


@pghistory.track()
class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        PARTIALLY_PAID = "partially_paid", _("Partially paid")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")
        CANCELLED = "cancelled", _("Cancelled")

    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoices",
    )
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("payer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoices",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.DRAFT
    )
    issued_on = models.DateField(_("date"), default=timezone.localdate)
    due_on = models.DateField(_("pay by"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    # Kept on the row, computed by the services from the lines with Decimal rounding.
    subtotal = models.DecimalField(
        _("without VAT"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    vat_amount = models.DecimalField(
        _("VAT"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    total = models.DecimalField(
        _("total"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    paid_amount = models.DecimalField(
        _("paid"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    # The buyer's and seller's requisites as they were when the invoice was issued.
    buyer = models.JSONField(_("buyer's requisites"), default=dict, blank=True)
    seller = models.JSONField(_("seller's requisites"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid in full"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="deals_invoice_number_unique"),
            models.CheckConstraint(condition=Q(total__gte=0), name="deals_invoice_total_positive"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0), name="deals_invoice_paid_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["deal"], name="deals_invoice_deal_idx"),
            models.Index(fields=["contact"], name="deals_invoice_contact_idx"),
            models.Index(fields=["owner", "status"], name="deals_invoice_owner_idx"),
            # The overdue sweep reads only invoices still waiting for money.
            models.Index(
                fields=["due_on"],
                name="deals_invoice_unpaid_idx",
                condition=Q(status__in=["issued", "partially_paid"]),
            ),
        ]

    def __str__(self) -> str:
        return self.display_number

    def get_absolute_url(self) -> str:
        return reverse("deals:invoice-detail", args=[self.pk])

    @property
    def display_number(self) -> str:
        return f"{self.year}-{self.number:05d}"

    @property
    def balance(self) -> Decimal:
        return self.total - self.paid_amount


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        "deals.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=255)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20, default="шт")
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(
        _("discount, %"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    vat_rate = models.CharField(_("VAT rate"), max_length=4, choices=VatRate.choices)
    vat_included = models.BooleanField(_("VAT included in the price"), default=True)
    # Computed once by the services: the line's sum with VAT, and the VAT in it.
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    vat_amount = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="deals_invoiceline_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Payment(models.Model):
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    paid_on = models.DateField(_("paid on"), default=timezone.localdate)
    method = models.CharField(_("method"), max_length=30, blank=True)
    # The bank's or gateway's id of the payment: the same payment reported twice is one row.
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["invoice", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="deals_payment_amount_positive"),
            models.UniqueConstraint(
                fields=["invoice", "reference"],
                condition=~Q(reference=""),
                name="deals_payment_reference_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} {self.amount}"


class SellerRequisites(models.Model):
    """Our own requisites, printed on every invoice: one row (pk=1), edited in the admin.
    Each invoice keeps a copy of them as they were (``Invoice.seller``)."""

    name = models.CharField(_("name"), max_length=255)
    inn = models.CharField(_("INN"), max_length=12)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True)
    ogrn = models.CharField(_("OGRN"), max_length=15, blank=True)
    address = models.CharField(_("address"), max_length=300)
    bank = models.CharField(_("bank"), max_length=255)
    bik = models.CharField(_("BIK"), max_length=9)
    account = models.CharField(_("settlement account"), max_length=20)
    correspondent_account = models.CharField(_("correspondent account"), max_length=20)
    director = models.CharField(_("director"), max_length=150, blank=True)
    accountant = models.CharField(_("chief accountant"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail for invoices"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("seller's requisites")
        verbose_name_plural = _("seller's requisites")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="deals_sellerrequisites_single"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> SellerRequisites | None:
        return cls.objects.filter(pk=1).first()

    def as_dict(self) -> dict[str, str]:
        return {
            f: getattr(self, f)
            for f in (
                "name",
                "inn",
                "kpp",
                "ogrn",
                "address",
                "bank",
                "bik",
                "account",
                "correspondent_account",
                "director",
                "accountant",
                "email",
                "phone",
            )
        }

"""Forms of the catalog, a deal's lines and invoices. They only parse what a person typed; the
services check it and their errors are put back next to the inputs (``crm.forms.form_errors_add``)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Invoice, Product, VatRate
from .services.deals import CURRENCIES


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    sku = forms.CharField(label=_("SKU"), max_length=64)
    price = forms.DecimalField(label=_("Price"), max_digits=14, decimal_places=2, min_value=0)
    currency = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in CURRENCIES])
    vat_rate = forms.ChoiceField(label=_("VAT rate"), choices=VatRate.choices)
    vat_included = forms.BooleanField(label=_("VAT included in the price"), required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, initial="шт")
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("Sold (in the catalog)"), required=False, initial=True)

    @classmethod
    def for_product(cls, product: Product | None, data=None) -> ProductForm:
        initial = (
            {f: getattr(product, f) for f in cls.base_fields}
            if product
            else {"vat_included": True, "vat_rate": VatRate.TWENTY_TWO, "currency": "RUB"}
        )
        return cls(data=data, initial=initial)


class DealLineAddForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True).order_by("name")
    )
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=3, initial=Decimal("1")
    )
    discount_percent = forms.DecimalField(
        label=_("Discount, %"), max_digits=5, decimal_places=2, initial=Decimal("0"), required=False
    )

    def clean_discount_percent(self):
        return self.cleaned_data.get("discount_percent") or Decimal("0")


class DealLineEditForm(forms.Form):
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=3)
    discount_percent = forms.DecimalField(
        label=_("Discount, %"), max_digits=5, decimal_places=2, required=False
    )
    price = forms.DecimalField(label=_("Price"), max_digits=14, decimal_places=2)

    def clean_discount_percent(self):
        return self.cleaned_data.get("discount_percent") or Decimal("0")


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2)
    paid_on = forms.DateField(
        label=_("Paid on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    method = forms.CharField(label=_("Method"), max_length=30, required=False)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("The bank's number of the payment: the same payment is never counted twice."),
    )


class InvoiceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Invoice.Status.choices]
    )

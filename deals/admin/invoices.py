"""Admin of invoices, payments and our requisites. Numbers, sums and statuses are read-only:
they change only through the services (a number is never edited, a sum is computed)."""

from django.contrib import admin

from ..models import Invoice, InvoiceCounter, InvoiceLine, Payment
from ..models.invoices import SellerRequisites


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    readonly_fields = (
        "name",
        "quantity",
        "unit",
        "price",
        "discount_percent",
        "vat_rate",
        "vat_included",
        "amount",
        "vat_amount",
    )
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    readonly_fields = ("amount", "paid_on", "method", "reference", "recorded_by", "created_at")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("display_number", "issued_on", "owner", "total", "paid_amount", "status")
    list_filter = ("status", "year")
    search_fields = ("number", "deal__title", "company__name")
    list_select_related = ("owner",)
    raw_id_fields = ("deal", "contact", "company", "owner", "created_by")
    readonly_fields = (
        "year",
        "number",
        "status",
        "subtotal",
        "vat_amount",
        "total",
        "paid_amount",
        "sent_at",
        "paid_at",
        "created_at",
    )
    inlines = [InvoiceLineInline, PaymentInline]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("invoice", "amount", "paid_on", "method", "reference")
    search_fields = ("reference",)
    raw_id_fields = ("invoice", "recorded_by")
    list_select_related = ("invoice",)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(InvoiceCounter)
class InvoiceCounterAdmin(admin.ModelAdmin):
    list_display = ("year", "last_number")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(SellerRequisites)
class SellerRequisitesAdmin(admin.ModelAdmin):
    list_display = ("name", "inn", "kpp", "bank", "bik")

    def has_add_permission(self, request):
        return not SellerRequisites.objects.exists()

"""Admin of the product catalog and deals' lines."""

from django.contrib import admin

from ..models import DealLine, Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "sku", "price", "currency", "vat_rate", "vat_included", "is_active")
    list_filter = ("is_active", "vat_rate", "currency")
    search_fields = ("name", "sku")


@admin.register(DealLine)
class DealLineAdmin(admin.ModelAdmin):
    list_display = ("name", "deal", "quantity", "price", "discount_percent", "vat_rate")
    search_fields = ("name", "deal__title")
    raw_id_fields = ("deal", "product")
    list_select_related = ("deal",)

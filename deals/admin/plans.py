"""Sales plans and the sales generator's rules in the Django admin."""

from django.contrib import admin

from ..models import RepeatDealRule, SalesPlan


@admin.register(SalesPlan)
class SalesPlanAdmin(admin.ModelAdmin):
    list_display = ["manager", "month", "amount", "currency"]
    list_filter = ["month", "currency"]
    search_fields = ["manager__email", "manager__last_name", "manager__first_name"]
    list_select_related = ["manager"]
    raw_id_fields = ["manager"]
    date_hierarchy = "month"


@admin.register(RepeatDealRule)
class RepeatDealRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "source_pipeline", "after_days", "target_stage", "is_active"]
    list_filter = ["is_active", "source_pipeline"]
    search_fields = ["name"]
    list_select_related = ["source_pipeline", "target_stage"]
    filter_horizontal = ["products", "tags"]
    readonly_fields = ["created_at"]

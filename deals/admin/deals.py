"""Pipelines with their stages, deals and loss reasons in the Django admin."""

from django.contrib import admin

from ..models import Deal, DealStageChange, LossReason, Pipeline, Stage


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ["name", "client_label", "probability", "kind", "order", "color"]
    ordering = ["order", "id"]


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "currency", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    inlines = [StageInline]


class StageChangeInline(admin.TabularInline):
    model = DealStageChange
    extra = 0
    fields = ["changed_at", "from_stage", "to_stage", "changed_by", "seconds_in_previous"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = ["title", "pipeline", "stage", "owner", "amount", "currency", "created_at"]
    list_filter = ["pipeline", "stage__kind", "currency", "source"]
    list_select_related = ["pipeline", "stage", "owner"]
    search_fields = ["title"]
    raw_id_fields = ["contact", "company", "owner", "created_by", "repeat_of"]
    autocomplete_fields = ["tags"]
    readonly_fields = [
        "stage_entered_at",
        "last_activity_at",
        "closed_at",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"
    inlines = [StageChangeInline]


@admin.register(LossReason)
class LossReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["name"]

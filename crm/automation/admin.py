from django.contrib import admin

from .models import AutomationRule, AutomationRun


@admin.register(AutomationRule)
class AutomationRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "event", "scope", "delay_minutes", "is_active", "updated_at"]
    list_filter = ["is_active", "event"]
    search_fields = ["name"]
    readonly_fields = ["created_by", "updated_by", "created_at", "updated_at"]


@admin.register(AutomationRun)
class AutomationRunAdmin(admin.ModelAdmin):
    """Runs are the record of what robots did: read here, never edited."""

    list_display = [
        "run_key",
        "rule",
        "status",
        "attempts",
        "due_at",
        "next_attempt_at",
        "finished_at",
    ]
    list_filter = ["status"]
    search_fields = ["run_key", "rule__name"]
    list_select_related = ["rule"]
    raw_id_fields = ["rule"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

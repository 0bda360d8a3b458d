from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import Assignment, RoundRobinPointer, RoutingProfile, RoutingRule
from .services import NO_TARGET


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "order",
        "strategy",
        "team",
        "cap",
        "take_within_minutes",
        "is_active",
    ]
    list_filter = ["kind", "strategy", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["people"]
    ordering = ["kind", "order", "id"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        RoundRobinPointer.objects.get_or_create(rule=form.instance)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class TargetCheckedForm(form):
            def clean(self):
                cleaned = super().clean()
                if not cleaned.get("team") and not cleaned.get("people"):
                    raise ValidationError(NO_TARGET)
                return cleaned

        return TargetCheckedForm


@admin.register(RoutingProfile)
class RoutingProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "skills", "regions", "cap"]
    search_fields = ["user__email", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = [
        "assigned_at",
        "kind",
        "item_id",
        "user",
        "rule",
        "strategy",
        "is_current",
        "taken_at",
    ]
    list_filter = ["kind", "strategy", "is_current"]
    search_fields = ["reason", "user__email", "user__last_name"]
    date_hierarchy = "assigned_at"
    list_select_related = ["user", "rule"]
    readonly_fields = [f.name for f in Assignment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

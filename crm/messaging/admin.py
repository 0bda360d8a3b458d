from django.contrib import admin

from .models import MessageTemplate, OutboundMessage, Suppression


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "purpose", "channel", "language", "is_active", "updated_at"]
    list_filter = ["purpose", "channel", "language", "is_active"]
    search_fields = ["name", "code", "subject"]
    readonly_fields = ["created_at", "updated_at", "updated_by"]

    def save_model(self, request, obj, form, change) -> None:
        from django.utils import timezone

        obj.updated_by = request.user
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["address", "reason", "created_at", "created_by"]
    list_filter = ["reason"]
    search_fields = ["address"]
    readonly_fields = ["created_at", "created_by"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    """The log: read, never written by hand (a message is made by email_compose)."""

    list_display = ["created_at", "to", "subject", "template_code", "status", "attempts"]
    list_filter = ["status", "purpose", "channel"]
    search_fields = ["to", "subject", "key"]
    list_select_related = ["template"]
    raw_id_fields = ["template", "actor"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

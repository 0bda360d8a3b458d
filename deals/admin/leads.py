"""Leads and web forms in the Django admin."""

from django.contrib import admin

from ..models import Lead, WebForm
from ..models.leads import LeadNote


class LeadNoteInline(admin.TabularInline):
    model = LeadNote
    extra = 0
    fields = ["created_at", "kind", "body", "author"]
    raw_id_fields = ["author"]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "phone",
        "email",
        "channel",
        "source",
        "status",
        "owner",
        "created_at",
    ]
    list_filter = ["status", "channel", "source", "web_form"]
    search_fields = ["name", "phone", "email", "company_name"]
    date_hierarchy = "created_at"
    raw_id_fields = ["owner", "contact", "company", "deal", "created_by", "product"]
    list_select_related = ["owner"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [LeadNoteInline]


@admin.register(WebForm)
class WebFormAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "is_active", "product", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "key"]
    readonly_fields = ["key", "created_at"]

import pghistory.admin  # noqa: F401  (registers the audit events browser)
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    AccessLog,
    ApiToken,
    BulkReadDay,
    DemoDataset,
    Job,
    Notification,
    Task,
    Team,
    User,
    WorkingHours,
)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0
    max_num = 7


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "get_full_name",
        "team",
        "availability",
        "language",
        "is_active",
        "is_staff",
    ]
    list_filter = ["is_active", "is_staff", "availability", "team", "groups", "language"]
    search_fields = ["email", "first_name", "last_name", "phone"]
    list_select_related = ["team"]
    inlines = [WorkingHoursInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "phone", "language", "time_zone")}),
        (_("Work"), {"fields": ("team", "availability")}),
        (
            _("Roles and permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "password1", "password2", "groups", "team")},
        ),
    )
    filter_horizontal = ["groups", "user_permissions"]
    actions = ["unlock_sign_in", "revoke_api_tokens"]

    @admin.display(description=_("full name"))
    def get_full_name(self, obj):
        return obj.get_full_name()

    @admin.action(description=_("Unlock sign-in (forget failed attempts)"))
    def unlock_sign_in(self, request, queryset):
        cleared = sum(
            services.login_lockout_clear(actor=request.user, user=user) for user in queryset
        )
        self.message_user(
            request,
            _("Failed sign-ins forgotten: %(count)d.") % {"count": cleared},
            messages.SUCCESS,
        )

    @admin.action(description=_("Revoke all API tokens"))
    def revoke_api_tokens(self, request, queryset):
        revoked = sum(services.api_tokens_revoke_all(user=user) for user in queryset)
        self.message_user(
            request, _("API tokens revoked: %(count)d.") % {"count": revoked}, messages.SUCCESS
        )


class MemberInline(admin.TabularInline):
    model = User
    fields = ["email", "first_name", "last_name", "availability"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "head", "visibility", "created_at"]
    list_filter = ["visibility"]
    search_fields = ["name", "head__email"]
    list_select_related = ["head"]
    autocomplete_fields = ["head"]
    inlines = [MemberInline]


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["user", "weekday", "starts_at", "ends_at"]
    list_filter = ["weekday"]
    search_fields = ["user__email"]
    list_select_related = ["user"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "assignee", "status", "priority", "due_at", "remind_at", "reminded_at"]
    list_filter = ["status", "priority", "due_at"]
    search_fields = ["title", "description", "assignee__email"]
    list_select_related = ["assignee"]
    date_hierarchy = "due_at"
    autocomplete_fields = ["assignee", "created_by"]
    readonly_fields = ["reminded_at", "completed_at", "created_at", "updated_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at", "email_state"]
    list_filter = ["kind", "email_state", "created_at"]
    search_fields = ["title", "recipient__email", "dedupe_key"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """For evidence (access log, change history): nobody adds, edits or deletes it here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "user",
        "action",
        "content_type",
        "object_repr",
        "record_count",
        "ip_address",
    ]
    list_filter = ["action", "content_type", "at"]
    search_fields = ["user__email", "object_repr", "object_id", "query"]
    list_select_related = ["user", "content_type"]
    date_hierarchy = "at"


@admin.register(BulkReadDay)
class BulkReadDayAdmin(ReadOnlyAdmin):
    """The day's count of records each person read in bulk. Deleting a row gives the person
    their whole daily cap again (the access log keeps what they read)."""

    list_display = ["day", "user", "record_count"]
    list_filter = ["day"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    date_hierarchy = "day"

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "kind",
        "created_by",
        "status",
        "total_rows",
        "created_count",
        "updated_count",
        "error_count",
        "created_at",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["created_by"]
    raw_id_fields = ["created_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owners (the key is shown to them only); here they are seen
    and revoked."""

    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at", "created_at"]
    search_fields = ["name", "prefix", "user__email"]
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(actor=request.user, token=token)


@admin.register(DemoDataset)
class DemoDatasetAdmin(admin.ModelAdmin):
    list_display = ["name", "loaded_at"]
    search_fields = ["name"]


class EventAdmin(ReadOnlyAdmin):
    """Change history recorded by database triggers: read-only evidence."""

    list_display = ["pgh_created_at", "pgh_label", "pgh_obj", "pgh_context"]
    list_filter = ["pgh_label", "pgh_created_at"]
    date_hierarchy = "pgh_created_at"


admin.site.register(Task.pgh_event_model, EventAdmin)
admin.site.register(User.pgh_event_model, EventAdmin)

admin.site.site_header = _("Operational CRM administration")
admin.site.site_title = _("CRM admin")

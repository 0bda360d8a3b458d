from django.contrib import admin

from crm.admin import EventAdmin

from .models import (
    Company,
    Consent,
    Contact,
    ContactMerge,
    CustomField,
    Email,
    ImportMapping,
    Interaction,
    Phone,
    Purchase,
    Tag,
)


class PhoneInline(admin.TabularInline):
    model = Phone
    extra = 0
    fields = ["number", "kind", "extension", "is_primary"]


class EmailInline(admin.TabularInline):
    model = Email
    extra = 0
    fields = ["address", "kind", "is_primary"]


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ["purpose", "granted", "changed_at", "source", "evidence"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "company",
        "owner",
        "source",
        "lifetime_value",
        "purchases_count",
        "created_at",
    ]
    list_filter = ["source", "preferred_channel", "tags", "created_at"]
    search_fields = [
        "last_name",
        "first_name",
        "middle_name",
        "phones__number",
        "emails__address",
        "company__name",
    ]
    list_select_related = ["company", "owner"]
    raw_id_fields = ["company", "merged_into"]
    autocomplete_fields = ["owner", "tags"]
    readonly_fields = [
        "lifetime_value",
        "purchases_count",
        "last_purchase_at",
        "rfm_recency",
        "rfm_frequency",
        "rfm_monetary",
        "created_at",
        "updated_at",
    ]
    inlines = [PhoneInline, EmailInline, ConsentInline]
    show_full_result_count = False  # no COUNT(*) over a million rows on every page


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "inn", "kpp", "owner", "industry", "region"]
    list_filter = ["source", "industry", "tags"]
    search_fields = ["name", "legal_name", "inn", "ogrn"]
    list_select_related = ["owner"]
    autocomplete_fields = ["owner", "tags"]
    inlines = [PhoneInline, EmailInline]
    show_full_result_count = False


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Phone)
class PhoneAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "contact", "company", "is_primary"]
    list_filter = ["kind"]
    search_fields = ["number"]
    raw_id_fields = ["contact", "company"]
    show_full_result_count = False


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = ["address", "kind", "contact", "company", "is_primary"]
    list_filter = ["kind"]
    search_fields = ["address"]
    raw_id_fields = ["contact", "company"]
    show_full_result_count = False


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "target", "field_type", "required", "is_active", "order"]
    list_filter = ["target", "field_type", "is_active"]
    search_fields = ["label", "code"]
    list_editable = ["order", "is_active"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "direction", "contact", "subject", "author", "channel"]
    list_filter = ["kind", "direction", "channel"]
    search_fields = ["subject", "external_id"]
    raw_id_fields = ["contact", "author"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = ["purchased_at", "contact", "amount", "currency", "store", "external_id"]
    list_filter = ["currency", "store"]
    search_fields = ["external_id"]
    raw_id_fields = ["contact"]
    date_hierarchy = "purchased_at"


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["contact", "purpose", "granted", "changed_at", "source", "recorded_by"]
    list_filter = ["purpose", "granted"]
    raw_id_fields = ["contact", "recorded_by"]


@admin.register(ContactMerge)
class ContactMergeAdmin(admin.ModelAdmin):
    list_display = ["merged_at", "kept", "dropped", "actor", "undone_at"]
    raw_id_fields = ["kept", "dropped", "actor", "undone_by"]
    readonly_fields = ["moved", "kept_before"]


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "saved_by", "saved_at"]
    search_fields = ["name"]
    raw_id_fields = ["saved_by"]


for _model in (Contact, Company, Consent):
    admin.site.register(_model.pgh_event_model, EventAdmin)

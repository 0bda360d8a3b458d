"""What the contacts API reads and accepts. Serializers check the shape of the input; the
services check the rest and do the writing."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.api.fields import ScopedPrimaryKeyField
from crm.models import User
from crm.selectors import users_assignable_by

from .. import masking, selectors, services
from ..models import (
    Company,
    Consent,
    Contact,
    CustomField,
    Email,
    Interaction,
    Phone,
    Purchase,
)
from ..validators import normalize_email, normalize_phone


def _user(context: dict) -> User:
    return context["request"].user


class OwnerField(ScopedPrimaryKeyField):
    """The responsible user: someone the requesting user may assign work to, or the one
    already responsible (so that sending a record back unchanged is always accepted)."""

    def __init__(self, **kwargs):
        super().__init__(users_assignable_by, **kwargs)

    def get_queryset(self):
        qs = super().get_queryset()
        current = getattr(self.parent.instance, "owner_id", None)
        if current is None:
            return qs
        return User.objects.filter(Q(pk__in=qs.values("pk")) | Q(pk=current))


class TagNamesField(serializers.ListField):
    child = serializers.CharField(max_length=60)

    def to_representation(self, data):
        return [tag.name for tag in data.all()]


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _user_ref(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.email}


# --- phones and e-mails --------------------------------------------------------------------


class _MasksPhone:
    """Shows the number masked to the roles that see phones masked (e.g. marketers)."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["number"] = masking.phone_for(
            data["number"], self.context.get("masked"), as_stored=True
        )
        return data


class _MasksEmail:
    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["address"] = masking.email_for(data["address"], self.context.get("masked"))
        return data


class PhoneNestedSerializer(_MasksPhone, serializers.Serializer):
    """A phone inside a contact or a company. On writes the whole list replaces the old one;
    the first phone becomes the primary one."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(
        max_length=40, help_text="Any format; stored as E.164 (+79161234567)."
    )
    kind = serializers.ChoiceField(choices=Phone.Kind.choices, default=Phone.Kind.MOBILE)
    extension = serializers.CharField(max_length=10, allow_blank=True, default="")
    is_primary = serializers.BooleanField(read_only=True)

    def validate_number(self, value: str) -> str:
        return normalize_phone(value)


class EmailNestedSerializer(_MasksEmail, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    address = serializers.CharField(max_length=254)
    kind = serializers.ChoiceField(choices=Email.Kind.choices, default=Email.Kind.WORK)
    is_primary = serializers.BooleanField(read_only=True)

    def validate_address(self, value: str) -> str:
        return normalize_email(value)


class _PointSerializer(serializers.ModelSerializer):
    """A phone or e-mail as a resource of its own: it belongs to a contact or a company."""

    contact = ScopedPrimaryKeyField(selectors.contacts_visible_to, required=False, allow_null=True)
    company = ScopedPrimaryKeyField(selectors.companies_visible_to, required=False, allow_null=True)
    make_primary = serializers.BooleanField(
        write_only=True, required=False, default=False, help_text="Make it the primary one."
    )

    def get_fields(self):
        fields = super().get_fields()
        if isinstance(self.instance, self.Meta.model):
            # It stays with its contact or company; moving it is what a merge does.
            fields["contact"].read_only = fields["company"].read_only = True
        return fields

    def validate(self, attrs):
        if self.instance is None and bool(attrs.get("contact")) == bool(attrs.get("company")):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Give either a contact or a company.")]}
            )
        return attrs


class PhoneSerializer(_MasksPhone, _PointSerializer):
    number = serializers.CharField(
        max_length=40, help_text="Any format; stored as E.164 (+79161234567)."
    )

    class Meta:
        model = Phone
        fields = [
            "id",
            "contact",
            "company",
            "number",
            "kind",
            "extension",
            "is_primary",
            "make_primary",
            "created_at",
        ]
        read_only_fields = ["is_primary", "created_at"]
        validators: list = []  # one number per card: the service checks


class EmailSerializer(_MasksEmail, _PointSerializer):
    # Checked (and lower-cased) by the service, with the same message as everywhere.
    address = serializers.CharField(max_length=254)

    class Meta:
        model = Email
        fields = [
            "id",
            "contact",
            "company",
            "address",
            "kind",
            "is_primary",
            "make_primary",
            "created_at",
        ]
        read_only_fields = ["is_primary", "created_at"]
        validators: list = []  # one address per card: the service checks


# --- companies and contacts ----------------------------------------------------------------


class ConsentBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consent
        fields = ["purpose", "granted", "changed_at", "source"]
        read_only_fields = fields


class _PartySerializer(serializers.ModelSerializer):
    """Companies and contacts: flat fields, plus phones, e-mails, tags and custom fields that
    the services write together."""

    custom_target = ""

    owner = OwnerField(
        required=False,
        allow_null=True,
        help_text="The responsible user; the creator when not given.",
    )
    owner_name = serializers.SerializerMethodField()
    phones = PhoneNestedSerializer(many=True, required=False)
    emails = EmailNestedSerializer(many=True, required=False)
    tags = TagNamesField(
        required=False,
        help_text="Tag names; unknown ones are created.",
    )
    custom = serializers.DictField(
        required=False, help_text="Custom field values by field code (see /custom-fields/)."
    )

    def get_owner_name(self, obj) -> str | None:
        return obj.owner.get_full_name() or obj.owner.email if obj.owner_id else None

    def to_representation(self, instance):
        """Notes and custom text with the phones and e-mails written in them masked."""
        data = super().to_representation(instance)
        masks = self.context.get("masked")
        if masks:
            if "notes" in data:
                data["notes"] = masking.text_for(data["notes"], masks)
            if isinstance(data.get("custom"), dict):
                data["custom"] = {
                    k: masking.text_for(v, masks) if isinstance(v, str) else v
                    for k, v in data["custom"].items()
                }
        return data

    def validate_custom(self, value: dict) -> dict:
        """Checked here too, so that every wrong field is reported in one answer."""
        stored = self.instance.custom if self.instance is not None else {}
        try:
            services.custom_fields_clean(self.custom_target, value, stored=stored)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                {k.removeprefix("custom."): v for k, v in exc.message_dict.items()}
            ) from None
        return value

    def service_arguments(self) -> dict:
        """Split what was validated into the arguments of the create and update services."""
        data = dict(self.validated_data)
        return {
            "data": {
                k: v for k, v in data.items() if k not in ("phones", "emails", "tags", "custom")
            },
            "phones": data.get("phones"),
            "emails": data.get("emails"),
            "tags": data.get("tags"),
            "custom": data.get("custom"),
        }


class CompanySerializer(_PartySerializer):
    custom_target = CustomField.Target.COMPANY

    class Meta:
        model = Company
        fields = [
            "id",
            *Company.EDITABLE_FIELDS,
            "owner_name",
            "phones",
            "emails",
            "tags",
            "custom",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_by", "created_at", "updated_at"]


class CompanyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ContactSerializer(_PartySerializer):
    custom_target = CustomField.Target.CONTACT

    company = ScopedPrimaryKeyField(selectors.companies_visible_to, required=False, allow_null=True)
    company_name = serializers.SerializerMethodField()
    full_name = serializers.CharField(read_only=True)
    consents = ConsentBriefSerializer(many=True, read_only=True)
    rfm_score = serializers.CharField(read_only=True)
    card_url = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "full_name",
            *Contact.EDITABLE_FIELDS,
            "company_name",
            "owner_name",
            "phones",
            "emails",
            "tags",
            "custom",
            "consents",
            "lifetime_value",
            "value_currency",
            "purchases_count",
            "last_purchase_at",
            "rfm_recency",
            "rfm_frequency",
            "rfm_monetary",
            "rfm_score",
            "card_url",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "lifetime_value",
            "value_currency",
            "purchases_count",
            "last_purchase_at",
            "rfm_recency",
            "rfm_frequency",
            "rfm_monetary",
            "created_by",
            "created_at",
            "updated_at",
        ]

    def get_company_name(self, obj: Contact) -> str | None:
        return obj.company.name if obj.company_id else None

    def get_card_url(self, obj: Contact) -> str:
        return obj.get_absolute_url()


# --- caller-ID lookup ----------------------------------------------------------------------


class LookupQuerySerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="The caller's number in any format.")

    def validate_phone(self, value: str) -> str:
        return normalize_phone(value)


class LookupMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    company = serializers.SerializerMethodField()
    owner = serializers.SerializerMethodField()
    position = serializers.CharField()
    preferred_channel = serializers.CharField()
    language = serializers.CharField()
    lifetime_value = serializers.DecimalField(max_digits=16, decimal_places=2)
    value_currency = serializers.CharField()
    last_interaction_at = serializers.DateTimeField(allow_null=True)
    open_tasks = serializers.IntegerField()
    consents = serializers.SerializerMethodField()
    card_url = serializers.SerializerMethodField()

    @extend_schema_field(CompanyRefSerializer(allow_null=True))
    def get_company(self, obj: Contact) -> dict | None:
        return {"id": obj.company.pk, "name": obj.company.name} if obj.company_id else None

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_owner(self, obj: Contact) -> dict | None:
        return _user_ref(obj.owner)

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": {"type": "boolean"},
            "description": "Granted (true) or withdrawn (false) per purpose; "
            "a purpose never asked is absent.",
            "example": {"personal_data": True, "marketing_sms": False},
        }
    )
    def get_consents(self, obj: Contact) -> dict:
        return {c.purpose: c.granted for c in obj.consents.all()}

    def get_card_url(self, obj: Contact) -> str:
        return self.context["request"].build_absolute_uri(obj.get_absolute_url())


class LookupSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="The number searched for, in E.164.")
    matches = LookupMatchSerializer(many=True)


# --- timeline, purchases, consents, custom fields ------------------------------------------


class InteractionSerializer(serializers.ModelSerializer):
    contact = ScopedPrimaryKeyField(selectors.contacts_visible_to)
    author_name = serializers.SerializerMethodField()
    related = serializers.SerializerMethodField()

    class Meta:
        model = Interaction
        fields = [
            "id",
            "contact",
            "kind",
            "direction",
            "occurred_at",
            "subject",
            "body",
            "duration_seconds",
            "recording_url",
            "channel",
            "external_id",
            "author",
            "author_name",
            "related",
            "data",
            "created_at",
        ]
        read_only_fields = ["author", "created_at"]
        # The same (kind, channel, external id) again is not an error: the service answers
        # with the row already recorded.
        validators: list = []
        extra_kwargs = {
            "external_id": {
                "help_text": "Its id in the source system: posting the same kind, channel and "
                "external id again answers 200 with the row already recorded."
            },
            "occurred_at": {"required": False},
        }

    def to_representation(self, instance):
        """Subject and body with the phones and e-mails written in them masked."""
        data = super().to_representation(instance)
        masks = self.context.get("masked")
        if masks:
            for key in ("subject", "body"):
                data[key] = masking.text_for(data[key], masks)
        return data

    def get_author_name(self, obj: Interaction) -> str | None:
        return obj.author.get_full_name() or obj.author.email if obj.author_id else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_related(self, obj: Interaction) -> str | None:
        """The deal, ticket or campaign it belongs to, as ``app.model:id``."""
        if not obj.related_type_id:
            return None
        ct = obj.related_type
        return f"{ct.app_label}.{ct.model}:{obj.related_id}"


class PurchaseSerializer(serializers.ModelSerializer):
    contact = ScopedPrimaryKeyField(selectors.contacts_visible_to)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)

    class Meta:
        model = Purchase
        fields = [
            "id",
            "contact",
            "purchased_at",
            "amount",
            "currency",
            "items",
            "store",
            "external_id",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        validators: list = []  # the same store and external id again: see the view
        extra_kwargs = {
            "purchased_at": {"required": False},
            "external_id": {
                "help_text": "Its id in the store: posting the same store and external id again "
                "answers 200 with the purchase already recorded."
            },
        }


class ConsentSerializer(serializers.ModelSerializer):
    contact = ScopedPrimaryKeyField(selectors.contacts_visible_to)
    changed_at = serializers.DateTimeField(
        required=False, help_text="When the client gave or withdrew it; now when not given."
    )

    class Meta:
        model = Consent
        fields = [
            "id",
            "contact",
            "purpose",
            "granted",
            "changed_at",
            "source",
            "evidence",
            "recorded_by",
        ]
        read_only_fields = ["recorded_by"]
        # One row per contact and purpose: posting again changes it (see the view).
        validators: list = []


class CustomFieldSerializer(serializers.ModelSerializer):
    """The shape of a definition; its rules (choices for choice fields, one code per target)
    are the model's, checked by the custom field services."""

    class Meta:
        model = CustomField
        fields = [
            "id",
            "target",
            "code",
            "label",
            "field_type",
            "choices",
            "required",
            "order",
            "is_active",
        ]

"""Filters of the API lists. They only narrow a queryset that a selector has already scoped."""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import DecimalField, Func, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.utils.translation import gettext as _

from .models import Company, Consent, Contact, CustomField, Email, Interaction, Phone, Purchase
from .validators import clean_custom_value, normalize_email, normalize_phone

CUSTOM_PREFIX = "custom."
RANGE_SUFFIXES = {"__gte": "gte", "__lte": "lte"}


def _custom_filters(target: str, params, queryset: QuerySet) -> QuerySet:
    """``?custom.<code>=value`` (and ``custom.<code>__gte`` / ``__lte`` for numbers and dates).

    Equality is a JSON containment test (``custom @> {"code": value}``), which the GIN index on
    ``custom`` answers; values are parsed as the field's type, so ``да`` finds ``true``.
    """
    wanted = {k: params.getlist(k) for k in params if k.startswith(CUSTOM_PREFIX)}
    if not wanted:
        return queryset
    fields = {f.code: f for f in CustomField.objects.filter(target=target, is_active=True)}
    errors: dict[str, list[str]] = {}
    n = 0
    for param, values in wanted.items():
        code, op = param.removeprefix(CUSTOM_PREFIX), None
        for suffix, name in RANGE_SUFFIXES.items():
            if code.endswith(suffix):
                code, op = code.removesuffix(suffix), name
        field = fields.get(code)
        if field is None:
            errors[param] = [_("There is no such field.")]
            continue
        if op and field.field_type not in (CustomField.Type.NUMBER, CustomField.Type.DATE):
            errors[param] = [_("Only numbers and dates can be compared.")]
            continue
        for raw in values:
            try:
                value = clean_custom_value(field, raw) if raw != "" else None
            except ValidationError as exc:
                errors[param] = exc.messages
                continue
            if value is None:
                continue
            queryset = _custom_filter(queryset, field, value, op, f"custom_filter_{n}")
            n += 1
    if errors:
        raise ValidationError(errors)
    return queryset


class StoredNumber(Func):
    """A custom number as stored (JSON text, or a JSON number) → numeric, or NULL when the
    stored value is not a plain number.

    Values are checked when saved, but a value stored before those bounds, or while the field
    was a text field, must not turn a filter into a database error for everyone: such a value
    is only left out of the comparison. The pattern bounds the digits and the exponent, so the
    cast itself cannot overflow.
    """

    PATTERN = r"^\s*[+-]?([0-9]{1,100}(\.[0-9]{0,100})?|\.[0-9]{1,100})([eE][+-]?[0-9]{1,3})?\s*$"
    output_field = DecimalField()

    def as_sql(self, compiler, connection, **extra_context):
        text, params = compiler.compile(self.source_expressions[0])
        return (
            f"(CASE WHEN {text} ~ %s THEN ({text})::numeric END)",
            (*params, self.PATTERN, *params),
        )


def _custom_filter(
    queryset: QuerySet, field: CustomField, value, op: str | None, alias: str
) -> QuerySet:
    if field.field_type == CustomField.Type.NUMBER:
        # Numbers are stored as text ("10", "10.50"): compare them as numbers.
        number = StoredNumber(KeyTextTransform(field.code, "custom"))
        return (
            queryset.filter(custom__has_key=field.code)
            .alias(**{alias: number})
            .filter(**{f"{alias}__{op or 'exact'}": Decimal(value)})
        )
    if op:  # dates are stored as ISO text, which compares like the dates themselves
        return queryset.alias(**{alias: KeyTextTransform(field.code, "custom")}).filter(
            **{f"{alias}__{op}": value}
        )
    # A multiple choice value is a list: containment then means "has all of these".
    return queryset.filter(custom__contains={field.code: value})


class TagFilter(django_filters.CharFilter):
    """``?tag=vip,b2b``: records with any of these tags (case-insensitive)."""

    def filter(self, qs, value):
        names = [n.strip() for n in (value or "").split(",") if n.strip()]
        if not names:
            return qs
        query = Q()
        for name in names:
            query |= Q(tag__name__iexact=name)
        through = qs.model.tags.through
        key = f"{qs.model._meta.model_name}_id"
        return qs.filter(pk__in=through.objects.filter(query).values(key))


class PartyFilter(django_filters.FilterSet):
    """What companies and contacts filter alike."""

    owner = django_filters.NumberFilter(field_name="owner_id", label="Responsible user id")
    source = django_filters.MultipleChoiceFilter(choices=Contact._meta.get_field("source").choices)
    tag = TagFilter(label="Tag names, comma-separated (any of them)")
    created = django_filters.DateFromToRangeFilter(field_name="created_at")

    custom_target: str = ""

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return _custom_filters(self.custom_target, self.data, queryset)


class ContactFilter(PartyFilter):
    company = django_filters.NumberFilter(field_name="company_id", label="Company id")
    has_purchases = django_filters.BooleanFilter(method="filter_has_purchases")
    ltv = django_filters.RangeFilter(field_name="lifetime_value", label="Lifetime value")
    preferred_channel = django_filters.ChoiceFilter(
        choices=Contact._meta.get_field("preferred_channel").choices
    )
    custom_target = CustomField.Target.CONTACT

    class Meta:
        model = Contact
        fields = ["owner", "company", "source", "tag", "preferred_channel", "language"]

    def filter_has_purchases(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(purchases_count__gt=0) if value else queryset.filter(purchases_count=0)
        )


class CompanyFilter(PartyFilter):
    inn = django_filters.CharFilter()
    custom_target = CustomField.Target.COMPANY

    class Meta:
        model = Company
        fields = ["owner", "source", "tag", "inn", "industry"]


class PhoneFilter(django_filters.FilterSet):
    contact = django_filters.NumberFilter(field_name="contact_id")
    company = django_filters.NumberFilter(field_name="company_id")
    number = django_filters.CharFilter(method="filter_number", label="Phone in any format")

    class Meta:
        model = Phone
        fields = ["contact", "company", "kind", "number"]

    def filter_number(self, queryset, name, value):
        try:
            return queryset.filter(number=normalize_phone(value))
        except ValidationError as exc:
            raise ValidationError({"number": exc.messages}) from None


class EmailFilter(django_filters.FilterSet):
    contact = django_filters.NumberFilter(field_name="contact_id")
    company = django_filters.NumberFilter(field_name="company_id")
    address = django_filters.CharFilter(method="filter_address")

    class Meta:
        model = Email
        fields = ["contact", "company", "kind", "address"]

    def filter_address(self, queryset, name, value):
        try:
            return queryset.filter(address=normalize_email(value))
        except ValidationError as exc:
            raise ValidationError({"address": exc.messages}) from None


class InteractionFilter(django_filters.FilterSet):
    contact = django_filters.NumberFilter(field_name="contact_id")
    kind = django_filters.MultipleChoiceFilter(choices=Interaction.Kind.choices)
    occurred = django_filters.DateFromToRangeFilter(field_name="occurred_at")

    class Meta:
        model = Interaction
        fields = ["contact", "kind", "direction", "channel", "external_id"]


class PurchaseFilter(django_filters.FilterSet):
    contact = django_filters.NumberFilter(field_name="contact_id")
    purchased = django_filters.DateFromToRangeFilter(field_name="purchased_at")

    class Meta:
        model = Purchase
        fields = ["contact", "store", "external_id", "currency"]


class ConsentFilter(django_filters.FilterSet):
    contact = django_filters.NumberFilter(field_name="contact_id")

    class Meta:
        model = Consent
        fields = ["contact", "purpose", "granted"]


class CustomFieldFilter(django_filters.FilterSet):
    class Meta:
        model = CustomField
        fields = ["target", "field_type", "is_active"]

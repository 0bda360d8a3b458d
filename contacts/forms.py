"""Forms of the staff UI. They parse what people type; the services validate and save."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.forms import ServiceForm
from crm.models import Role, User
from crm.selectors import users_assignable_by

from .models import Channel, Company, Consent, Contact, CustomField, Email, Phone, Source
from .selectors import companies_visible_to
from .validators import EARLIEST_BIRTHDAY, format_phone


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


# --- phones and e-mails --------------------------------------------------------------------


class PhoneForm(forms.Form):
    number = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "off", "placeholder": "+7 916 123-45-67"}
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Phone.Kind.choices, initial=Phone.Kind.MOBILE, required=False
    )
    extension = forms.CharField(
        label=_("Ext."), required=False, max_length=10, widget=forms.TextInput(attrs={"size": 5})
    )


class EmailForm(forms.Form):
    address = forms.CharField(
        label=_("E-mail"),
        required=False,
        max_length=254,
        widget=forms.TextInput(
            attrs={"type": "email", "autocomplete": "off", "placeholder": "name@example.com"}
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Email.Kind.choices, initial=Email.Kind.WORK, required=False
    )


PhoneFormSet = forms.formset_factory(PhoneForm, extra=1, max_num=20, absolute_max=20)
EmailFormSet = forms.formset_factory(EmailForm, extra=1, max_num=20, absolute_max=20)


def points_formsets(data=None, *, owner: Contact | Company | None = None):
    """The phone and e-mail formsets of a form, filled from ``owner`` when editing."""
    phones = emails = None
    if data is None and owner is not None:
        phones = [
            {"number": format_phone(p.number), "kind": p.kind, "extension": p.extension}
            for p in owner.phones.all()
        ]
        emails = [{"address": e.address, "kind": e.kind} for e in owner.emails.all()]
    return (
        PhoneFormSet(data, prefix="phones", initial=phones),
        EmailFormSet(data, prefix="emails", initial=emails),
    )


def points_from(formset: forms.BaseFormSet, key: str) -> tuple[list[dict], list[int]]:
    """The filled rows of a phone or e-mail formset, and each row's form index (the services
    report errors by position in the list they were given)."""
    rows, where = [], []
    for index, form in enumerate(formset.forms):
        if form.is_valid() and (form.cleaned_data.get(key) or "").strip():
            rows.append({k: v for k, v in form.cleaned_data.items() if v is not None})
            where.append(index)
    return rows, where


# --- custom fields -------------------------------------------------------------------------

YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


def custom_form_field(definition: CustomField) -> forms.Field:
    """A form field of the definition's type. Values stay strings: the service checks them."""
    common = {"label": definition.label, "required": False}
    kind = definition.field_type
    if kind == CustomField.Type.NUMBER:
        return forms.CharField(
            widget=forms.TextInput(attrs={"inputmode": "decimal"}), max_length=40, **common
        )
    if kind == CustomField.Type.DATE:
        return forms.CharField(widget=forms.TextInput(attrs={"type": "date"}), **common)
    if kind == CustomField.Type.CHOICE:
        return forms.ChoiceField(
            choices=[("", "—"), *((c, c) for c in definition.choices)], **common
        )
    if kind == CustomField.Type.MULTI:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in definition.choices],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if kind == CustomField.Type.BOOL:
        return forms.ChoiceField(choices=YES_NO, **common)
    return forms.CharField(max_length=1000, **common)


def custom_initial(definition: CustomField, value):
    if value is None:
        return None
    if definition.field_type == CustomField.Type.BOOL:
        return "yes" if value else "no"
    return value


class CustomFieldsMixin:
    """Adds one ``custom_<code>`` field per active custom field definition of ``target``."""

    custom_prefix = "custom_"

    def add_custom_fields(self, definitions: list[CustomField], values: dict) -> None:
        self.custom_definitions = definitions
        for definition in definitions:
            name = self.custom_prefix + definition.code
            field = custom_form_field(definition)
            field.required_mark = definition.required
            self.fields[name] = field
            self.initial.setdefault(name, custom_initial(definition, values.get(definition.code)))

    def custom_fields(self):
        return [self[self.custom_prefix + d.code] for d in self.custom_definitions]

    def custom_values(self) -> dict:
        return {
            d.code: self.cleaned_data.get(self.custom_prefix + d.code)
            for d in self.custom_definitions
        }


def tags_text(owner) -> str:
    return ", ".join(t.name for t in owner.tags.all()) if owner is not None and owner.pk else ""


def tags_parse(text: str) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


def owner_choices(user: User, current_owner_id: int | None) -> QuerySet[User]:
    """Whom the user may make responsible, plus the one who is now (so an edit keeps them)."""
    scope = Q(pk__in=users_assignable_by(user).values("pk"))
    if current_owner_id:
        scope |= Q(pk=current_owner_id)
    return User.objects.filter(scope).order_by("last_name", "first_name", "email")


# --- contacts and companies ----------------------------------------------------------------


class ContactForm(CustomFieldsMixin, ServiceForm):
    company_name = forms.CharField(label=_("Company"), required=False, max_length=255)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separate with commas."),
    )
    allow_duplicate = forms.BooleanField(label=_("Create anyway"), required=False)

    model = Contact
    model_fields = Contact.EDITABLE_FIELDS
    widgets = {
        "company": forms.HiddenInput,
        "birthday": DateInput(),
        "interests": forms.Textarea(attrs={"rows": 2}),
        "notes": forms.Textarea(attrs={"rows": 3}),
    }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.fields["last_name"].widget.attrs["autofocus"] = True
        # The calendar offers only the days the service takes (validators.validate_birthday).
        self.fields["birthday"].widget.attrs.update(
            {
                "min": EARLIEST_BIRTHDAY.isoformat(),
                "max": timezone.localdate().isoformat(),
            }
        )
        self.fields["company"].queryset = companies_visible_to(user)
        self.fields["company"].error_messages["invalid_choice"] = _(
            "Pick a company from the suggestions."
        )
        self.fields["owner"].queryset = owner_choices(user, instance.owner_id)
        self.fields["owner"].empty_label = _("Nobody") if instance.pk else _("Me")
        self.fields["source"].choices = [("", "—"), *Source.choices]
        self.fields["preferred_channel"].choices = [("", "—"), *Channel.choices]
        languages = [("", "—"), *settings.LANGUAGES]
        if instance.language and instance.language not in dict(languages):
            languages.append((instance.language, instance.language))
        self.fields["language"] = forms.ChoiceField(
            label=_("Language"), choices=languages, required=False, initial=instance.language
        )
        self.fields["time_zone"].widget.attrs.update(
            {"list": "time-zones", "placeholder": "Europe/Moscow"}
        )
        if instance.pk:
            self.initial.setdefault("tags", tags_text(instance))
            if instance.company_id:
                self.initial.setdefault("company_name", instance.company.name)
            del self.fields["allow_duplicate"]

    def clean_time_zone(self):
        value = (self.cleaned_data.get("time_zone") or "").strip()
        if value and value not in zoneinfo.available_timezones():
            raise ValidationError(
                _("Unknown time zone. Pick one from the list, e.g. Europe/Moscow.")
            )
        return value

    def clean(self):
        data = super().clean()
        name = (data.get("company_name") or "").strip()
        if not name:
            # The name was cleared: the person no longer belongs to a company.
            self.errors.pop("company", None)
            data["company"] = None
        elif "company" in self.errors or not data.get("company"):
            # The company id is a hidden input; its error is shown at the name people typed.
            self.errors.pop("company", None)
            self.add_error("company_name", _("Pick a company from the suggestions."))
        return data

    def service_data(self) -> dict:
        data = super().service_data()
        for key in ("source", "preferred_channel", "language", "time_zone"):
            data[key] = data[key] or ""
        for key in ("middle_name", "position", "address", "region", "interests", "notes"):
            data[key] = data[key] or ""
        return data


class CompanyForm(CustomFieldsMixin, ServiceForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=1000, help_text=_("Separate with commas.")
    )

    model = Company
    model_fields = Company.EDITABLE_FIELDS
    widgets = {
        "notes": forms.Textarea(attrs={"rows": 3}),
        "inn": forms.TextInput(attrs={"inputmode": "numeric"}),
        "ogrn": forms.TextInput(attrs={"inputmode": "numeric"}),
    }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autofocus"] = True
        self.fields["owner"].queryset = owner_choices(user, self.instance.owner_id)
        self.fields["owner"].empty_label = _("Nobody") if self.instance.pk else _("Me")
        self.fields["source"].choices = [("", "—"), *Source.choices]
        # Checksums are the service's job; here only the length, so the message is one.
        for name in ("inn", "kpp", "ogrn"):
            self.fields[name].validators = []
        if self.instance.pk:
            self.initial.setdefault("tags", tags_text(self.instance))

    def service_data(self) -> dict:
        data = super().service_data()
        for key, value in data.items():
            if value is None and key != "owner":
                data[key] = ""
        return data


# --- notes, tasks, consents, merge ---------------------------------------------------------


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "placeholder": _("Write a note about the client…"),
                # The card opens while the client is on the line: the note is what comes next.
                "autofocus": True,
            }
        ),
    )


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    granted = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Granted")), ("0", _("Withdrawn"))],
        coerce=lambda v: v == "1",
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=100,
        help_text=_("Where the client said so: a call, a paper form, the portal…"),
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the client said or signed, a document number, a call id."),
    )


# --- list filters --------------------------------------------------------------------------

SORTS_CONTACT = {
    "new": (_("Newest first"), (("id", True),)),
    "name": (_("Name A–Z"), (("last_name", False), ("first_name", False), ("id", False))),
    "ltv": (_("Highest LTV"), (("lifetime_value", True), ("id", True))),
}
SORTS_COMPANY = {
    "new": (_("Newest first"), (("id", True),)),
    "name": (_("Name A–Z"), (("name", False), ("id", False))),
}


class ListFilterForm(CustomFieldsMixin, forms.Form):
    """Filters of the contacts and companies lists; every value narrows a scoped queryset."""

    custom_prefix = "cf_"

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    owner = forms.TypedChoiceField(
        label=_("Responsible"), required=False, coerce=int, empty_value=None
    )
    company = forms.IntegerField(required=False, widget=forms.HiddenInput)
    source = forms.ChoiceField(label=_("Source"), required=False)
    tag = forms.TypedChoiceField(label=_("Tag"), required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(label=_("Sort"), required=False)

    def __init__(
        self,
        *args,
        sorts: dict,
        owners: list[User],
        tags: list,
        definitions: list[CustomField],
        with_company: bool,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Anyone"))] + [(u.pk, str(u)) for u in owners]
        self.fields["tag"].choices = [("", _("Any tag"))] + [(t.pk, t.name) for t in tags]
        self.fields["source"].choices = [("", _("Any source")), *Source.choices]
        self.fields["sort"].choices = [(k, label) for k, (label, _order) in sorts.items()]
        self.fields["q"].widget.attrs.update({"type": "search", "autofocus": True})
        if not with_company:
            del self.fields["company"]
        self.add_custom_fields(definitions, {})
        for definition in definitions:
            field = self.fields[self.custom_prefix + definition.code]
            if definition.field_type == CustomField.Type.MULTI:
                field = forms.ChoiceField(
                    label=definition.label,
                    required=False,
                    choices=[("", "—"), *((c, c) for c in definition.choices)],
                )
                self.fields[self.custom_prefix + definition.code] = field

    def custom_filters(self) -> tuple[Q, dict[str, str]]:
        """One condition per filled custom field filter; bad values come back as errors."""
        condition = Q()
        errors: dict[str, str] = {}
        for definition in self.custom_definitions:
            name = self.custom_prefix + definition.code
            value = self.cleaned_data.get(name)
            if value in (None, "", []):
                continue
            code, kind = definition.code, definition.field_type
            if kind == CustomField.Type.TEXT:
                condition &= Q(**{f"custom__{code}__icontains": value})
            elif kind == CustomField.Type.MULTI:
                condition &= Q(custom__contains={code: [value]})
            elif kind == CustomField.Type.BOOL:
                condition &= Q(custom__contains={code: value == "yes"})
            elif kind == CustomField.Type.NUMBER:
                try:
                    number = Decimal(str(value).replace(",", ".").replace(" ", ""))
                except InvalidOperation:
                    errors[name] = _("Enter a number.")
                    continue
                condition &= Q(custom__contains={code: str(number)})
            else:  # date and choice values are stored as they are typed here
                condition &= Q(custom__contains={code: value})
        return condition, errors

    def active_filters(self) -> int:
        if not self.is_bound or not self.is_valid():
            return 0
        return sum(
            1
            for name, value in self.cleaned_data.items()
            if name not in ("q", "sort") and value not in (None, "", [])
        )


def owners_for_filter() -> QuerySet[User]:
    """People clients can belong to: sales managers and heads."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.MANAGER, Role.HEAD])
        .distinct()
        .order_by("last_name", "first_name", "email")
    )

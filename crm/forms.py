from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Task, User, WorkingHours


def form_errors_add(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal on the form that asked for it: each message next to the field it
    names, the rest — and a refusal that names no field — at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class ServiceForm(forms.Form):
    """A form over some fields of a model that only parses what a person typed.

    Checking and saving belong to the service, which the API, tasks and commands call too; a
    ``ModelForm`` would build and validate the instance a second time (its ``_post_clean``),
    with messages that could differ from the service's. The fields are made from the model
    as a ``ModelForm`` makes them; fields declared on the form replace or add to them.
    ``service_data()`` gives the cleaned values of the model fields.
    """

    model: type[models.Model]
    model_fields: tuple[str, ...] = ()
    widgets: dict[str, forms.Widget | type[forms.Widget]] = {}

    def __init__(self, *args, instance: models.Model | None = None, **kwargs):
        self.instance = instance if instance is not None else self.model()
        initial = forms.model_to_dict(self.instance, fields=self.model_fields)
        initial.update(kwargs.pop("initial", None) or {})
        super().__init__(*args, initial=initial, **kwargs)
        declared = self.fields
        made = forms.fields_for_model(
            self.model,
            fields=[name for name in self.model_fields if name not in declared],
            widgets=self.widgets,
        )
        # The model's order, a declared field in place of the one it replaces, then the rest.
        self.fields = {name: declared.get(name) or made[name] for name in self.model_fields}
        self.fields.update((name, f) for name, f in declared.items() if name not in self.fields)

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.model_fields}


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the integration that uses it."),
    )


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class TaskForm(ServiceForm):
    """Task fields as a person fills them in; the service checks the rest."""

    model = Task
    model_fields = ("title", "description", "assignee", "due_at", "remind_at", "priority")
    widgets = {
        "due_at": DateTimeInput(),
        "remind_at": DateTimeInput(),
        "description": forms.Textarea(attrs={"rows": 3}),
    }

    def __init__(self, *args, assignees=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]
        self.fields["remind_at"].input_formats = self.fields["due_at"].input_formats
        self.fields["title"].widget.attrs.update(
            {"autofocus": True, "placeholder": _("What needs doing?")}
        )
        if assignees is not None:
            self.fields["assignee"].queryset = assignees
        self.fields["assignee"].required = False
        self.fields["assignee"].empty_label = _("Me")


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone", "language", "time_zone", "availability"]

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"]
        if value not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("Unknown time zone."))
        return value


class WorkingHoursForm(forms.ModelForm):
    class Meta:
        model = WorkingHours
        fields = ["weekday", "starts_at", "ends_at"]
        widgets = {
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ends_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


WorkingHoursFormSet = forms.inlineformset_factory(
    User, WorkingHours, form=WorkingHoursForm, extra=0, max_num=7, can_delete=True
)


class AvailabilityForm(forms.Form):
    availability = forms.ChoiceField(choices=User.Availability.choices)

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Task, User, WorkingHours


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class TaskForm(forms.ModelForm):
    """Task fields as a person fills them in; the service checks the rest."""

    class Meta:
        model = Task
        fields = ["title", "description", "assignee", "due_at", "remind_at", "priority"]
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

    def _post_clean(self):
        # The service validates and saves; the form only parses.
        pass


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone", "language", "time_zone", "availability"]

    def clean_time_zone(self):
        import zoneinfo

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

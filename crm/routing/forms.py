"""The rule form of the staff pages: the rule's own fields and its conditions, one row each.

The form only parses what was typed; the rule services check it (the same checks the API and
the admin get) and their messages are put back on the form.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.forms import ServiceForm
from crm.models import Team, User

from .conditions import CUSTOM_PREFIX, HOUR, OPS, field_label
from .kinds import ROUTING_KINDS
from .models import RoutingRule

CUSTOM = "__custom__"


def kind_choices() -> list[tuple[str, str]]:
    return [(code, str(kind.label)) for code, kind in ROUTING_KINDS.items()]


class RuleForm(ServiceForm):
    model = RoutingRule
    model_fields = (
        "kind",
        "name",
        "order",
        "team",
        "people",
        "strategy",
        "cap",
        "take_within_minutes",
        "is_active",
    )
    kind = forms.ChoiceField(label=capfirst(_("kind of item")), choices=())
    team = forms.ModelChoiceField(
        label=capfirst(_("team")), queryset=Team.objects.none(), required=False
    )
    people = forms.ModelMultipleChoiceField(
        label=capfirst(_("people")),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Besides the team's members, or instead of a team."),
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["kind"].choices = kind_choices()
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["people"].queryset = User.objects.filter(is_active=True).order_by(
            "last_name", "first_name"
        )
        self.fields["people"].widget.attrs["size"] = 8
        if instance is not None and instance.pk:
            self.initial["people"] = list(instance.people.values_list("pk", flat=True))

    def service_data(self) -> dict:
        data = super().service_data()
        data["people"] = list(data.get("people") or [])
        return data


def _field_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for _code, kind in ROUTING_KINDS.items():
        for name in kind.attributes:
            seen.setdefault(name, field_label(kind, name))
    seen[HOUR] = field_label(None, HOUR)
    return [("", "—"), *seen.items(), (CUSTOM, str(_("custom field…")))]


class ConditionForm(forms.Form):
    field = forms.ChoiceField(label=_("field"), choices=(), required=False)
    custom = forms.CharField(label=_("custom field code"), required=False, max_length=50)
    op = forms.ChoiceField(label=_("operator"), choices=[("", "—"), *OPS.items()], required=False)
    value = forms.CharField(
        label=_("value"),
        required=False,
        max_length=500,
        help_text=_("Several values: separate with commas. Hours: 9-18, or 22-6 over midnight."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = _field_choices()

    def condition(self) -> dict | None:
        """The condition as the service takes it; None for a row left empty."""
        data = self.cleaned_data
        if not data or data.get("DELETE") or not (data.get("field") or data.get("op")):
            return None
        name = data["field"]
        if name == CUSTOM:
            name = CUSTOM_PREFIX + (data.get("custom") or "").strip()
        op, raw = data.get("op") or "", (data.get("value") or "").strip()
        value: object = raw
        if op in ("in", "not_in"):
            value = [v.strip() for v in raw.split(",")]
        elif op == "between":
            parts = [p for p in re.split(r"\s*[-–—:]\s*|\s+", raw) if p]
            value = parts if len(parts) == 2 else [raw]
        elif op in ("empty", "not_empty"):
            value = None
        return {"field": name, "op": op, "value": value}


ConditionFormSet = forms.formset_factory(ConditionForm, extra=2, can_delete=True, max_num=30)


def condition_initial(conditions: list[dict]) -> list[dict]:
    known = {name for name, _label in _field_choices()}
    rows = []
    for c in conditions or []:
        name, value = c.get("field", ""), c.get("value")
        if isinstance(value, list):
            shown = (
                "-".join(str(v) for v in value)
                if c.get("op") == "between"
                else ", ".join(str(v) for v in value)
            )
        else:
            shown = "" if value is None else str(value)
        if name.startswith(CUSTOM_PREFIX) or name not in known:
            rows.append(
                {
                    "field": CUSTOM,
                    "custom": name.removeprefix(CUSTOM_PREFIX),
                    "op": c.get("op"),
                    "value": shown,
                }
            )
        else:
            rows.append({"field": name, "op": c.get("op"), "value": shown})
    return rows


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ``ValidationError`` on the form: each field's under it, the rest on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _words(text: str) -> list[str]:
    return [w.strip() for w in (text or "").split(",") if w.strip()]


class ProfileForm(forms.Form):
    """One person's routing profile: words separated by commas, and their own cap."""

    user = forms.IntegerField(widget=forms.HiddenInput)
    skills = forms.CharField(
        label=_("skills"),
        required=False,
        max_length=500,
        help_text=_("Products, languages, topics — separated by commas."),
    )
    regions = forms.CharField(label=_("territories"), required=False, max_length=500)
    cap = forms.IntegerField(label=_("cap of open items"), required=False, min_value=1)

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "skills": _words(data.get("skills")),
            "regions": _words(data.get("regions")),
            "cap": data.get("cap"),
        }

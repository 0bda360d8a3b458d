"""Forms of the board, the deal's pages and the pipeline settings. They only parse what a
person typed; checking and saving are the services' (deals/services/deals.py)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Source, Tag
from crm.forms import ServiceForm
from crm.models import Team, User

from .models import Deal, LossReason, Pipeline, Stage
from .services.deals import CURRENCIES

CURRENCY_CHOICES = [(c, c) for c in CURRENCIES]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class BoardFilterForm(forms.Form):
    """The filters of the board and the list: each narrows the deals the selector scoped."""

    owner = forms.ModelChoiceField(
        label=_("Responsible"), queryset=User.objects.none(), required=False, empty_label=_("All")
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"), queryset=Tag.objects.none(), required=False, empty_label=_("All")
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("All")), *Source.choices], required=False
    )
    created_from = forms.DateField(label=_("Created from"), required=False, widget=DateInput())
    created_to = forms.DateField(label=_("Created to"), required=False, widget=DateInput())

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners if owners is not None else User.objects.none()
        self.fields["tag"].queryset = Tag.objects.order_by("name")

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("The end of the period is before its start."))
        return data

    def condition(self) -> Q | None:
        """The narrowing the filters ask for; None when a filter is not valid."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        q = Q()
        if data["owner"]:
            q &= Q(owner=data["owner"])
        if data["team"]:
            q &= Q(owner__team=data["team"])
        if data["tag"]:
            q &= Q(tags=data["tag"])
        if data["source"]:
            q &= Q(source=data["source"])
        tz = timezone.get_current_timezone()
        if data["created_from"]:
            start = dt.datetime.combine(data["created_from"], dt.time.min, tzinfo=tz)
            q &= Q(created_at__gte=start)
        if data["created_to"]:
            end = dt.datetime.combine(
                data["created_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz
            )
            q &= Q(created_at__lt=end)
        return q

    @property
    def active(self) -> bool:
        return any(self.data.get(name) for name in self.fields)


SORTS = {
    "new": (_("Newest first"), (("id", True),)),
    "amount": (_("Largest amount"), (("amount", True), ("id", True))),
    "title": (_("Title A–Z"), (("title", False), ("id", False))),
}


class ListFilterForm(BoardFilterForm):
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=Pipeline.objects.order_by("order", "name"),
        required=False,
        empty_label=_("All"),
    )
    sort = forms.ChoiceField(
        label=_("Sort"), choices=[(k, v[0]) for k, v in SORTS.items()], required=False
    )

    def condition(self) -> Q | None:
        q = super().condition()
        if q is not None and self.cleaned_data.get("pipeline"):
            q &= Q(pipeline=self.cleaned_data["pipeline"])
        return q


class DealForm(ServiceForm):
    """The deal's fields on its create and edit pages."""

    model = Deal
    model_fields = ("title", "amount", "currency", "owner", "source", "expected_close_date")
    widgets = {"expected_close_date": DateInput()}

    pipeline = forms.ModelChoiceField(label=_("Pipeline"), queryset=Pipeline.objects.none())
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput())
    contact_name = forms.CharField(
        label=_("Client"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("Name or phone")}),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separated by commas."),
    )

    def __init__(self, *args, owners=None, pipelines=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"] = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
        self.fields["amount"].min_value = 0
        self.fields["amount"].required = False
        self.fields["title"].widget.attrs["autofocus"] = True
        self.fields["amount"].widget.attrs.update({"min": "0", "step": "0.01"})
        self.fields["owner"].queryset = owners if owners is not None else User.objects.none()
        self.fields["owner"].required = False
        self.fields["owner"].empty_label = _("Me")
        self.fields["pipeline"].queryset = (
            pipelines if pipelines is not None else Pipeline.objects.none()
        )
        if editing:
            del self.fields["pipeline"]

    def tag_names(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [t.strip()[:60] for t in raw.split(",") if t.strip()]


class QuickDealForm(forms.Form):
    """The quick create at the top of the board's first column."""

    title = forms.CharField(label=_("Title"), max_length=255)
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput())
    contact_name = forms.CharField(
        label=_("Client"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("Name or phone")}),
    )
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_digits=14, decimal_places=2
    )


class MoveForm(forms.Form):
    stage = forms.ModelChoiceField(queryset=Stage.objects.all())
    loss_reason = forms.ModelChoiceField(
        label=_("Why was it lost?"),
        queryset=LossReason.objects.filter(is_active=True),
        required=False,
        empty_label=_("Choose a reason"),
    )
    loss_comment = forms.CharField(
        label=_("Comment"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class PipelineForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="RUB")
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class ColorInput(forms.TextInput):
    input_type = "color"


class StageForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput())
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    client_label = forms.CharField(label=_("Label for the client"), max_length=100, required=False)
    probability = forms.IntegerField(
        label=_("Probability, %"), min_value=0, max_value=100, initial=10, required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Stage.Kind.choices, initial=Stage.Kind.OPEN)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, required=False)
    color = forms.CharField(label=_("Colour"), initial="#4f6bed", widget=ColorInput(), max_length=7)

    def row(self) -> dict | None:
        """The stage for the service, or None for an empty new row."""
        data = self.cleaned_data
        if not data or (not data.get("id") and not (data.get("name") or "").strip()):
            return None
        return {
            "id": data.get("id"),
            "name": data.get("name"),
            "client_label": data.get("client_label"),
            "probability": data.get("probability") if data.get("probability") is not None else 0,
            "kind": data.get("kind"),
            "order": data.get("order") if data.get("order") is not None else 0,
            "color": data.get("color"),
            "delete": data.get("DELETE", False),
        }


StageFormSet = forms.formset_factory(StageForm, extra=2, can_delete=True)


class LossReasonForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput())
    name = forms.CharField(label=_("Reason"), max_length=100, required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)


LossReasonFormSet = forms.formset_factory(LossReasonForm, extra=2)

"""Forms of the lead pages: filters of the list, a lead entered by hand, conversion, junk,
notes and the web forms' settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.models import Source

from .models import Lead, Pipeline, Product, WebForm
from .selectors.deals import pipelines_active

CHANNEL_CHOICES = [
    ("web_form", _("Web form")),
    ("api", _("API")),
    ("call", _("Call")),
    ("email", _("E-mail")),
    ("manual", _("Entered by hand")),
]
CHANNEL_LABELS = dict(CHANNEL_CHOICES)

STATUS_TABS = [
    (Lead.Status.NEW, _("New")),
    (Lead.Status.IN_WORK, _("In work")),
    (Lead.Status.CONVERTED, _("Converted")),
    (Lead.Status.JUNK, _("Junk")),
]


class LeadFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    status = forms.ChoiceField(required=False, choices=[("", ""), *STATUS_TABS])
    owner = forms.TypedChoiceField(label=_("Responsible"), required=False, coerce=str)
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any")), *list(Source.choices)]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any")), *CHANNEL_CHOICES]
    )
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [
            ("", _("Anyone")),
            ("none", _("Nobody yet")),
            *((str(u.pk), str(u)) for u in owners),
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("The end of the period is before its start."))
        return data


class LeadForm(forms.Form):
    """A lead entered by hand (an operator logging a call, a manager a walk-in)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    company = forms.CharField(label=_("Company"), max_length=255, required=False)
    channel = forms.ChoiceField(
        label=_("How it came in"),
        choices=[("call", _("Call")), ("email", _("E-mail")), ("manual", _("In person or other"))],
        initial="call",
    )
    source = forms.ChoiceField(label=_("Source"), choices=list(Source.choices), initial="call")
    product = forms.ModelChoiceField(
        label=_("Product of interest"), queryset=Product.objects.none(), required=False
    )
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    message = forms.CharField(
        label=_("What the client wants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("channel")
        return data


class ConvertForm(forms.Form):
    pipeline = forms.ModelChoiceField(label=_("Pipeline"), queryset=Pipeline.objects.none())
    title = forms.CharField(label=_("Deal title"), max_length=255, required=False)
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Leave empty to take it from the product of interest."),
    )
    contact_mode = forms.ChoiceField(
        label=_("Contact"),
        widget=forms.RadioSelect,
        choices=[("link", _("Link the matched contact")), ("new", _("Create a new contact"))],
        initial="link",
    )
    create_company = forms.BooleanField(
        label=_("Create the company from the lead's company name"), required=False, initial=True
    )

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        pipelines = pipelines_active()
        self.fields["pipeline"].queryset = pipelines
        self.fields["pipeline"].initial = pipelines.first()
        self.fields["title"].initial = str(lead)
        if lead.contact_id is None:
            self.fields["contact_mode"].choices = [("new", _("Create a new contact"))]
            self.fields["contact_mode"].initial = "new"
            self.fields["contact_mode"].widget = forms.HiddenInput()
        if lead.company_id or not lead.company_name:
            del self.fields["create_company"]


class JunkForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "—"), *list(Lead.JunkReason.choices)]
    )
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Responsible"), queryset=None)
    reason = forms.CharField(label=_("Comment"), max_length=500, required=False)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class LeadNoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("What did the client say?")}),
    )


class WebFormForm(forms.ModelForm):
    origins = forms.CharField(
        label=_("Allowed sites"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://example.ru"}),
        help_text=_("One site address per line; only these sites may send the form."),
    )

    class Meta:
        model = WebForm
        fields = ["name", "product", "success_message", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True)
        if self.instance.pk:
            self.fields["origins"].initial = "\n".join(self.instance.allowed_origins or [])

    def clean_origins(self) -> list[str]:
        lines = (self.cleaned_data.get("origins") or "").splitlines()
        return [line.strip() for line in lines if line.strip()]

    def service_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in self.Meta.fields}
        data["allowed_origins"] = self.cleaned_data["origins"]
        return data

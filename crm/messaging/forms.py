"""Forms of the messages' pages; the services check everything again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MessageTemplate, OutboundMessage, Suppression


class TemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["name", "code", "channel", "purpose", "language", "subject", "body", "is_active"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 14, "class": "mono", "spellcheck": "true"}),
            "subject": forms.TextInput(attrs={"class": "mono"}),
        }

    def _post_clean(self) -> None:
        # The model's own checks (the template's syntax and names) run in the service, which
        # reports them as field errors; running them here too would say everything twice.
        pass


class SuppressionForm(forms.Form):
    address = forms.EmailField(label=_("E-mail address"), max_length=254)
    reason = forms.ChoiceField(
        label=_("Reason"), choices=Suppression.Reason.choices, initial=Suppression.Reason.MANUAL
    )
    comment = forms.CharField(label=_("Comment"), max_length=255, required=False)


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), *OutboundMessage.Status.choices],
        required=False,
    )

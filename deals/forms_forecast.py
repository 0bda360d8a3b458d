"""Forms of the forecast page, the plan grid and the sales generator's rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Tag

from .models import Pipeline, Product, RepeatDealRule, Stage
from .selectors.forecast import MAX_MONTHS, Period, month_add, period_default
from .services.repeat import DEFAULT_TITLE, MAX_AFTER_DAYS


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (``<input type="month">``), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"})
    default_error_messages = {"invalid": gettext_lazy("Enter a month as YYYY-MM.")}

    def to_python(self, value):
        value = super().to_python(value).strip()
        if not value:
            return None
        try:
            return dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        return value.strftime("%Y-%m") if isinstance(value, dt.date) else value


class PeriodForm(forms.Form):
    start = MonthField(label=gettext_lazy("From"), required=False)
    end = MonthField(label=gettext_lazy("To"), required=False)
    pipeline = forms.ModelChoiceField(
        label=gettext_lazy("Pipeline"),
        queryset=Pipeline.objects.filter(is_active=True).order_by("order", "name"),
        required=False,
        empty_label=None,
    )

    def __init__(self, *args, default: Period | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.default = default or period_default()
        self.initial.setdefault("start", self.default.first)
        self.initial.setdefault("end", self.default.last)

    def clean(self):
        data = super().clean()
        start = data.get("start") or self.default.first
        end = data.get("end") or month_add(start, len(self.default.months) - 1)
        if "start" in self.errors or "end" in self.errors:
            return data
        if end < start:
            self.add_error("end", _("The period ends before it starts."))
        elif (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
            self.add_error("end", _("Choose at most %(n)s months.") % {"n": MAX_MONTHS})
        data["start"], data["end"] = start, end
        return data

    @property
    def period(self) -> Period:
        if self.is_bound and self.is_valid():
            return Period(self.cleaned_data["start"], self.cleaned_data["end"])
        return self.default


class AmountField(forms.DecimalField):
    """A sum as people type it: "1 500 000,50", "1500000.50", "1,500,000.50"."""

    def to_python(self, value):
        if isinstance(value, str):
            value = "".join(value.split()).replace("\u202f", "")
            if "," in value and "." not in value and value.count(",") == 1:
                value = value.replace(",", ".")
            else:
                value = value.replace(",", "")
        return super().to_python(value)


def amount_text(amount: Decimal) -> str:
    """1050000.00 → "1 050 000", 1050000.5 → "1 050 000.50": readable, and read back as typed."""
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    return text.replace(",", " ")


def plan_field_name(manager_id: int, month: dt.date) -> str:
    return f"plan-{manager_id}-{month:%Y-%m}"


class PlanGridForm(forms.Form):
    """One input per manager and month; empty removes the month's plan."""

    def __init__(self, *args, managers, months, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.managers, self.months = list(managers), list(months)
        for manager in self.managers:
            for month in self.months:
                name = plan_field_name(manager.pk, month)
                self.fields[name] = AmountField(
                    label=f"{manager} · {month:%m.%Y}",
                    required=False,
                    min_value=Decimal("0"),
                    max_digits=14,
                    decimal_places=2,
                    widget=forms.TextInput(
                        attrs={"inputmode": "decimal", "class": "plan-input", "size": 10}
                    ),
                )
                amount = plans.get((manager.pk, month))
                if amount is not None:
                    self.initial[name] = amount_text(amount)

    def rows(self):
        for manager in self.managers:
            yield manager, [self[plan_field_name(manager.pk, m)] for m in self.months]

    def cells(self) -> dict:
        return {
            (manager, month): self.cleaned_data.get(plan_field_name(manager.pk, month))
            for manager in self.managers
            for month in self.months
        }


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Stage) -> str:
        return f"{obj.pipeline.name} → {obj.name}"


class RepeatRuleForm(forms.ModelForm):
    """The fields of a rule; the service checks them together (a stage of the pipeline, at
    least a day) and its errors land here."""

    target_stage = StageChoiceField(
        label=gettext_lazy("open the repeat deal in"),
        queryset=Stage.objects.filter(kind=Stage.Kind.OPEN, pipeline__is_active=True)
        .select_related("pipeline")
        .order_by("pipeline__order", "pipeline__name", "order"),
    )

    class Meta:
        model = RepeatDealRule
        fields = [
            "name",
            "source_pipeline",
            "target_stage",
            "after_days",
            "products",
            "tags",
            "title_template",
            "is_active",
        ]
        widgets = {"after_days": forms.NumberInput(attrs={"min": 1, "max": MAX_AFTER_DAYS})}
        help_texts = {
            "after_days": gettext_lazy("Counted from the day the deal was won."),
            "products": gettext_lazy(
                "The won deal has a line with any of them. With neither products nor tags, "
                "every deal won in the pipeline."
            ),
            "tags": gettext_lazy("Or the client has any of these tags."),
            "title_template": gettext_lazy("{title} is the won deal's title."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_pipeline"].queryset = Pipeline.objects.filter(is_active=True)
        self.fields["products"].queryset = Product.objects.order_by("name")
        self.fields["tags"].queryset = Tag.objects.order_by("name")
        self.fields["products"].required = False
        self.fields["tags"].required = False
        if not self.instance.pk:
            self.initial.setdefault("title_template", _(DEFAULT_TITLE))

    def _post_clean(self):
        # The model's own checks run in the service, which also sees the pipeline and stage
        # together; the ModelForm's instance validation would only repeat some of them.
        pass

    def service_data(self) -> dict:
        return dict(self.cleaned_data)

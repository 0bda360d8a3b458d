"""The robots and triggers of a pipeline, set up by a head of sales: the stages as columns,
each with its rules; a rule is added and changed in a form that the automation services
check (the same check as the API's)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.automation import selectors as automation_selectors
from crm.automation import services as automation
from crm.automation.models import AutomationRule
from crm.automation.registry import AUTOMATION_ACTIONS, AUTOMATION_EVENTS
from crm.permissions import require_permission

from ..models import Pipeline
from ..robots import KIND, deal_url
from ..selectors.deals import deals_visible_to, pipelines_active, stages_of

CONDITION_ROWS = 3
ACTION_SLOTS = 3
UNITS = {"minutes": 1, "hours": 60, "days": 1440}
OPERATOR_LABELS = [
    ("eq", gettext_lazy("is")),
    ("ne", gettext_lazy("is not")),
    ("gt", gettext_lazy("more than")),
    ("gte", gettext_lazy("at least")),
    ("lt", gettext_lazy("less than")),
    ("lte", gettext_lazy("at most")),
    ("contains", gettext_lazy("contains")),
    ("in", gettext_lazy("one of (comma-separated)")),
    ("empty", gettext_lazy("is empty")),
    ("not_empty", gettext_lazy("is not empty")),
]


def _events():
    return [e for e in AUTOMATION_EVENTS if e.kind == KIND]


def _actions():
    return [a for a in AUTOMATION_ACTIONS if a.code.startswith("deals.")]


class RobotForm(forms.Form):
    """The rule's own fields, its condition rows and its action slots; each chosen action's
    parameters are a form of their own (``action_forms``), prefixed ``a<slot>``."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    event = forms.ChoiceField(label=gettext_lazy("When"))
    stage = forms.ChoiceField(label=gettext_lazy("Stage"), required=False)
    delay_value = forms.IntegerField(
        label=gettext_lazy("After (for a time condition: how long)"), min_value=0, initial=0
    )
    delay_unit = forms.ChoiceField(
        label=gettext_lazy("Unit"),
        choices=[
            ("minutes", gettext_lazy("minutes")),
            ("hours", gettext_lazy("hours")),
            ("days", gettext_lazy("days")),
        ],
        initial="minutes",
    )
    is_active = forms.BooleanField(label=gettext_lazy("On"), required=False, initial=True)

    def __init__(self, *args, pipeline: Pipeline, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pipeline = pipeline
        events = _events()
        self.fields["event"].choices = [(e.code, e.label) for e in events]
        self.fields["stage"].choices = [("", _("Any stage"))] + [
            (str(s.pk), s.name) for s in stages_of(pipeline)
        ]
        parameters: dict = {}
        for event in events:
            parameters.update(event.parameters)
        field_choices = [("", "—"), *parameters.items()]
        for i in range(CONDITION_ROWS):
            self.fields[f"cond-{i}-field"] = forms.ChoiceField(
                label=gettext_lazy("Field"), choices=field_choices, required=False
            )
            self.fields[f"cond-{i}-op"] = forms.ChoiceField(
                label=gettext_lazy("Condition"), choices=OPERATOR_LABELS, required=False
            )
            self.fields[f"cond-{i}-value"] = forms.CharField(
                label=gettext_lazy("Value"), required=False, max_length=255
            )
        action_choices = [("", "—")] + [(a.code, a.label) for a in _actions()]
        for i in range(ACTION_SLOTS):
            self.fields[f"act-{i}-code"] = forms.ChoiceField(
                label=gettext_lazy("Action %(n)s") % {"n": i + 1},
                choices=action_choices,
                required=False,
            )
        self.action_forms = self._action_forms()

    def _chosen(self, i: int) -> str:
        key = self.add_prefix(f"act-{i}-code")
        if self.is_bound:
            return self.data.get(key, "")
        return self.initial.get(f"act-{i}-code", "")

    def _action_forms(self) -> list:
        """For each slot: (slot, code field, the chosen action's parameter form or None)."""
        scope = {"pipeline": self.pipeline.pk}
        slots = []
        for i in range(ACTION_SLOTS):
            spec = AUTOMATION_ACTIONS.get(self._chosen(i) or "")
            sub = None
            if spec is not None:
                prefix = f"a{i}"
                if self.is_bound:
                    sub = spec.form(data=self.data, prefix=prefix, scope=scope)
                else:
                    raw = self.initial.get("_raw")
                    if raw is not None:
                        start = f"{prefix}-"
                        initial = {
                            k[len(start) :]: v for k, v in raw.items() if k.startswith(start)
                        }
                    else:
                        initial = self.initial.get(f"act-{i}-params") or {}
                    sub = spec.form(initial=initial, prefix=prefix, scope=scope)
            slots.append((i, self[f"act-{i}-code"], sub))
        return slots

    @property
    def condition_rows(self) -> list:
        return [
            (self[f"cond-{i}-field"], self[f"cond-{i}-op"], self[f"cond-{i}-value"])
            for i in range(CONDITION_ROWS)
        ]

    def rule_fields(self) -> dict:
        """What the services get: the raw rule, checked there."""
        data = self.cleaned_data
        scope = {"pipeline": self.pipeline.pk}
        if data.get("stage"):
            scope["stage"] = data["stage"]
        conditions = [
            {
                "field": data[f"cond-{i}-field"],
                "op": data[f"cond-{i}-op"] or "eq",
                "value": data[f"cond-{i}-value"],
            }
            for i in range(CONDITION_ROWS)
            if data.get(f"cond-{i}-field")
        ]
        actions = []
        for i, _code, sub in self.action_forms:
            if sub is None:
                continue
            params = {name: sub[name].value() for name in sub.fields}
            actions.append({"code": data[f"act-{i}-code"], "params": params, "slot": i})
        self._slots = [a.pop("slot") for a in actions]
        return {
            "name": data["name"],
            "event": data["event"],
            "scope": scope,
            "conditions": conditions,
            "delay_minutes": (data.get("delay_value") or 0) * UNITS[data["delay_unit"]],
            "actions": actions,
            "is_active": data.get("is_active", False),
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """The services' errors on the fields they are about (an action's parameter on its
        slot's form)."""
        for key, messages in error.message_dict.items():
            parts = key.split(".")
            if key == "delay_minutes":
                self.add_error("delay_value", messages)
            elif parts[0] == "scope":
                self.add_error("stage", messages)
            elif parts[0] == "conditions" and len(parts) >= 2:
                self.add_error(
                    f"cond-{parts[1]}-{parts[2] if len(parts) > 2 else 'field'}", messages
                )
            elif parts[0] == "actions" and len(parts) >= 3:
                slot = self._slots[int(parts[1])] if int(parts[1]) < len(self._slots) else 0
                sub = self.action_forms[slot][2]
                if parts[2] == "code" or sub is None:
                    self.add_error(f"act-{slot}-code", messages)
                else:
                    field = parts[2] if parts[2] in sub.fields else None
                    sub.add_error(field, messages)
            elif key in self.fields:
                self.add_error(key, messages)
            else:
                self.add_error(None, messages)


def _initial(rule: AutomationRule) -> dict:
    minutes = rule.delay_minutes
    unit = (
        "days"
        if minutes and minutes % 1440 == 0
        else "hours"
        if minutes and minutes % 60 == 0
        else "minutes"
    )
    initial = {
        "name": rule.name,
        "event": rule.event,
        "stage": str(rule.scope.get("stage", "")),
        "delay_value": minutes // UNITS[unit],
        "delay_unit": unit,
        "is_active": rule.is_active,
    }
    for i, cond in enumerate(rule.conditions[:CONDITION_ROWS]):
        initial.update(
            {
                f"cond-{i}-field": cond["field"],
                f"cond-{i}-op": cond["op"],
                f"cond-{i}-value": cond["value"],
            }
        )
    for i, action in enumerate(rule.actions[:ACTION_SLOTS]):
        initial[f"act-{i}-code"] = action["code"]
        initial[f"act-{i}-params"] = action.get("params") or {}
    return initial


def _delay_text(rule: AutomationRule) -> str:
    minutes = rule.delay_minutes
    if not minutes:
        return ""
    if minutes % 1440 == 0:
        amount = _("%(n)s d") % {"n": minutes // 1440}
    elif minutes % 60 == 0:
        amount = _("%(n)s h") % {"n": minutes // 60}
    else:
        amount = _("%(n)s min") % {"n": minutes}
    event = AUTOMATION_EVENTS.get(rule.event)
    if event is not None and event.timed:
        return amount
    return _("after %(delay)s") % {"delay": amount}


class RuleCard:
    """A rule as its card shows it."""

    def __init__(self, rule: AutomationRule, stage_names: dict | None = None) -> None:
        self.rule = rule
        event = AUTOMATION_EVENTS.get(rule.event)
        self.event_label = event.label if event else rule.event
        self.delay = _delay_text(rule)
        self.actions = []
        self.is_trigger = False
        for item in rule.actions:
            spec = AUTOMATION_ACTIONS.get(item.get("code", ""))
            if spec is None:
                self.actions.append((item.get("code", ""), ""))
                continue
            self.is_trigger = self.is_trigger or spec.moves
            params = item.get("params") or {}
            summary = spec.summary(params)
            if spec.moves and stage_names is not None:
                summary = "→ " + stage_names.get(params.get("stage"), "?")
            self.actions.append((spec.label, summary))


def _board_context(pipeline: Pipeline) -> dict:
    stages = list(stages_of(pipeline))
    rules = list(automation_selectors.rules_of_scope(pipeline=pipeline.pk).order_by("id"))
    by_stage: dict = {None: []}
    for stage in stages:
        by_stage[stage.pk] = []
    names = {s.pk: s.name for s in stages}
    for rule in rules:
        by_stage.setdefault(rule.scope.get("stage"), []).append(RuleCard(rule, names))
    columns = [(None, by_stage[None])] + [(s, by_stage.get(s.pk, [])) for s in stages]
    return {"pipeline": pipeline, "columns": columns, "pipelines": list(pipelines_active())}


@login_required
def robots_default(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "automation.view_automationrule")
    pipeline = pipelines_active().first()
    if pipeline is None:
        return render(
            request, "deals/robots/board.html", {"pipeline": None, "columns": [], "pipelines": []}
        )
    return redirect("deals:robots", pk=pipeline.pk)


@login_required
def robots(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "automation.view_automationrule")
    pipeline = get_object_or_404(Pipeline, pk=pk)
    context = _board_context(pipeline)
    context["can_change"] = request.user.has_perm("automation.change_automationrule")
    return render(request, "deals/robots/board.html", context)


def _form_response(request, form, *, rule=None, status=200) -> HttpResponse:
    context = {
        "form": form,
        "rule": rule,
        "pipeline": form.pipeline,
        "action_url": (
            reverse("deals:robot-edit", args=[rule.pk])
            if rule
            else reverse("deals:robot-create", args=[form.pipeline.pk])
        ),
    }
    template = "deals/robots/_form.html" if request.htmx else "deals/robots/form_page.html"
    return render(request, template, context, status=status)


def _saved(request, pipeline: Pipeline) -> HttpResponse:
    url = reverse("deals:robots", args=[pipeline.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _save(request, form: RobotForm, rule: AutomationRule | None) -> HttpResponse:
    if request.POST.get("refresh"):
        # The action chosen in a slot changed: show its parameters, save nothing.
        initial = {
            **request.POST.dict(),
            "is_active": "is_active" in request.POST,
            "_raw": request.POST,
        }
        return _form_response(
            request, RobotForm(pipeline=form.pipeline, initial=initial), rule=rule
        )
    if not form.is_valid():
        return _form_response(request, form, rule=rule, status=400)
    fields = form.rule_fields()
    try:
        if rule is None:
            automation.rule_create(actor=request.user, **fields)
        else:
            automation.rule_update(actor=request.user, rule=rule, **fields)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _form_response(request, form, rule=rule, status=400)
    return _saved(request, form.pipeline)


@login_required
def robot_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "automation.add_automationrule")
    pipeline = get_object_or_404(Pipeline, pk=pk)
    if request.method == "POST":
        return _save(request, RobotForm(pipeline=pipeline, data=request.POST), None)
    initial = {
        "stage": request.GET.get("stage", ""),
        "is_active": True,
        "event": "deals.stage_entered",
    }
    return _form_response(request, RobotForm(pipeline=pipeline, initial=initial))


def _rule_of_pipeline(pk: int) -> tuple[AutomationRule, Pipeline]:
    rule = get_object_or_404(AutomationRule, pk=pk, event__startswith="deals.")
    pipeline = get_object_or_404(Pipeline, pk=(rule.scope or {}).get("pipeline") or 0)
    return rule, pipeline


@login_required
def robot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "automation.change_automationrule")
    rule, pipeline = _rule_of_pipeline(pk)
    if request.method == "POST":
        return _save(request, RobotForm(pipeline=pipeline, data=request.POST), rule)
    return _form_response(request, RobotForm(pipeline=pipeline, initial=_initial(rule)), rule=rule)


@login_required
@require_POST
def robot_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "automation.change_automationrule")
    rule, pipeline = _rule_of_pipeline(pk)
    automation.rule_set_active(actor=request.user, rule=rule, is_active=not rule.is_active)
    if request.htmx:
        return render(
            request,
            "deals/robots/_rule_card.html",
            {
                "card": RuleCard(rule, {s.pk: s.name for s in stages_of(pipeline)}),
                "can_change": True,
                "pipeline": pipeline,
            },
        )
    return redirect("deals:robots", pk=pipeline.pk)


@login_required
@require_POST
def run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """A failed run tried again from the deal card (the actions it did stay done)."""
    require_permission(request.user, "automation.change_automationrule")
    run = get_object_or_404(automation_selectors.runs_visible_to(request.user), pk=pk)
    try:
        automation.run_retry(actor=request.user, run=run)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    deal = get_object_or_404(deals_visible_to(request.user), pk=run.object_id)
    if request.htmx:
        return render(
            request,
            "deals/robots/runs_block.html",
            {
                "runs": automation_selectors.runs_of(deal),
                "deal": deal,
                "can_retry": True,
            },
        )
    return redirect(deal_url(deal) or reverse("deals:robots", args=[deal.pipeline_id]))

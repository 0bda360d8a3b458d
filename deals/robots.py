"""Sales on the automation engine (crm/automation): the deal as a kind of object, what can
happen to a deal (events, fed by the receivers of deals/signals.py), what a robot can do to
it (actions), and the deal card's block of runs.

A robot is a rule scoped to a pipeline and a stage ("on entering Замер: a task in 2 hours");
a trigger is a rule whose action moves the deal on an event ("invoice paid → Производство").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.automation.registry import (
    AUTOMATION_ACTIONS,
    AUTOMATION_EVENTS,
    AUTOMATION_KINDS,
    AutomationAction,
    AutomationEvent,
    AutomationKind,
    Fail,
    Retry,
    Skip,
)

from . import signals
from .hooks import DEAL_CARD_BLOCKS, DealCardBlock

log = logging.getLogger(__name__)

KIND = "deals.deal"
SCOPES = ("pipeline", "stage")
# Fields a robot may set (deals.services.deals.UPDATABLE without the people and relations).
SETTABLE = ("title", "amount", "currency", "source", "expected_close_date")
# An inbound message of these kinds on the deal's contact is the client replying.
REPLY_KINDS = ("email", "sms", "chat", "portal")
WEBHOOK_TIMEOUT = 5

PARAMETERS = {
    "title": gettext_lazy("Title"),
    "amount": gettext_lazy("Amount"),
    "currency": gettext_lazy("Currency"),
    "source": gettext_lazy("Source"),
    "owner": gettext_lazy("Responsible (id)"),
    "stage": gettext_lazy("Stage (id)"),
    "has_contact": gettext_lazy("Has a contact"),
    "expected_close_date": gettext_lazy("Expected close"),
}


# --- the deal as a kind of object -----------------------------------------------------------


def _scope_of(deal) -> dict:
    return {"pipeline": deal.pipeline_id, "stage": deal.stage_id}


def _values_of(deal) -> dict:
    values = {
        "title": deal.title,
        "amount": str(deal.amount),
        "currency": deal.currency,
        "source": deal.source,
        "owner": deal.owner_id,
        "stage": deal.stage_id,
        "pipeline": deal.pipeline_id,
        "has_contact": "yes" if deal.contact_id else "",
        "expected_close_date": deal.expected_close_date.isoformat()
        if deal.expected_close_date
        else "",
    }
    for key, value in (deal.custom or {}).items():
        values[f"custom.{key}"] = value
    return values


def _clean_scope(scope: dict) -> dict:
    from .models import Pipeline, Stage

    cleaned, errors = {}, {}
    pipeline_id, stage_id = scope.get("pipeline"), scope.get("stage")
    if pipeline_id not in (None, ""):
        try:
            cleaned["pipeline"] = Pipeline.objects.get(pk=int(pipeline_id)).pk
        except (Pipeline.DoesNotExist, TypeError, ValueError):
            errors["scope.pipeline"] = [_("No such pipeline.")]
    if stage_id not in (None, ""):
        try:
            stage = Stage.objects.get(pk=int(stage_id))
        except (Stage.DoesNotExist, TypeError, ValueError):
            errors["scope.stage"] = [_("No such stage.")]
        else:
            if "pipeline" in cleaned and stage.pipeline_id != cleaned["pipeline"]:
                errors["scope.stage"] = [_("The stage belongs to another pipeline.")]
            cleaned["stage"] = stage.pk
            cleaned.setdefault("pipeline", stage.pipeline_id)
    if errors:
        raise ValidationError(errors)
    return cleaned


def deal_url(deal) -> str:
    return deal.get_absolute_url()


def _responsible(deal):
    return deal.owner


def _visible_to(user):
    from .selectors.deals import deals_visible_to

    return deals_visible_to(user)


# --- timed events ---------------------------------------------------------------------------


def _open_deals(rule):
    from .models import Deal

    qs = Deal.objects.filter(closed_at__isnull=True)
    scope = rule.scope or {}
    if "pipeline" in scope:
        qs = qs.filter(pipeline_id=scope["pipeline"])
    if "stage" in scope:
        qs = qs.filter(stage_id=scope["stage"])
    return qs


def _poll_in_stage(rule, now):
    since = now - dt.timedelta(minutes=rule.delay_minutes)
    return _open_deals(rule).filter(stage_entered_at__lte=since), "stage_entered_at"


def _poll_idle(rule, now):
    since = now - dt.timedelta(minutes=rule.delay_minutes)
    return _open_deals(rule).filter(last_activity_at__lte=since), "last_activity_at"


# --- actions --------------------------------------------------------------------------------


class ActionForm(forms.Form):
    """The parameters of one action; ``scope`` is the rule's (its pipeline and stage)."""

    def __init__(self, *args, scope: dict | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope or {}


class TaskForm(ActionForm):
    title = forms.CharField(label=gettext_lazy("Task"), max_length=255)
    due_in_minutes = forms.IntegerField(
        label=gettext_lazy("Deadline in, minutes"),
        min_value=0,
        max_value=366 * 24 * 60,
        initial=120,
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, max_length=2000
    )


def _run_task(deal, params, run) -> dict:
    from crm.services import task_create

    # The owner gives the task to themselves: no permission a robot lacks, no "new task"
    # notification about one's own deal.
    task = task_create(
        actor=deal.owner,
        title=params["title"],
        description=params.get("description", ""),
        due_at=timezone.now() + dt.timedelta(minutes=int(params.get("due_in_minutes") or 0)),
        assignee=deal.owner,
        subject=deal,
    )
    return {"task": task.pk}


class EmailForm(ActionForm):
    template = forms.CharField(label=gettext_lazy("Message template (code)"), max_length=100)

    def clean_template(self) -> str:
        code = self.cleaned_data["template"].strip()
        try:
            from crm.messaging.models import MessageTemplate
        except ImportError as exc:
            raise ValidationError(_("Message templates are not available.")) from exc
        if not MessageTemplate.objects.filter(code=code).exists():
            raise ValidationError(
                _("There is no message template “%(code)s”.") % {"code": code}, code="missing"
            )
        return code


def _client_address(deal) -> str:
    if deal.contact_id is None:
        return ""
    email = deal.contact.emails.order_by("-is_primary", "id").first()
    return email.address if email else ""


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _message_context(deal) -> dict:
    """The variables crm/messaging's MESSAGE_VARIABLES promise a template of the funnel, as
    plain data (the sandbox takes no model instances)."""
    contact, company, owner = deal.contact, deal.company, deal.owner
    invoice = deal.invoices.exclude(status="cancelled").order_by("-created_at").first()
    return {
        "client": {
            "name": str(contact) if contact else "",
            "first_name": (contact.first_name if contact else "") or "",
        },
        "company": {"name": company.name if company else ""},
        "manager": {"name": str(owner), "email": owner.email, "phone": owner.phone},
        "deal": {
            "title": deal.title,
            "amount": deal.amount,
            "currency": deal.currency,
            "stage": deal.stage.label_for_client,
            "url": _absolute(deal.get_absolute_url()),
        },
        "invoice": {
            "number": invoice.display_number if invoice else "",
            "total": invoice.total if invoice else deal.amount,
            "currency": invoice.currency if invoice else deal.currency,
            "due_on": invoice.due_on if invoice else None,
            "url": _absolute(reverse("deals:invoice-pdf", args=[invoice.pk])) if invoice else "",
        },
    }


def _run_email(deal, params, run) -> dict:
    from crm.messaging import services as messaging

    to = _client_address(deal)
    if not to:
        raise Skip(_("the client has no e-mail address"))
    try:
        message = messaging.email_compose(
            actor=None,
            template_code=params["template"],
            to=to,
            context=_message_context(deal),
            key=run.action_key,
            related=deal,
        )
    except messaging.MessageRefused as exc:
        raise Skip(str(exc) or _("the message was refused")) from exc
    except messaging.TemplateMissing as exc:
        raise Fail(
            _("There is no message template “%(code)s”.") % {"code": params["template"]}
        ) from exc
    try:
        messaging.message_deliver(message_id=message.pk)
    except messaging.DeliveryFailed as exc:
        raise Retry(str(exc) or _("the mail server did not take the message")) from exc
    return {"message": message.pk}


class InvoiceForm(ActionForm):
    due_in_days = forms.IntegerField(
        label=gettext_lazy("Due in, days"), min_value=0, max_value=365, required=False, initial=5
    )


def _run_invoice(deal, params, run) -> dict:
    from .services.invoices import invoice_create_from_deal

    days = params.get("due_in_days")
    due_on = timezone.localdate() + dt.timedelta(days=int(days)) if days is not None else None
    invoice = invoice_create_from_deal(actor=None, deal=deal, due_on=due_on)
    return {"invoice": invoice.pk, "number": str(getattr(invoice, "number", ""))}


class NotifyForm(ActionForm):
    RECIPIENTS = [
        ("owner", gettext_lazy("The responsible")),
        ("head", gettext_lazy("The head of the responsible's team")),
        ("user", gettext_lazy("A person")),
    ]
    recipient = forms.ChoiceField(label=gettext_lazy("Whom"), choices=RECIPIENTS, initial="owner")
    user = forms.TypedChoiceField(
        label=gettext_lazy("The person to notify"), coerce=int, required=False, empty_value=None
    )
    text = forms.CharField(label=gettext_lazy("Text"), max_length=255)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from crm.models import User

        people = User.objects.filter(is_active=True).order_by("last_name", "first_name", "id")
        self.fields["user"].choices = [("", "—")] + [(p.pk, str(p)) for p in people[:500]]

    def clean(self):
        data = super().clean()
        if data.get("recipient") == "user" and not data.get("user"):
            self.add_error("user", _("Choose an active person."))
        return data


def _run_notify(deal, params, run) -> dict:
    from crm.models import User
    from crm.services import notification_create

    who = params.get("recipient", "owner")
    if who == "head":
        team = deal.owner.team
        person = team.head if team is not None else None
    elif who == "user":
        person = User.objects.filter(pk=params.get("user"), is_active=True).first()
    else:
        person = deal.owner
    if person is None:
        raise Skip(_("nobody to notify"))
    note = notification_create(
        recipient=person,
        kind="robot",
        title=f"{params['text']}: {deal.title}",
        url=deal_url(deal),
        dedupe_key=f"robot:{run.action_key}",
    )
    return {"notification": note.pk if note else None, "recipient": person.pk}


class SetFieldForm(ActionForm):
    field = forms.ChoiceField(
        label=gettext_lazy("Field"),
        choices=[(f, PARAMETERS[f]) for f in SETTABLE],
    )
    value = forms.CharField(label=gettext_lazy("Value"), max_length=255, required=False)

    def clean(self):
        data = super().clean()
        field, value = data.get("field"), (data.get("value") or "").strip()
        if field == "amount":
            try:
                if Decimal(value) < 0:
                    raise ValueError
            except Exception:
                self.add_error("value", _("Enter an amount of zero or more."))
        elif field == "expected_close_date" and value:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                self.add_error("value", _("Enter a date as YYYY-MM-DD."))
        elif field == "title" and not value:
            self.add_error("value", _("Give the deal a title."))
        data["value"] = value
        return data


def _run_set_field(deal, params, run) -> dict:
    from .services.deals import deal_update

    field, value = params["field"], params.get("value", "")
    if field == "expected_close_date":
        value = dt.date.fromisoformat(value) if value else None
    deal_update(actor=None, deal=deal, **{field: value})
    return {"field": field, "value": params.get("value", "")}


class MoveForm(ActionForm):
    stage = forms.TypedChoiceField(label=gettext_lazy("Move to the stage"), coerce=int)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from .models import Stage

        # The rule's pipeline's stages; a lost stage needs a reason a robot cannot give.
        stages = Stage.objects.filter(pipeline_id=self.scope.get("pipeline") or 0).exclude(
            kind=Stage.Kind.LOST
        )
        self.fields["stage"].choices = [(s.pk, s.name) for s in stages.order_by("order", "id")]
        self.fields["stage"].error_messages["invalid_choice"] = _(
            "Choose a stage of the rule's pipeline."
        )


def _run_move(deal, params, run) -> dict:
    from .models import Stage
    from .services.deals import deal_move_to_stage

    stage = Stage.objects.filter(pk=params["stage"], pipeline_id=deal.pipeline_id).first()
    if stage is None:
        raise Skip(_("the stage is not in the deal's pipeline"))
    if deal.stage_id == stage.pk:
        raise Skip(_("the deal is already in this stage"))
    deal_move_to_stage(actor=None, deal=deal, stage=stage)
    return {"from": deal.stage_id, "to": stage.pk}


class WebhookForm(ActionForm):
    url = forms.URLField(label=gettext_lazy("Address (URL)"), max_length=500, assume_scheme="https")


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """What the receiver recomputes: HMAC-SHA256 of "<timestamp>.<body>" with the rule's
    secret, so a replayed body with a new timestamp does not verify."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _run_webhook(deal, params, run) -> dict:
    body = json.dumps(
        {
            "event": run.rule.event,
            "rule": run.rule.pk,
            "delivery": run.action_key,
            "deal": {
                "id": deal.pk,
                "title": deal.title,
                "amount": str(deal.amount),
                "currency": deal.currency,
                "pipeline": deal.pipeline_id,
                "stage": deal.stage_id,
                "owner": deal.owner_id,
            },
        },
        ensure_ascii=False,
    ).encode()
    timestamp = str(int(time.time()))
    # Only http(s): the form accepts URLs alone.
    request = urllib.request.Request(  # noqa: S310
        params["url"],
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "CRM-Webhook/1",
            "X-CRM-Timestamp": timestamp,
            "X-CRM-Signature": webhook_signature(run.rule.secret, timestamp, body),
            # The same delivery id on every retry: the receiver can drop a repeat.
            "X-CRM-Delivery": run.action_key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
            return {"status": response.status}
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code == 429:
            raise Retry(f"HTTP {exc.code}") from exc
        raise Fail(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise Retry(str(getattr(exc, "reason", exc))) from exc


def _summary_task(p):
    return _("%(title)s, in %(minutes)s min") % {
        "title": p.get("title", ""),
        "minutes": p.get("due_in_minutes", 0),
    }


ACTIONS = [
    AutomationAction(
        "deals.task",
        gettext_lazy("Create a task for the responsible"),
        TaskForm,
        _run_task,
        summary=_summary_task,
    ),
    AutomationAction(
        "deals.email",
        gettext_lazy("Send the client an e-mail"),
        EmailForm,
        _run_email,
        atomic=False,
        summary=lambda p: p.get("template", ""),
    ),
    AutomationAction(
        "deals.invoice",
        gettext_lazy("Create an invoice from the deal's products"),
        InvoiceForm,
        _run_invoice,
    ),
    AutomationAction(
        "deals.notify",
        gettext_lazy("Notify a person"),
        NotifyForm,
        _run_notify,
        summary=lambda p: p.get("text", ""),
    ),
    AutomationAction(
        "deals.set_field",
        gettext_lazy("Set a field"),
        SetFieldForm,
        _run_set_field,
        summary=lambda p: f"{p.get('field', '')} = {p.get('value', '')}",
    ),
    AutomationAction(
        "deals.move",
        gettext_lazy("Move the deal to a stage"),
        MoveForm,
        _run_move,
        moves=True,
    ),
    AutomationAction(
        "deals.webhook",
        gettext_lazy("Call a webhook"),
        WebhookForm,
        _run_webhook,
        atomic=False,
        summary=lambda p: p.get("url", ""),
    ),
]


EVENTS = [
    AutomationEvent(
        "deals.stage_entered", gettext_lazy("The deal entered the stage"), KIND, PARAMETERS, SCOPES
    ),
    AutomationEvent("deals.created", gettext_lazy("A deal was created"), KIND, PARAMETERS, SCOPES),
    AutomationEvent(
        "deals.field_changed",
        gettext_lazy("A field of the deal changed"),
        KIND,
        {**PARAMETERS, "changed": gettext_lazy("Changed fields")},
        SCOPES,
    ),
    AutomationEvent(
        "deals.invoice_paid", gettext_lazy("An invoice was paid"), KIND, PARAMETERS, SCOPES
    ),
    AutomationEvent(
        "deals.client_replied", gettext_lazy("The client replied"), KIND, PARAMETERS, SCOPES
    ),
    AutomationEvent(
        "deals.form_filled",
        gettext_lazy("The client filled a form"),
        KIND,
        {**PARAMETERS, "lead_channel": gettext_lazy("Channel of the request")},
        SCOPES,
    ),
    AutomationEvent(
        "deals.in_stage",
        gettext_lazy("Time in the stage"),
        KIND,
        PARAMETERS,
        SCOPES,
        poll=_poll_in_stage,
    ),
    AutomationEvent(
        "deals.idle", gettext_lazy("No activity"), KIND, PARAMETERS, SCOPES, poll=_poll_idle
    ),
]


# --- receivers of sales' signals --------------------------------------------------------------


def _event(event: str, deal, occasion: str, context: dict | None = None) -> None:
    from crm.automation.services import automation_event

    try:
        automation_event(event=event, obj=deal, occasion=occasion, context=context)
    except Exception:
        # Heard after the commit: the move or payment that fired the robots is saved and
        # must not answer with an error for them.
        log.exception("robots of %s on deal %s were not scheduled", event, deal.pk)


def stay_occasion(deal) -> str:
    """Once per stay in a stage: the stage and the moment the deal entered it."""
    return f"stage:{deal.stage_id}:{int(deal.stage_entered_at.timestamp() * 1000)}"


def on_deal_created(sender, deal, actor=None, **kwargs) -> None:
    _event("deals.created", deal, "created")
    # The deal entered its first stage: that stage's robots run too.
    _event("deals.stage_entered", deal, stay_occasion(deal))


def on_deal_stage_changed(
    sender, deal, from_stage=None, to_stage=None, actor=None, **kwargs
) -> None:
    _event("deals.stage_entered", deal, stay_occasion(deal))


def on_deal_field_changed(sender, deal, changes, actor=None, **kwargs) -> None:
    fields = sorted(changes)
    stamp = int(deal.updated_at.timestamp() * 1000) if deal.updated_at else 0
    _event(
        "deals.field_changed",
        deal,
        f"changed:{','.join(fields)}:{stamp}"[:120],
        {"values": {"changed": fields}},
    )


def on_invoice_paid(sender, invoice, **kwargs) -> None:
    if invoice.deal_id is None:
        return
    from .models import Deal

    deal = Deal.objects.filter(pk=invoice.deal_id).first()
    if deal is not None:
        _event("deals.invoice_paid", deal, f"invoice:{invoice.pk}", {"invoice": invoice.pk})


def _open_deals_of(contact_id) -> list:
    from .models import Deal

    return list(
        Deal.objects.filter(contact_id=contact_id, closed_at__isnull=True).order_by("-id")[:20]
    )


def on_lead_received(sender, lead, **kwargs) -> None:
    if lead.contact_id is None:
        return
    for deal in _open_deals_of(lead.contact_id):
        _event(
            "deals.form_filled",
            deal,
            f"lead:{lead.pk}",
            {"lead": lead.pk, "values": {"lead_channel": lead.channel}},
        )


def on_interaction_saved(sender, instance, created, **kwargs) -> None:
    """An inbound message on a contact is the client replying on every open deal of theirs.
    Heard after the commit, like the signals of sales."""
    if not created or instance.direction != "in" or instance.kind not in REPLY_KINDS:
        return
    contact_id, interaction_id = instance.contact_id, instance.pk

    def fire() -> None:
        for deal in _open_deals_of(contact_id):
            _event(
                "deals.client_replied",
                deal,
                f"interaction:{interaction_id}",
                {"interaction": interaction_id},
            )

    transaction.on_commit(fire)


# --- the deal card's block --------------------------------------------------------------------


def runs_block(deal, user):
    if not user.has_perm("automation.view_automationrun"):
        return None
    from crm.automation.selectors import runs_of

    return DealCardBlock(
        title=_("Robots"),
        template="deals/robots/runs_block.html",
        context={
            "runs": runs_of(deal),
            "can_retry": user.has_perm("automation.change_automationrule"),
        },
    )


def automation_register() -> None:
    """Called from ``DealsConfig.ready()``."""
    from contacts.models import Interaction

    AUTOMATION_KINDS.register(
        KIND,
        AutomationKind(
            code=KIND,
            label=gettext_lazy("Deal"),
            model="deals.Deal",
            visible_to=_visible_to,
            scope_of=_scope_of,
            values_of=_values_of,
            responsible=_responsible,
            clean_scope=_clean_scope,
        ),
    )
    for order, event in enumerate(EVENTS):
        AUTOMATION_EVENTS.register(event.code, event, order=order)
    for order, action in enumerate(ACTIONS):
        AUTOMATION_ACTIONS.register(action.code, action, order=order)
    signals.deal_created.connect(on_deal_created, dispatch_uid="robots.deal_created")
    signals.deal_stage_changed.connect(on_deal_stage_changed, dispatch_uid="robots.stage_changed")
    signals.deal_field_changed.connect(on_deal_field_changed, dispatch_uid="robots.field_changed")
    signals.invoice_paid.connect(on_invoice_paid, dispatch_uid="robots.invoice_paid")
    signals.lead_received.connect(on_lead_received, dispatch_uid="robots.lead_received")
    post_save.connect(
        on_interaction_saved, sender=Interaction, dispatch_uid="robots.client_replied"
    )
    DEAL_CARD_BLOCKS.register("automation-runs", runs_block, order=500)

"""Robots and a trigger of the furniture workshop ("Мебель на заказ"), set up by the head of
sales: what the guide shows on the robots page and on the deal card."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError

from crm.automation.models import AutomationRule
from crm.automation.services import automation_event, rule_create

from ..robots import stay_occasion

log = logging.getLogger(__name__)

PIPELINE = "Мебель на заказ"
HEAD = "head@example.com"


def _robot(ctx, pipeline, stages, *, name, event, stage=None, actions, delay_minutes=0):
    if AutomationRule.objects.filter(name=name, scope__pipeline=pipeline.pk).exists():
        return None
    scope = {"pipeline": pipeline.pk}
    if stage:
        scope["stage"] = stages[stage].pk
    head = ctx.user(HEAD)
    try:
        return rule_create(
            actor=head,
            name=name,
            event=event,
            scope=scope,
            actions=actions,
            delay_minutes=delay_minutes,
        )
    except ValidationError as exc:
        # The e-mail needs its template from the messages' demo; without it the robot keeps
        # its other actions.
        kept = [a for a in actions if a["code"] != "deals.email"]
        if kept == actions:
            raise
        log.warning("demo robot %s without its e-mail: %s", name, exc)
        return rule_create(
            actor=head,
            name=name,
            event=event,
            scope=scope,
            actions=kept,
            delay_minutes=delay_minutes,
        )


def load(ctx) -> None:
    from ..models import Deal, Pipeline

    pipeline = Pipeline.objects.filter(name=PIPELINE).first()
    if pipeline is None:
        return
    stages = {s.name: s for s in pipeline.stages.all()}
    if not {"Замер", "Договор", "Производство"} <= set(stages):
        return
    measure = _robot(
        ctx,
        pipeline,
        stages,
        name="Подтвердить замер",
        event="deals.stage_entered",
        stage="Замер",
        actions=[
            {"code": "deals.task", "params": {"title": "Подтвердить замер", "due_in_minutes": 120}},
            {"code": "deals.email", "params": {"template": "deal_measurement_booked"}},
        ],
    )
    _robot(
        ctx,
        pipeline,
        stages,
        name="Счёт по договору",
        event="deals.stage_entered",
        stage="Договор",
        actions=[{"code": "deals.invoice", "params": {"due_in_days": 5}}],
    )
    _robot(
        ctx,
        pipeline,
        stages,
        name="Сделка без движения 3 дня",
        event="deals.idle",
        delay_minutes=3 * 24 * 60,
        actions=[
            {
                "code": "deals.notify",
                "params": {"recipient": "head", "text": "Сделка без движения 3 дня", "user": None},
            }
        ],
    )
    _robot(
        ctx,
        pipeline,
        stages,
        name="Оплата → Производство",
        event="deals.invoice_paid",
        actions=[{"code": "deals.move", "params": {"stage": stages["Производство"].pk}}],
    )
    if measure is not None:
        # A few deals already in "Замер" get the robot's run, so their cards show one.
        for deal in Deal.objects.filter(pipeline=pipeline, stage=stages["Замер"]).order_by("id")[
            :3
        ]:
            automation_event(event="deals.stage_entered", obj=deal, occasion=stay_occasion(deal))

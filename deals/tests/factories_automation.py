"""Robots and triggers for the tests of sales' automation."""

from __future__ import annotations

from crm.automation.models import AutomationRule
from crm.automation.services import rule_create
from deals.models import Pipeline

from .factories import stage as stage_named


def robot(
    pipeline: Pipeline,
    stage: str | None,
    *actions: tuple[str, dict],
    event: str = "deals.stage_entered",
    **fields,
) -> AutomationRule:
    """A rule of ``pipeline`` (narrowed to the stage named ``stage`` unless None)."""
    scope = {"pipeline": pipeline.pk}
    if stage:
        scope["stage"] = stage_named(pipeline, stage).pk
    return rule_create(
        actor=None,
        name=fields.pop("name", f"Робот {event}"),
        event=event,
        scope=scope,
        actions=[{"code": code, "params": params} for code, params in actions],
        **fields,
    )


TASK = ("deals.task", {"title": "Подтвердить замер", "due_in_minutes": 120})

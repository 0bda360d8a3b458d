"""The engine tested on its own: a kind of object of the core (teams), events and actions of
the tests' own, so that nothing here depends on the apps that use the engine."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import timezone

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
from crm.models import Task, Team

FLAKY: dict[str, int] = {}


class TitleForm(forms.Form):
    title = forms.CharField(max_length=100)

    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)


class NoParams(forms.Form):
    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)


def _task(team, params, run):
    """A task for the team's head, titled by the run: a second one would show as a duplicate."""
    task = Task.objects.create(
        title=f"{params['title']} {run.action_key}",
        assignee=team.head,
        created_by=team.head,
        due_at=timezone.now(),
    )
    return {"task": task.pk}


def _flaky(team, params, run):
    """Fails the first ``FLAKY[run_key]`` times it is called for a run."""
    left = FLAKY.get(run.run_key, 0)
    if left:
        FLAKY[run.run_key] = left - 1
        raise Retry("SMTP down")
    return {"ok": True}


def _always_down(team, params, run):
    raise Retry("connection refused")


def _refused(team, params, run):
    raise Skip("no consent")


def _broken(team, params, run):
    raise Fail("HTTP 404")


@pytest.fixture
def engine(registry_override, db):
    """Registers the kind "test.team", the events "test.happened" and the actions
    "test.task", "test.flaky", "test.down", "test.refused", "test.broken"."""
    FLAKY.clear()
    for registry in (AUTOMATION_KINDS, AUTOMATION_EVENTS, AUTOMATION_ACTIONS):
        registry_override(registry)
    AUTOMATION_KINDS.register(
        "test.team",
        AutomationKind(
            code="test.team",
            label="Team",
            model="crm.Team",
            visible_to=lambda user: Team.objects.filter(head=user),
            scope_of=lambda team: {"visibility": team.visibility},
            values_of=lambda team: {"name": team.name},
            responsible=lambda team: team.head,
        ),
    )
    AUTOMATION_EVENTS.register(
        "test.happened",
        AutomationEvent(
            "test.happened", "Happened", "test.team", {"name": "Name"}, ("visibility",)
        ),
    )
    for code, form, run, atomic in [
        ("test.task", TitleForm, _task, True),
        ("test.flaky", NoParams, _flaky, False),
        ("test.down", NoParams, _always_down, False),
        ("test.refused", NoParams, _refused, False),
        ("test.broken", NoParams, _broken, False),
    ]:
        AUTOMATION_ACTIONS.register(code, AutomationAction(code, code, form, run, atomic=atomic))
    return FLAKY

"""What the engine knows of the apps that use it, filled from their ``AppConfig.ready()``.

- ``AUTOMATION_KINDS``: a kind of object rules act on ("deals.deal"): its model, who may see
  which objects (the app's own selector), the scope of an object (its pipeline and stage)
  that rules are narrowed by, the values conditions test, the person told of a failure.
- ``AUTOMATION_EVENTS``: what can happen to an object of a kind ("deal entered a stage").
  A timed event ("N hours in the stage", "no activity for N days") gives ``poll``: the
  objects that meet a rule's time condition now, each with its occasion, so that a rule
  runs once per stay in the stage or once per quiet spell however often beat asks.
- ``AUTOMATION_ACTIONS``: what a rule can do: ``form`` checks and cleans the parameters
  (its errors are the field messages), ``run(obj, params, run)`` does it and returns what it
  did; it raises ``Retry`` on a failure that may pass (SMTP down, a webhook's 5xx),
  ``Skip`` when there is nothing to do (no consent), anything else fails the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Model, QuerySet

from crm.registry import Registry


class Retry(Exception):
    """A failure that may pass: the run is tried again later, with backoff."""


class Skip(Exception):
    """Nothing to do (no address, no consent, the deal left the stage): recorded as skipped."""


class Fail(Exception):
    """A failure that will not pass by trying again (a 4xx of a webhook): the run fails."""


@dataclass(frozen=True)
class AutomationKind:
    code: str
    label: Any
    model: str  # "app_label.ModelName"
    visible_to: Callable[[Any], QuerySet]
    scope_of: Callable[[Model], dict[str, Any]]
    values_of: Callable[[Model], dict[str, Any]]
    responsible: Callable[[Model], Any] = lambda obj: None
    # Checks a rule's scope ({"pipeline": 3, "stage": 12}), raising ValidationError by key.
    clean_scope: Callable[[dict], dict] | None = None

    @property
    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)


@dataclass(frozen=True)
class AutomationEvent:
    code: str
    label: Any
    kind: str
    # What conditions may test: {name: label}; the kind's values_of gives them.
    parameters: dict[str, Any] = field(default_factory=dict)
    # The scope keys rules of this event may be narrowed by ("pipeline", "stage").
    scopes: tuple[str, ...] = ()
    # Timed events: ``poll(rule, now) -> [(obj, occasion, since)]``; the rule's
    # ``delay_minutes`` is then the time condition ("2 hours in the stage").
    poll: Callable[[Any, Any], Iterable[tuple[Model, str, Any]]] | None = None

    @property
    def timed(self) -> bool:
        return self.poll is not None


@dataclass(frozen=True)
class AutomationAction:
    code: str
    label: Any
    # A Django form over the parameters: ``form(data=params, scope=rule_scope)``; its
    # ``cleaned_data`` (JSON-ready) is what is stored and what ``run`` gets.
    form: type
    run: Callable[[Model, dict, Any], dict]
    # True: the action's writes and the record that it is done commit together, so a retry
    # cannot repeat it. False for actions reaching outside the database (e-mail, webhook):
    # they make their effect idempotent by the key the run gives them.
    atomic: bool = True
    # A trigger's action: it moves the object on (shown as a trigger rather than a robot).
    moves: bool = False
    summary: Callable[[dict], str] = lambda params: ""


AUTOMATION_KINDS: Registry[AutomationKind] = Registry("automation kinds")
AUTOMATION_EVENTS: Registry[AutomationEvent] = Registry("automation events")
AUTOMATION_ACTIONS: Registry[AutomationAction] = Registry("automation actions")

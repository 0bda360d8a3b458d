"""Kinds of items the routing engine assigns: a lead now, a ticket or a call later.

An app tells the engine about its kind of item once, from its ``AppConfig.ready()``::

    ROUTING_KINDS.register("deals.lead", RoutingKind(code="deals.lead", ...))

and the engine never imports the app: everything it needs to know about an item — what the
conditions of a rule may look at, how many open items each person already holds, how to hand
an item to a person, whether the person took it — comes through the kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from crm.registry import Registry

# What an attribute reads off an item: one value, several (a product is matched by its SKU or
# its name), or nothing.
AttributeValue = str | list[str] | None


@dataclass(frozen=True)
class Attribute:
    """Something about an item a condition can test; ``choices`` (value, label) are offered
    in the rule's form when the values are a fixed list."""

    label: Any
    read: Callable[[Any], AttributeValue]
    choices: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class RoutingKind:
    """One kind of item.

    - ``model``: the item's model; the engine locks its row while it routes it.
    - ``attributes``: name → ``Attribute`` for conditions. Conditions may also test the time of
      day (``hour``) and any custom field (``custom.<code>``, read by ``custom``).
    - ``load(user_ids) -> {user_id: open items}``: what counts against a person's cap and
      what "least loaded" compares.
    - ``assign(item, user, reason)``: hands the item to the person (the app's own service, so
      that its history and notifications are the usual ones).
    - ``is_assigned(item)``: the item already has someone (routing it again does nothing).
    - ``is_taken(item)``: the person took it into work; an item not taken in time is
      reassigned.
    - ``client_manager(item) -> user id | None``: the client's own manager, for "sticky".
    - ``skills(item)`` and ``territory(item)``: what the "skills and territory" strategy
      matches against people's routing profiles.
    - ``pending() -> ids``: items that came in and still have nobody (the sweep tries them
      again, e.g. when everyone was away when they arrived).
    """

    code: str
    label: Any
    model: type[Model]
    attributes: dict[str, Attribute]
    load: Callable[[Iterable[int]], dict[int, int]]
    assign: Callable[[Any, Any, str], None]
    is_assigned: Callable[[Any], bool]
    is_taken: Callable[[Any], bool]
    client_manager: Callable[[Any], int | None] = lambda item: None
    skills: Callable[[Any], set[str]] = lambda item: set()
    territory: Callable[[Any], str] = lambda item: ""
    custom: Callable[[Any], dict] = lambda item: {}
    pending: Callable[[], Iterable[int]] = lambda: ()
    item_label: Callable[[Any], str] = str
    item_url: Callable[[Any], str] = lambda item: ""
    # The page of an item known only by its id (the assignment log links there).
    url_of_id: Callable[[int], str] = lambda item_id: ""
    extra: dict = field(default_factory=dict)


ROUTING_KINDS: Registry[RoutingKind] = Registry("routing kinds")


def routing_kind(code: str) -> RoutingKind:
    """The registered kind ``code``; ``LookupError`` when no app registered it."""
    kind = ROUTING_KINDS.get(code)
    if kind is None:
        raise LookupError(f"No routing kind {code!r} is registered")
    return kind


def routing_kind_register(kind: RoutingKind, *, order: int = 100) -> RoutingKind:
    ROUTING_KINDS.register(kind.code, kind, order=order)
    return kind

"""Routing rules of the demo: Moscow's B2B requests by region, the client's own manager for
known clients, and a round robin over Sales North for everything else."""

from __future__ import annotations

from crm.demo import DEMO_LOADERS, DemoContext
from crm.models import Team

from .models import RoutingProfile, RoutingRule, Strategy
from .services import routing_rule_create

LEAD = "deals.lead"


def load(ctx: DemoContext) -> None:
    north = Team.objects.filter(name="Sales North").first()
    manager = ctx.user("manager@example.com")
    manager2 = ctx.user("manager2@example.com")
    RoutingProfile.objects.update_or_create(
        user=manager,
        defaults={"skills": ["Кухня", "Шкаф-купе"], "regions": ["Москва"], "cap": 30},
    )
    RoutingProfile.objects.update_or_create(
        user=manager2, defaults={"skills": ["en", "Гардеробная"], "regions": ["Московская область"]}
    )
    rules = [
        {
            "name": "Москва B2B",
            "order": 10,
            "conditions": [
                {"field": "region", "op": "in", "value": ["Москва", "Московская область"]},
                {"field": "company_name", "op": "not_empty", "value": None},
            ],
            "strategy": Strategy.SKILLS,
            "cap": 30,
            "take_within_minutes": 30,
            "people": [manager, manager2],
        },
        {
            "name": "Постоянные клиенты — своему менеджеру",
            "order": 20,
            "conditions": [{"field": "client_known", "op": "eq", "value": "yes"}],
            "strategy": Strategy.STICKY,
            "take_within_minutes": 60,
            "team": north,
        },
        {
            "name": "Sales North — по очереди",
            "order": 30,
            "conditions": [],
            "strategy": Strategy.ROUND_ROBIN,
            "cap": 50,
            "take_within_minutes": 60,
            "team": north,
        },
    ]
    for values in rules:
        if RoutingRule.objects.filter(kind=LEAD, name=values["name"]).exists():
            continue
        people = values.pop("people", [])
        if values.get("team", True) is None and not people:
            continue  # the core demo has no Sales North: nobody to route to
        routing_rule_create(actor=None, kind=LEAD, people=people, **values)


def demo_loaders_register() -> None:
    """Called from ``RoutingConfig.ready()``; after the pipelines, before the leads."""
    DEMO_LOADERS.register("routing.rules", load, order=215)

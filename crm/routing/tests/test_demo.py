"""The demo's routing rules: loaded after the core's people, valid, and loaded once."""

from __future__ import annotations

import pytest

from crm.demo import DEMO_LOADERS, DemoContext, load_core
from crm.routing.demo import load
from crm.routing.models import RoutingProfile, RoutingRule, Strategy

pytestmark = pytest.mark.django_db


def test_the_demo_rules_are_made_once_and_in_order():
    assert DEMO_LOADERS.get("routing.rules") is load
    ctx = DemoContext(password="demo-Pa55word-1")
    load_core(ctx)

    load(ctx)
    load(ctx)

    rules = list(RoutingRule.objects.filter(kind="deals.lead").order_by("order"))
    assert [(r.name, r.strategy) for r in rules] == [
        ("Москва B2B", Strategy.SKILLS),
        ("Постоянные клиенты — своему менеджеру", Strategy.STICKY),
        ("Sales North — по очереди", Strategy.ROUND_ROBIN),
    ]
    assert rules[0].conditions[0] == {
        "field": "region",
        "op": "in",
        "value": ["Москва", "Московская область"],
    }
    assert rules[2].team.name == "Sales North"
    assert RoutingProfile.objects.get(user__email="manager@example.com").regions == ["Москва"]

"""The demo's robots on the furniture workshop, loaded once however often the demo loads."""

from __future__ import annotations

import pytest

from crm.automation.models import AutomationRule, AutomationRun
from crm.demo import DemoContext
from crm.models import Role
from crm.tests.factories import UserFactory
from deals.demo import robots as demo_robots
from deals.models import Stage

from .factories import DealFactory, PipelineFactory

pytestmark = pytest.mark.django_db

FURNITURE = [
    ("Заявка", 10, Stage.Kind.OPEN),
    ("Замер", 20, Stage.Kind.OPEN),
    ("Дизайн-проект", 40, Stage.Kind.OPEN),
    ("Договор", 60, Stage.Kind.OPEN),
    ("Производство", 80, Stage.Kind.OPEN),
    ("Доставка", 90, Stage.Kind.OPEN),
    ("Сделка успешна", 100, Stage.Kind.WON),
    ("Сделка провалена", 0, Stage.Kind.LOST),
]


def test_the_demo_sets_up_the_workshops_robots_once(team_a):
    head = UserFactory(email="head@example.com", role=Role.HEAD, team=team_a)
    pipeline = PipelineFactory(name="Мебель на заказ", stages=FURNITURE)
    DealFactory(pipeline=pipeline, stage=pipeline.stages.get(name="Замер"))
    ctx = DemoContext(password="x")

    demo_robots.load(ctx)
    demo_robots.load(ctx)

    rules = {r.name: r for r in AutomationRule.objects.all()}
    assert set(rules) == {
        "Подтвердить замер",
        "Счёт по договору",
        "Сделка без движения 3 дня",
        "Оплата → Производство",
    }
    assert rules["Оплата → Производство"].actions == [
        {"code": "deals.move", "params": {"stage": pipeline.stages.get(name="Производство").pk}}
    ]
    assert rules["Подтвердить замер"].actions[0]["params"]["title"] == "Подтвердить замер"
    assert all(r.created_by == head for r in rules.values())
    assert AutomationRun.objects.count() == 1


def test_without_the_workshop_the_demo_adds_nothing(db):
    demo_robots.load(DemoContext(password="x"))
    assert not AutomationRule.objects.exists()

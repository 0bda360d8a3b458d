"""Demo: sales plans of the demo sellers for the last three and the next three months, and a
sales generator rule for the furniture workshop."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from crm.models import Role, User

from ..models import Pipeline, RepeatDealRule, SalesPlan, Stage
from ..selectors.forecast import month_add, month_start

# The demo pipeline the deals part creates; found by name.
FURNITURE = "Мебель на заказ"
# Monthly plan in roubles per demo seller, for the last three months, this one and the next
# three; each month a little higher than the one before.
BASE_PLAN = {
    "head@example.com": Decimal("900000"),
    "manager@example.com": Decimal("1500000"),
    "manager2@example.com": Decimal("1200000"),
}


def load(ctx) -> None:
    this = month_start(ctx.now.date())
    sellers = User.objects.filter(
        Q(email__in=list(BASE_PLAN)) & Q(groups__name__in=[Role.MANAGER, Role.HEAD])
    ).distinct()
    for seller in sellers:
        base = BASE_PLAN[seller.email.lower()]
        for offset in range(-3, 4):
            amount = base + Decimal(50000) * (offset + 3)
            SalesPlan.objects.get_or_create(
                manager=seller,
                month=month_add(this, offset),
                defaults={"amount": amount, "currency": "RUB"},
            )
    pipeline = Pipeline.objects.filter(name=FURNITURE).first()
    if pipeline is None:
        return
    first = Stage.objects.filter(pipeline=pipeline, kind=Stage.Kind.OPEN).order_by("order").first()
    if first is None:
        return
    RepeatDealRule.objects.get_or_create(
        name="Повторная продажа через 365 дней",
        defaults={
            "source_pipeline": pipeline,
            "target_stage": first,
            "after_days": 365,
            "title_template": "Повторная продажа: {title}",
        },
    )

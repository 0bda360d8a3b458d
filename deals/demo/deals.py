"""The demo's sales funnel: the two pipelines every other part of sales finds by name, the
loss reasons, and deals in every stage of both for the demo managers, with a stage history
whose times look like real work."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from contacts.models import Contact, Source, Tag
from deals.models import Deal, DealStageChange, LossReason, Pipeline, Stage

SEED = 9

FURNITURE = "Мебель на заказ"
WHOLESALE = "Опт B2B"

# name, client label, probability, kind, colour
PIPELINES = {
    FURNITURE: [
        ("Заявка", "Заявка принята", 10, "open", "#6b7bd6"),
        ("Замер", "Замерщик приедет", 25, "open", "#4f9bd9"),
        ("Дизайн-проект", "Готовим проект", 40, "open", "#3aa6a0"),
        ("Договор", "Договор на подписании", 60, "open", "#d49a2a"),
        ("Производство", "Изделие в производстве", 80, "open", "#c76b2b"),
        ("Доставка", "Доставка и монтаж", 90, "open", "#8a5cc7"),
        ("Сделка успешна", "Заказ выполнен", 100, "won", "#1f8a4c"),
        ("Сделка провалена", "Заказ отменён", 0, "lost", "#c0312b"),
    ],
    WHOLESALE: [
        ("Новый запрос", "Запрос получен", 10, "open", "#6b7bd6"),
        ("Коммерческое предложение", "Готовим предложение", 30, "open", "#4f9bd9"),
        ("Переговоры", "Согласование условий", 55, "open", "#d49a2a"),
        ("Счёт выставлен", "Ожидаем оплату", 85, "open", "#8a5cc7"),
        ("Сделка успешна", "Поставка выполнена", 100, "won", "#1f8a4c"),
        ("Сделка провалена", "Заказ отменён", 0, "lost", "#c0312b"),
    ],
}

LOSS_REASONS = [
    "Дорого",
    "Выбрали конкурента",
    "Не устроили сроки",
    "Клиент передумал",
    "Не дозвонились",
    "Нет бюджета",
]

FURNITURE_TITLES = [
    ("Кухня угловая", 180_000, 520_000),
    ("Шкаф-купе в прихожую", 60_000, 160_000),
    ("Гардеробная", 120_000, 350_000),
    ("Детская комната", 90_000, 240_000),
    ("Кухня с островом", 400_000, 900_000),
    ("Встроенный шкаф в нишу", 45_000, 120_000),
    ("Стеллаж в кабинет", 35_000, 90_000),
    ("Мебель для ванной", 50_000, 140_000),
    ("Прихожая под ключ", 70_000, 190_000),
    ("Спальный гарнитур", 150_000, 420_000),
]
WHOLESALE_TITLES = [
    ("Поставка фасадов МДФ", 300_000, 1_800_000),
    ("Фурнитура Blum, партия", 150_000, 900_000),
    ("Столешницы для сети кофеен", 400_000, 1_500_000),
    ("Мебель для офиса, 3 этажа", 900_000, 4_500_000),
    ("Кромка ПВХ, годовой контракт", 200_000, 700_000),
    ("Корпусная мебель для гостиницы", 1_200_000, 6_000_000),
    ("ЛДСП Egger, поставка", 250_000, 1_100_000),
    ("Торговое оборудование для магазина", 500_000, 2_400_000),
]
# Hours a deal typically stays in a stage of each pipeline, by position (low, high).
STAY = [(2, 30), (24, 96), (48, 240), (24, 168), (120, 480), (24, 120)]
OWNERS = ("manager@example.com", "manager2@example.com", "head@example.com")
DEALS_PER_STAGE = {FURNITURE: 4, WHOLESALE: 3}
TAGS = ["VIP", "Повторный", "Срочно"]


def _pipelines() -> dict[str, tuple[Pipeline, list[Stage]]]:
    made = {}
    for order, (name, stages) in enumerate(PIPELINES.items()):
        pipeline, _created = Pipeline.objects.get_or_create(name=name, defaults={"order": order})
        rows = []
        for position, (stage_name, label, probability, kind, color) in enumerate(stages):
            stage, _created = Stage.objects.update_or_create(
                pipeline=pipeline,
                name=stage_name,
                defaults={
                    "client_label": label,
                    "probability": probability,
                    "kind": kind,
                    "order": position,
                    "color": color,
                },
            )
            rows.append(stage)
        made[name] = (pipeline, rows)
    return made


def load(ctx) -> None:
    rng = random.Random(SEED)  # noqa: S311 - demo data, the same on every machine
    now = ctx.now
    pipelines = _pipelines()
    reasons = [
        LossReason.objects.get_or_create(name=name, defaults={"order": i})[0]
        for i, name in enumerate(LOSS_REASONS)
    ]
    tags = [Tag.objects.filter(name__iexact=n).first() or Tag.objects.create(name=n) for n in TAGS]
    owners = [ctx.user(email) for email in OWNERS]
    contacts = {
        owner.pk: list(
            Contact.objects.filter(owner=owner, merged_into__isnull=True)
            .select_related("company")
            .order_by("id")[:60]
        )
        for owner in owners
    }
    sources = [Source.WEB_FORM, Source.CALL, Source.REFERRAL, Source.CAMPAIGN, Source.EXHIBITION]
    for name, (pipeline, stages) in pipelines.items():
        titles = FURNITURE_TITLES if name == FURNITURE else WHOLESALE_TITLES
        opens = [s for s in stages if s.kind == Stage.Kind.OPEN]
        for target in stages:
            for n in range(DEALS_PER_STAGE[name]):
                owner = owners[n % len(owners)]
                title, low, high = rng.choice(titles)
                pool = contacts.get(owner.pk) or []
                contact = rng.choice(pool) if pool else None
                if name == WHOLESALE and contact is not None and contact.company:
                    title = f"{title} — {contact.company.name}"
                amount = Decimal(rng.randrange(low, high, 500))
                # The path the deal took: the open stages up to the target (a lost deal fell
                # out somewhere along the way), each with a plausible stay.
                if target.kind == Stage.Kind.OPEN:
                    path = opens[: opens.index(target) + 1]
                elif target.kind == Stage.Kind.WON:
                    path = [*opens, target]
                else:
                    path = [*opens[: rng.randint(1, len(opens))], target]
                stays = [
                    dt.timedelta(hours=rng.uniform(*STAY[min(i, len(STAY) - 1)]))
                    for i in range(len(path))
                ]
                # The current stage's stay runs until now; the deal opened that long ago.
                created = now - sum(stays, dt.timedelta())
                closed = target.kind != Stage.Kind.OPEN
                deal = Deal.objects.create(
                    title=title[:255],
                    pipeline=pipeline,
                    stage=target,
                    owner=owner,
                    contact=contact,
                    company=contact.company if contact else None,
                    amount=amount,
                    currency=pipeline.currency,
                    source=rng.choice(sources),
                    expected_close_date=(now + dt.timedelta(days=rng.randint(7, 60))).date()
                    if not closed
                    else None,
                    stage_entered_at=now - stays[-1],
                    last_activity_at=now - stays[-1] / 2,
                    closed_at=(now - stays[-1]) if closed else None,
                    loss_reason=rng.choice(reasons) if target.kind == Stage.Kind.LOST else None,
                    loss_comment="Клиент выбрал вариант дешевле"
                    if target.kind == Stage.Kind.LOST and n == 0
                    else "",
                    created_by=owner,
                    created_at=created,
                )
                if rng.random() < 0.35:
                    deal.tags.add(rng.choice(tags))
                at, previous, previous_stay = created, None, dt.timedelta()
                changes = []
                for stage, stay in zip(path, stays, strict=True):
                    changes.append(
                        DealStageChange(
                            deal=deal,
                            from_stage=previous,
                            to_stage=stage,
                            changed_by=owner,
                            changed_at=at,
                            seconds_in_previous=int(previous_stay.total_seconds()),
                        )
                    )
                    previous, previous_stay = stage, stay
                    at += stay
                DealStageChange.objects.bulk_create(changes)

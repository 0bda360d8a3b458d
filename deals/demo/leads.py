"""Demo leads: two weeks of requests from every channel — a furniture workshop's site form
with UTM tags from Yandex Direct and VK, calls, e-mails, the API of a marketplace, walk-ins —
some new and unassigned, some in work, converted into deals, or junk."""

from __future__ import annotations

import datetime as dt

from contacts.models import Source

from ..models import Lead, Pipeline, Product
from ..models.leads import LeadNote
from ..selectors.deals import pipelines_active
from ..services import leads as services

MANAGER = "manager@example.com"
MANAGER2 = "manager2@example.com"
HEAD = "head@example.com"
OPERATOR = "operator@example.com"

YANDEX = {"utm_source": "yandex", "utm_medium": "cpc", "utm_campaign": "kuhni-moskva"}
VK = {"utm_source": "vk", "utm_medium": "social", "utm_campaign": "shkafy-osen"}
GOOGLE = {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "garderobnye"}

# (days ago, hours, channel, data, who gets it, what happens: new / work / converted / junk)
LEADS = [
    (13, 10, "web_form", {"name": "Ирина Волкова", "phone": "+79031112233", "message": "Нужна кухня 3,2 м, угловая, фасады МДФ.", **YANDEX}, MANAGER, "converted"),
    (13, 15, "call", {"name": "Олег", "phone": "+79262223344", "message": "Звонил по поводу шкафа-купе в прихожую."}, MANAGER, "work"),
    (12, 11, "web_form", {"name": "Светлана Крылова", "email": "krylova.sv@mail.example", "phone": "+79153334455", "message": "Сколько стоит гардеробная 2х2?", **GOOGLE}, MANAGER, "converted"),
    (12, 17, "email", {"email": "zakupki@stroymontazh.example", "company": "ООО «СтройМонтаж»", "message": "Просим коммерческое предложение на 40 офисных шкафов."}, HEAD, "work"),
    (11, 9, "web_form", {"name": "test", "phone": "+79990000000", "message": "http://spam.example/casino"}, MANAGER, "junk:spam"),
    (11, 13, "api", {"name": "Павел Михайлов", "phone": "+79164445566", "message": "Заказ с маркетплейса: тумба под ТВ.", "utm_source": "ozon"}, MANAGER, "converted"),
    (10, 12, "manual", {"name": "Татьяна Белова", "phone": "+79255556677", "message": "Пришла в салон, смотрела кухни в стиле лофт."}, MANAGER, "work"),
    (10, 16, "web_form", {"name": "Иван Петров", "phone": "+79161234567", "message": "Хочу ещё шкаф в детскую.", **VK}, MANAGER, "work"),
    (9, 10, "call", {"phone": "+79036667788", "message": "Не дозвонились повторно."}, MANAGER, "junk:unreachable"),
    (9, 14, "web_form", {"name": "Алина", "phone": "+79167778899", "message": "Интересует кухня-остров.", **YANDEX}, MANAGER2, "work"),
    (8, 11, "email", {"email": "n.fedorova@mail.example", "name": "Наталья Федорова", "message": "Можно ли заказать замер на выходные?"}, MANAGER, "work"),
    (8, 15, "web_form", {"name": "Константин", "phone": "+79268889900", "company": "Кафе «Уют»", "message": "Барная стойка и стеллажи для кафе.", **GOOGLE}, MANAGER2, "converted"),
    (7, 10, "call", {"name": "Галина Сергеевна", "phone": "+79059990011", "message": "Повторный заказ: встроенный шкаф."}, MANAGER, "converted"),
    (6, 12, "web_form", {"name": "Дубликат Волковой", "phone": "+79031112233", "message": "Кухня 3,2 м", **YANDEX}, MANAGER, "junk:duplicate"),
    (6, 16, "api", {"name": "Роман Егоров", "phone": "+79161011121", "message": "Маркетплейс: комод белый.", "utm_source": "wildberries"}, MANAGER, "work"),
    (5, 9, "web_form", {"name": "Мария Орлова", "phone": "+79031213141", "message": "Шкаф-купе 2,4 м с зеркалом.", **VK}, None, "new"),
    (4, 13, "manual", {"name": "Сергей Титов", "phone": "+79261415161", "company": "ИП Титов", "message": "Мебель для шоурума."}, HEAD, "work"),
    (4, 18, "web_form", {"name": "Екатерина", "email": "katya.design@mail.example", "message": "Дизайн-проект кухни, бюджет 400 тыс.", **GOOGLE}, None, "new"),
    (3, 11, "call", {"phone": "+79161617181", "message": "Спросил про сроки изготовления."}, None, "new"),
    (3, 15, "email", {"email": "office@vektor.example", "company": "ООО «Вектор»", "message": "Нужна мебель в переговорную."}, MANAGER, "new"),
    (2, 10, "web_form", {"name": "Андрей Соловьёв", "phone": "+79251819202", "message": "Кухня в новостройку, 12 м².", **YANDEX}, None, "new"),
    (2, 14, "web_form", {"name": "Buy cheap", "email": "seo@spam.example", "message": "SEO services"}, MANAGER, "junk:spam"),
    (1, 11, "api", {"name": "Ольга Зайцева", "phone": "+79162021222", "message": "Маркетплейс: стеллаж.", "utm_source": "ozon"}, None, "new"),
    (0, 9, "web_form", {"name": "Виктор Лебедев", "phone": "+79032223242", "message": "Перезвоните после 18:00, нужна гардеробная.", **VK}, None, "new"),
    (0, 11, "call", {"name": "Людмила", "phone": "+79262425262", "message": "Хочет замер на этой неделе."}, MANAGER, "new"),
]  # fmt: skip

NOTES = [
    "Перезвонила, клиент ждёт расчёт к пятнице.",
    "Отправила каталог фасадов на почту.",
    "Договорились о замере.",
]


def _repeat_clients(count: int) -> list[tuple[str, str]]:
    """(name, phone) of clients of the demo base with a short history: the converted demo
    leads are theirs, so that converting links them instead of adding people to the base."""
    from contacts.models import Phone

    found = []
    primary = Phone.objects.filter(contact__isnull=False, is_primary=True).select_related("contact")
    for phone in primary.order_by("id")[: count * 4]:
        person = phone.contact
        if person.merged_into_id is None and person.interactions.count() <= 60:
            found.append((f"{person.first_name} {person.last_name}".strip(), phone.number))
        if len(found) == count:
            break
    return found


def _pipeline() -> Pipeline | None:
    return Pipeline.objects.filter(name="Мебель на заказ").first() or pipelines_active().first()


def load(ctx) -> None:
    web_form = services.web_form_create(
        actor=None,
        name="Заявка на кухню",
        allowed_origins=["https://mebel-primer.ru"],
        product=Product.objects.filter(is_active=True).order_by("id").first(),
        success_message="Спасибо! Дизайнер перезвонит вам в течение часа.",
        is_active=True,
    )
    pipeline = _pipeline()
    products = list(Product.objects.filter(is_active=True).order_by("id")[:5])
    clients = _repeat_clients(sum(1 for row in LEADS if row[-1] == "converted"))
    for i, (days, hour, channel, data, owner_email, outcome) in enumerate(LEADS):
        received = (ctx.now - dt.timedelta(days=days)).replace(
            hour=hour, minute=(i * 7) % 60, second=0, microsecond=0
        )
        if received > ctx.now - dt.timedelta(minutes=30):  # "today at 11" may not have come yet
            received = ctx.now - dt.timedelta(minutes=35 + 25 * (len(LEADS) - i))
        fields = {**data, "created_at": received}
        if outcome == "converted" and clients:
            name, phone = clients.pop()
            fields.update(name=name, phone=phone, email="", company="")
        if channel == "web_form":
            fields["web_form"] = web_form
        elif channel == "manual":
            fields["source"] = Source.OTHER
        if products and "product" not in fields and i % 3 == 0:
            fields["product"] = products[i % len(products)]
        actor = ctx.user(OPERATOR) if channel == "call" else None
        lead = services.lead_create(actor=actor, channel=channel, data=fields)
        if owner_email is None:
            continue
        owner = ctx.user(owner_email)
        services.lead_assign_to(
            actor=None, lead=lead, owner=owner, reason="Демо: распределено по очереди."
        )
        assigned = received + dt.timedelta(minutes=3)
        Lead.objects.filter(pk=lead.pk).update(assigned_at=assigned)
        LeadNote.objects.filter(lead=lead).update(created_at=assigned)
        if outcome == "new":
            continue
        if outcome.startswith("junk:"):
            services.lead_junk(actor=owner, lead=lead, reason=outcome.split(":", 1)[1], comment="")
        else:
            services.lead_take(actor=owner, lead=lead)
            services.lead_note_add(actor=owner, lead=lead, text=NOTES[i % len(NOTES)])
            LeadNote.objects.filter(lead=lead, kind=LeadNote.Kind.NOTE).update(
                created_at=received + dt.timedelta(hours=2)
            )
            if outcome == "converted" and pipeline is not None:
                services.lead_convert(
                    actor=owner, lead=lead, pipeline=pipeline, create_company=False
                )
                Lead.objects.filter(pk=lead.pk).update(converted_at=received + dt.timedelta(days=1))
        Lead.objects.filter(pk=lead.pk).update(taken_at=received + dt.timedelta(minutes=15 + i))

"""Demo message templates: what the furniture workshop's robots send, in Russian."""

from __future__ import annotations

from crm.demo import DEMO_LOADERS, DemoContext

from . import services
from .models import MessageTemplate, Purpose, Suppression

TEMPLATES = [
    {
        "code": "deal_measurement_booked",
        "name": "Замер назначен",
        "purpose": Purpose.TRANSACTIONAL,
        "subject": "Замер назначен: {{ deal.title }}",
        "body": (
            "Здравствуйте, {{ client.first_name }}!\n\n"
            "По заказу «{{ deal.title }}» назначен замер. Замерщик позвонит, чтобы "
            "согласовать удобное время, и ещё раз — за час до приезда.\n\n"
            "Если время неудобно, ответьте на это письмо или позвоните мне: "
            "{{ manager.phone }}.\n\n"
            "С уважением,\n{{ manager.name }}"
        ),
    },
    {
        "code": "invoice_sent",
        "name": "Счёт на оплату",
        "purpose": Purpose.TRANSACTIONAL,
        "subject": "Счёт № {{ invoice.number }} на оплату",
        "body": (
            "Здравствуйте, {{ client.first_name }}!\n\n"
            "Направляем счёт № {{ invoice.number }} на сумму "
            "{{ invoice.total|money(invoice.currency) }}. Оплатить его нужно до "
            "{{ invoice.due_on|date }}.\n\n"
            "Счёт в PDF: {{ invoice.url }}\n\n"
            "С уважением,\n{{ manager.name }}"
        ),
    },
    {
        "code": "deal_won_thanks",
        "name": "Спасибо за заказ",
        "purpose": Purpose.TRANSACTIONAL,
        "subject": "Спасибо за заказ, {{ client.first_name }}!",
        "body": (
            "Здравствуйте, {{ client.first_name }}!\n\n"
            "Спасибо, что выбрали нас. Заказ «{{ deal.title }}» передан в работу, о каждом "
            "этапе мы сообщим.\n\n"
            "Будем рады вашему отзыву — просто ответьте на это письмо.\n\n"
            "С уважением,\n{{ manager.name }}"
        ),
    },
    {
        "code": "winter_sale",
        "name": "Зимняя распродажа",
        "purpose": Purpose.MARKETING,
        "subject": "{{ client.first_name }}, скидка 15% на кухни до конца января",
        "body": (
            "Здравствуйте, {{ client.first_name }}!\n\n"
            "До 31 января — скидка 15% на кухни и шкафы на заказ, замер и дизайн-проект "
            "бесплатно.\n\n"
            "Записаться на замер: https://mebel.example.com/zamer\n\n"
            "Вы получили это письмо, потому что согласились на рассылку. "
            "Отписаться: {{ unsubscribe_url }}"
        ),
    },
]

SUPPRESSED = [
    ("otpiska@example.com", Suppression.Reason.UNSUBSCRIBED),
    ("nevernyi-adres@example.com", Suppression.Reason.BOUNCED),
]


def load_messaging(ctx: DemoContext) -> None:
    head = ctx.user("head@example.com")
    for fields in TEMPLATES:
        if not MessageTemplate.objects.filter(code=fields["code"]).exists():
            services.template_create(actor=None, language="ru", **fields)
            MessageTemplate.objects.filter(code=fields["code"]).update(updated_by=head)
    for address, reason in SUPPRESSED:
        services.suppression_add(actor=None, address=address, reason=reason)
    Suppression.objects.filter(created_by__isnull=True).update(created_by=head)


def demo_loaders_register() -> None:
    """After the customer base (100), before the robots that name these templates; called
    from ``MessagingConfig.ready()``."""
    DEMO_LOADERS.register("messaging", load_messaging, order=160)

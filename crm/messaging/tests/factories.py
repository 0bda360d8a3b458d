from __future__ import annotations

import factory

from ..models import MessageTemplate, OutboundMessage, Purpose, Suppression


class MessageTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MessageTemplate
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"template_{n}")
    name = factory.Sequence(lambda n: f"Шаблон {n}")
    purpose = Purpose.TRANSACTIONAL
    language = "ru"
    subject = "Замер назначен: {{ deal.title }}"
    body = "Здравствуйте, {{ client.first_name }}!\n\nЗамер по заказу «{{ deal.title }}»."


class SuppressionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Suppression

    address = factory.Sequence(lambda n: f"stop{n}@example.com")
    reason = Suppression.Reason.UNSUBSCRIBED


class OutboundMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboundMessage

    key = factory.Sequence(lambda n: f"test:{n}")
    to = factory.Sequence(lambda n: f"client{n}@example.com")
    subject = "Счёт на оплату"
    body = "Здравствуйте!"
    template_code = "invoice_sent"

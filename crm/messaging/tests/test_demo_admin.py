"""The demo templates and the admin of messages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.demo import DEMO_LOADERS, DemoContext
from crm.messaging.models import MessageTemplate, Purpose, Suppression
from crm.messaging.rendering import template_errors

from .factories import MessageTemplateFactory, OutboundMessageFactory, SuppressionFactory

pytestmark = pytest.mark.django_db


def test_the_demo_templates_load_once_and_are_valid(head):
    load = DEMO_LOADERS.get("messaging")

    load(DemoContext(password="x"))
    load(DemoContext(password="x"))

    codes = set(MessageTemplate.objects.values_list("code", flat=True))
    assert {"deal_measurement_booked", "invoice_sent", "deal_won_thanks"} <= codes
    assert MessageTemplate.objects.filter(purpose=Purpose.MARKETING).exists()
    assert MessageTemplate.objects.get(code="invoice_sent").name == "Счёт на оплату"
    for template in MessageTemplate.objects.all():
        assert template_errors(subject=template.subject, body=template.body) == {}
    assert Suppression.objects.count() == 2


@pytest.mark.parametrize("model", ["messagetemplate", "suppression", "outboundmessage"])
def test_admin_pages_open(admin_client, model):
    MessageTemplateFactory()
    SuppressionFactory()
    OutboundMessageFactory()
    objects = {"messagetemplate": MessageTemplate, "suppression": Suppression}
    changelist = reverse(f"admin:messaging_{model}_changelist")

    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "x"}).status_code == 200
    if model in objects:
        pk = objects[model].objects.first().pk
        assert (
            admin_client.get(reverse(f"admin:messaging_{model}_change", args=[pk])).status_code
            == 200
        )


def test_the_admin_checks_a_template_like_the_pages(admin_client):
    response = admin_client.post(
        reverse("admin:messaging_messagetemplate_add"),
        {
            "code": "x",
            "name": "X",
            "channel": "email",
            "purpose": "transactional",
            "language": "ru",
            "subject": "Hi",
            "body": "{{ nope }}",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert "nope" in response.content.decode()
    assert not MessageTemplate.objects.exists()

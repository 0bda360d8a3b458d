"""The messages API through the whole stack."""

from __future__ import annotations

import pytest

from crm.messaging.models import MessageTemplate, OutboundMessage, Suppression

from .factories import MessageTemplateFactory, OutboundMessageFactory, SuppressionFactory

pytestmark = pytest.mark.django_db

TEMPLATES = "/api/v1/message-templates/"
SUPPRESSIONS = "/api/v1/suppressions/"
MESSAGES = "/api/v1/outbound-messages/"

GOOD = {
    "code": "invoice_sent",
    "name": "Счёт на оплату",
    "purpose": "transactional",
    "language": "ru",
    "subject": "Счёт № {{ invoice.number }}",
    "body": "Сумма: {{ invoice.total|money(invoice.currency) }}",
}


def test_a_marketer_writes_reads_changes_and_deletes_a_template(api_client_for, marketer):
    api = api_client_for(marketer)

    created = api.post(TEMPLATES, GOOD, format="json")
    pk = created.json()["id"]
    changed = api.patch(f"{TEMPLATES}{pk}/", {"name": "Счёт"}, format="json")
    listed = api.get(TEMPLATES)
    deleted = api.delete(f"{TEMPLATES}{pk}/")

    assert created.status_code == 201, created.json()
    assert created.json()["updated_by"] == str(marketer)
    assert changed.json()["name"] == "Счёт"
    assert [t["code"] for t in listed.json()["results"]] == ["invoice_sent"]
    assert deleted.status_code == 204
    assert not MessageTemplate.objects.exists()


def test_a_bad_template_answers_400_with_the_field(api_client_for, head):
    response = api_client_for(head).post(
        TEMPLATES, {**GOOD, "body": "{% for x in %}"}, format="json"
    )

    assert response.status_code == 400
    assert "Line 1" in response.json()["fields"]["body"][0]
    assert not MessageTemplate.objects.exists()


def test_an_unknown_variable_answers_400(api_client_for, head):
    template = MessageTemplateFactory()

    response = api_client_for(head).patch(
        f"{TEMPLATES}{template.pk}/", {"subject": "{{ secret }}"}, format="json"
    )

    assert response.status_code == 400
    assert "secret" in response.json()["fields"]["subject"][0]


@pytest.mark.parametrize("who", ["manager", "operator", "supervisor"])
def test_others_may_not_read_or_write(api_client_for, request, who):
    api = api_client_for(request.getfixturevalue(who))
    MessageTemplateFactory()

    assert api.get(TEMPLATES).status_code == 403
    assert api.post(TEMPLATES, GOOD, format="json").status_code == 403
    assert api.get(SUPPRESSIONS).status_code == 403
    assert api.get(MESSAGES).status_code == 403


def test_suppressions_are_added_normalised_and_removed(api_client_for, head):
    api = api_client_for(head)

    created = api.post(SUPPRESSIONS, {"address": " A@B.RU ", "reason": "bounced"}, format="json")
    bad = api.post(SUPPRESSIONS, {"address": "nope", "reason": "bounced"}, format="json")
    deleted = api.delete(f"{SUPPRESSIONS}{created.json()['id']}/")

    assert created.status_code == 201
    assert created.json()["address"] == "a@b.ru"
    assert bad.status_code == 400
    assert "address" in bad.json()["fields"]
    assert deleted.status_code == 204
    assert not Suppression.objects.exists()


def test_a_marketer_reads_addresses_masked(api_client_for, marketer, head):
    SuppressionFactory(address="ivan.petrov@example.com")
    OutboundMessageFactory(
        to="anna.smirnova@example.com",
        subject="Для anna.smirnova@example.com",
        body="Ваш телефон +7 916 123-45-67, почта anna.smirnova@example.com",
    )
    api = api_client_for(marketer)

    text = api.get(SUPPRESSIONS).content.decode() + api.get(MESSAGES).content.decode()
    clear = api_client_for(head).get(MESSAGES).content.decode()

    assert "ivan.petrov@example.com" not in text
    assert "anna.smirnova@example.com" not in text
    assert "123-45-67" not in text
    assert "+7 916 123-45-67" in clear


def test_the_log_is_read_only(api_client_for, admin_user):
    message = OutboundMessageFactory(status=OutboundMessage.Status.FAILED, last_error="boom")
    api = api_client_for(admin_user)

    assert api.get(f"{MESSAGES}{message.pk}/").json()["last_error"] == "boom"
    assert api.post(MESSAGES, {}, format="json").status_code == 405
    assert api.delete(f"{MESSAGES}{message.pk}/").status_code == 405
    assert api.get(MESSAGES, {"status": "failed"}).json()["results"][0]["id"] == message.pk


def test_api_lists_take_a_fixed_number_of_queries(
    api_client_for, head, django_assert_max_num_queries
):
    for _ in range(60):
        MessageTemplateFactory(updated_by=head)
        SuppressionFactory(created_by=head)
        OutboundMessageFactory(actor=head)
    api = api_client_for(head)

    # session, user, roles, permissions, the page (+ savepoints of the request)
    for url in (TEMPLATES, SUPPRESSIONS, MESSAGES):
        with django_assert_max_num_queries(8):
            assert api.get(url).status_code == 200

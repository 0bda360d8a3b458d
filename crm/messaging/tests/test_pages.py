"""The staff pages through the test client: who sees what, bad input, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.messaging.models import MessageTemplate, OutboundMessage, Suppression

from .factories import MessageTemplateFactory, OutboundMessageFactory, SuppressionFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Замер назначен",
    "code": "deal_measurement_booked",
    "channel": "email",
    "purpose": "transactional",
    "language": "ru",
    "subject": "Замер: {{ deal.title }}",
    "body": "Здравствуйте, {{ client.first_name }}!",
    "is_active": "on",
}


@pytest.mark.parametrize("who", ["head", "marketer", "admin_user"])
def test_editors_open_every_page(client, request, who):
    client.force_login(request.getfixturevalue(who))
    template = MessageTemplateFactory()

    for name, args in [
        ("messaging:template-list", []),
        ("messaging:template-create", []),
        ("messaging:template-edit", [template.pk]),
        ("messaging:suppression-list", []),
        ("messaging:message-list", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name


@pytest.mark.parametrize("who", ["manager", "operator", "supervisor"])
def test_others_are_refused(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("messaging:template-list")).status_code == 403
    assert (
        client.post(reverse("messaging:suppression-list"), {"address": "a@b.ru"}).status_code == 403
    )
    assert not Suppression.objects.exists()


def test_a_head_creates_a_template_and_sees_it_listed(client, head):
    client.force_login(head)

    response = client.post(reverse("messaging:template-create"), GOOD)

    template = MessageTemplate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:template-edit", args=[template.pk])
    assert template.updated_by == head
    listing = client.get(reverse("messaging:template-list"))
    assert "deal_measurement_booked" in listing.content.decode()


def test_a_template_with_errors_is_not_saved_and_says_where(client, head):
    client.force_login(head)

    response = client.post(
        reverse("messaging:template-create"),
        {**GOOD, "body": "one\n{{ client.__class__ }}", "subject": "{{ deal.title"},
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert "Line 1" in form.errors["subject"][0]
    assert "may not use" in form.errors["body"][0]
    assert not MessageTemplate.objects.exists()


def test_a_duplicate_code_is_a_field_error(client, head):
    MessageTemplateFactory(code="deal_measurement_booked")
    client.force_login(head)

    response = client.post(reverse("messaging:template-create"), GOOD)

    assert response.status_code == 400
    assert "code" in response.context["form"].errors


def test_editing_a_template(client, marketer):
    template = MessageTemplateFactory()
    client.force_login(marketer)

    response = client.post(
        reverse("messaging:template-edit", args=[template.pk]), {**GOOD, "name": "Новое имя"}
    )

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.name == "Новое имя"
    assert template.updated_by == marketer


def test_the_preview_renders_the_sample_and_shows_errors(client, head):
    client.force_login(head)
    url = reverse("messaging:template-preview")

    good = client.post(
        url,
        {"subject": "Счёт {{ invoice.number }}", "body": "<b>{{ client.first_name }}</b>"},
        HTTP_HX_REQUEST="true",
    )
    bad = client.post(url, {"subject": "x", "body": "{{ nope }}"}, HTTP_HX_REQUEST="true")

    assert good.status_code == 200
    html = good.content.decode()
    assert "Счёт 2026-0042" in html
    assert "&lt;b&gt;Иван&lt;/b&gt;" in html
    assert "nope" in bad.content.decode()


def test_the_preview_writes_dates_in_the_templates_language(client, head):
    client.force_login(head)
    body = "{{ invoice.due_on|date }}, {{ invoice.total|money }}"

    ru = client.post(reverse("messaging:template-preview"), {"body": body, "language": "ru"})
    en = client.post(reverse("messaging:template-preview"), {"body": body, "language": "en"})

    assert "10 декабря 2026" in ru.content.decode()
    assert "185\xa0000,00" in ru.content.decode()
    assert "Dec. 10, 2026" in en.content.decode()


def test_the_preview_is_for_editors_only(client, manager):
    client.force_login(manager)

    assert client.post(reverse("messaging:template-preview"), {"body": "x"}).status_code == 403


def test_adding_and_removing_an_address(client, head):
    client.force_login(head)

    added = client.post(
        reverse("messaging:suppression-list"),
        {"address": " Client@Example.com ", "reason": "manual", "comment": "просил не писать"},
    )
    suppression = Suppression.objects.get()
    removed = client.post(reverse("messaging:suppression-remove", args=[suppression.pk]))

    assert added.status_code == 302
    assert suppression.address == "client@example.com"
    assert suppression.created_by == head
    assert removed.status_code == 302
    assert not Suppression.objects.exists()


def test_a_bad_address_is_a_form_error(client, head):
    client.force_login(head)

    response = client.post(
        reverse("messaging:suppression-list"), {"address": "nope", "reason": "x"}
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"address", "reason"}
    assert not Suppression.objects.exists()


def test_a_marketer_cannot_remove_an_unsubscribe(client, marketer):
    suppression = SuppressionFactory(reason=Suppression.Reason.UNSUBSCRIBED)
    client.force_login(marketer)

    page = client.get(reverse("messaging:suppression-list")).content.decode()
    response = client.post(
        reverse("messaging:suppression-remove", args=[suppression.pk]), follow=True
    )

    assert response.status_code == 200
    assert "Only an administrator" in response.content.decode()
    assert reverse("messaging:suppression-remove", args=[suppression.pk]) not in page
    assert Suppression.objects.filter(pk=suppression.pk).exists()


def test_a_marketer_sees_addresses_masked(client, marketer, head):
    SuppressionFactory(address="ivan.petrov@example.com")
    OutboundMessageFactory(to="anna.smirnova@example.com")

    client.force_login(marketer)
    masked = client.get(reverse("messaging:suppression-list")).content.decode()
    masked += client.get(reverse("messaging:message-list")).content.decode()
    client.force_login(head)
    clear = client.get(reverse("messaging:message-list")).content.decode()

    assert "ivan.petrov@example.com" not in masked
    assert "anna.smirnova@example.com" not in masked
    assert "anna.smirnova@example.com" in clear


def test_the_log_shows_failures_and_filters_by_status(client, head):
    OutboundMessageFactory(
        status=OutboundMessage.Status.FAILED, last_error="ConnectionRefusedError: [Errno 111]"
    )
    OutboundMessageFactory(status=OutboundMessage.Status.SENT, subject="Отправлено")
    client.force_login(head)

    failed = client.get(reverse("messaging:message-list"), {"status": "failed"}).content.decode()
    bad = client.get(reverse("messaging:message-list"), {"status": "nope"})

    assert "ConnectionRefusedError" in failed
    assert "Отправлено" not in failed
    assert bad.status_code == 400


def test_lists_take_a_fixed_number_of_queries(client, head, django_assert_max_num_queries):
    # given many rows of each
    for _ in range(60):
        MessageTemplateFactory(updated_by=head)
        SuppressionFactory(created_by=head)
        OutboundMessageFactory(actor=head)
    client.force_login(head)

    # session, user, roles (groups), permissions; then the page's one query (+ savepoints)
    for name in ("messaging:template-list", "messaging:suppression-list", "messaging:message-list"):
        with django_assert_max_num_queries(8):
            assert client.get(reverse(name)).status_code == 200

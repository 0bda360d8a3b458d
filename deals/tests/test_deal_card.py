"""The deal card: what it shows, in a fixed number of queries, to whom; the access log; tasks
about the deal; create and edit; the contact card's deals block; merges move deals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from contacts.services import contact_merge
from contacts.tests.factories import ContactFactory, InteractionFactory
from crm.models import AccessLog, Task
from crm.tests.factories import TaskFactory
from deals.hooks import DEAL_CARD_BLOCKS, DealCardBlock
from deals.models import Deal
from deals.services.deals import deal_move_to_stage

from .factories import DealFactory, PipelineFactory, stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(manager):
    pipeline = PipelineFactory(name="Мебель")
    contact = ContactFactory(
        owner=manager, last_name="Петров", phone="+79161234567", email="petrov@example.ru"
    )
    deal = DealFactory(
        pipeline=pipeline,
        owner=manager,
        contact=contact,
        title="Кухня Петрова",
        amount=Decimal("250000"),
    )
    deal_move_to_stage(actor=manager, deal=deal, stage=stage(pipeline, "Замер"))
    return deal


def test_the_card_shows_the_deal_its_client_stages_and_history(
    client, manager, deal, django_assert_max_num_queries
):
    InteractionFactory(contact=deal.contact, subject="Обсудили размеры кухни")
    TaskFactory(
        assignee=manager,
        created_by=manager,
        title="Позвонить после замера",
        content_type=ContentType.objects.get_for_model(Deal),
        object_id=str(deal.pk),
    )
    client.force_login(manager)

    with django_assert_max_num_queries(45):
        response = client.get(reverse("deals:deal-detail", args=[deal.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Кухня Петрова",
        "250\u202f000\u00a0₽",
        "Петров",
        "Замер",
        "Договор",
        "Обсудили размеры кухни",
        "Позвонить после замера",
        "+7 916 123-45-67",
    ):
        assert text in html, text
    assert [t.stage.name for t in response.context["times"]] == ["Заявка", "Замер"]
    assert AccessLog.objects.filter(
        user=manager,
        action=AccessLog.Action.VIEW,
        object_id=str(deal.pk),
        content_type=ContentType.objects.get_for_model(Deal),
    ).exists()


def test_the_card_query_count_does_not_grow_with_history(
    client, manager, deal, django_assert_max_num_queries
):
    client.force_login(manager)
    with django_assert_max_num_queries(60) as few:
        client.get(reverse("deals:deal-detail", args=[deal.pk]))
    for name in ("Договор", "Замер", "Договор", "Замер", "Договор"):
        deal_move_to_stage(actor=manager, deal=deal, stage=stage(deal.pipeline, name))
        InteractionFactory(contact=deal.contact)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("deals:deal-detail", args=[deal.pk])).status_code == 200


def test_a_marketer_and_another_team_cannot_open_the_card(
    client, deal, manager2, marketer, operator
):
    client.force_login(manager2)
    assert client.get(reverse("deals:deal-detail", args=[deal.pk])).status_code == 404
    for user in (marketer, operator):
        client.force_login(user)
        assert client.get(reverse("deals:deal-detail", args=[deal.pk])).status_code == 403


def test_the_head_sees_the_card_with_details_masked_only_where_the_role_says(client, head, deal):
    client.force_login(head)
    html = client.get(reverse("deals:deal-detail", args=[deal.pk])).content.decode()
    assert "Кухня Петрова" in html


def test_registered_blocks_appear_on_the_card(client, manager, deal, registry_override):
    registry_override(DEAL_CARD_BLOCKS)
    DEAL_CARD_BLOCKS.register(
        "test",
        lambda d, u: DealCardBlock(
            title="Товары сделки",
            template="deals/deal/_tasks.html",
            context={"tasks": [], "task_form": None},
        ),
    )
    client.force_login(manager)
    assert (
        "Товары сделки" in client.get(reverse("deals:deal-detail", args=[deal.pk])).content.decode()
    )


def test_a_task_about_the_deal_from_the_card(client, manager, deal):
    client.force_login(manager)

    response = client.post(
        reverse("deals:deal-task-add", args=[deal.pk]),
        {"task-title": "Отправить эскиз", "task-due_at": "2030-01-10T12:00"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    task = Task.objects.get(title="Отправить эскиз")
    assert task.object_id == str(deal.pk)
    bad = client.post(
        reverse("deals:deal-task-add", args=[deal.pk]), {"task-title": ""}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 400


def test_create_and_edit_through_the_pages(client, manager):
    pipeline = PipelineFactory(name="Мебель")
    contact = ContactFactory(owner=manager)
    client.force_login(manager)
    assert client.get(reverse("deals:deal-create"), {"contact": contact.pk}).status_code == 200

    response = client.post(
        reverse("deals:deal-create"),
        {
            "title": "Шкаф",
            "pipeline": pipeline.pk,
            "amount": "90000",
            "currency": "RUB",
            "contact": contact.pk,
            "tags": "VIP, Срочно",
        },
    )
    deal = Deal.objects.get(title="Шкаф")
    assert response.status_code == 302
    assert deal.contact == contact
    assert deal.tags.count() == 2

    bad = client.post(
        reverse("deals:deal-edit", args=[deal.pk]),
        {"title": "Шкаф", "amount": "-5", "currency": "RUB"},
    )
    assert bad.status_code == 400
    bad = client.post(
        reverse("deals:deal-edit", args=[deal.pk]),
        {"title": "Шкаф", "amount": "5", "currency": "XYZ"},
    )
    assert bad.status_code == 400
    ok = client.post(
        reverse("deals:deal-edit", args=[deal.pk]),
        {"title": "Шкаф-купе", "amount": "95000", "currency": "RUB", "contact": contact.pk},
    )
    assert ok.status_code == 302
    deal.refresh_from_db()
    assert deal.title == "Шкаф-купе"
    assert deal.amount == Decimal("95000")


def test_the_stage_bar_moves_the_deal(client, manager, deal):
    client.force_login(manager)
    target = stage(deal.pipeline, "Договор")

    response = client.post(reverse("deals:deal-move", args=[deal.pk]), {"stage": target.pk})

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.stage == target


def test_the_contact_card_lists_the_clients_deals(client, manager, deal):
    client.force_login(manager)
    html = client.get(reverse("contacts:contact-detail", args=[deal.contact_id])).content.decode()
    assert "Кухня Петрова" in html


def test_a_merge_moves_deals_leads_and_invoices_to_the_kept_contact_and_undo_moves_them_back(
    head, manager, deal
):
    from contacts.services import contact_merge_undo
    from deals.models import Invoice

    from .factories import LeadFactory

    kept = ContactFactory(owner=manager)
    dropped = deal.contact
    lead = LeadFactory(contact=dropped, owner=manager)
    invoice = Invoice.objects.create(
        year=2026, number=900, deal=deal, contact=dropped, owner=manager
    )
    records = (deal, lead, invoice)

    merge = contact_merge(actor=head, keep=kept, drop=dropped)
    for record in records:
        record.refresh_from_db()
    assert [r.contact for r in records] == [kept, kept, kept]

    contact_merge_undo(actor=head, merge=merge)
    for record in records:
        record.refresh_from_db()
    assert [r.contact for r in records] == [dropped, dropped, dropped]


def test_deals_are_found_by_the_global_search(client, manager, deal, manager2):
    client.force_login(manager)
    assert "Кухня Петрова" in client.get(reverse("search"), {"q": "Кухня"}).content.decode()
    client.force_login(manager2)
    assert "Кухня Петрова" not in client.get(reverse("search"), {"q": "Кухня"}).content.decode()

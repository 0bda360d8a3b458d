"""The kanban board: columns with counts and sums, fixed queries however many deals, who sees
which cards, moves by drag (JSON) and by form, refused moves, filters, the list view."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Tag
from contacts.tests.factories import ContactFactory
from deals.models import Deal, LossReason
from deals.selectors.deals import COLUMN_PAGE

from .factories import DealFactory, PipelineFactory, stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline():
    return PipelineFactory(name="Мебель")


def _board(client, pipeline, **params):
    return client.get(reverse("deals:board", args=[pipeline.pk]), params)


def test_board_shows_a_column_per_stage_with_counts_and_sums_per_currency(
    client, manager, pipeline
):
    DealFactory(pipeline=pipeline, owner=manager, amount=Decimal("100000"), title="Кухня")
    DealFactory(pipeline=pipeline, owner=manager, amount=Decimal("50000.50"), title="Шкаф")
    DealFactory(
        pipeline=pipeline, owner=manager, amount=Decimal("2000"), currency="USD", title="Стол"
    )
    client.force_login(manager)

    response = _board(client, pipeline)

    assert response.status_code == 200
    first = response.context["columns"][0]
    assert [c.stage.name for c in response.context["columns"]] == [
        "Заявка",
        "Замер",
        "Договор",
        "Сделка успешна",
        "Сделка провалена",
    ]
    assert first.count == 3
    assert dict(first.sums) == {"RUB": Decimal("150000.50"), "USD": Decimal("2000.00")}
    html = response.content.decode()
    assert "Кухня" in html
    assert "Стол" in html
    assert "150\u202f000,50\u00a0₽" in html


def test_board_query_count_does_not_grow_with_deals(
    client, manager, pipeline, django_assert_max_num_queries
):
    tag = Tag.objects.create(name="VIP")
    contact = ContactFactory(owner=manager)

    def seed(n):
        deals = Deal.objects.bulk_create(
            Deal(
                title=f"Сделка {i}",
                pipeline=pipeline,
                stage=pipeline.stages.order_by("order")[i % 3],
                owner=manager,
                contact=contact,
                amount=Decimal(1000 + i),
            )
            for i in range(n)
        )
        for deal in deals:
            deal.tags.add(tag)

    seed(5)
    client.force_login(manager)
    with django_assert_max_num_queries(40) as few:
        assert _board(client, pipeline).status_code == 200
    seed(150)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = _board(client, pipeline)
    assert response.status_code == 200
    column = response.context["columns"][0]
    assert len(column.deals) == COLUMN_PAGE
    assert column.next_cursor


def test_more_loads_the_next_cards_of_a_column_by_keyset(client, manager, pipeline):
    now = timezone.now()
    first = stage(pipeline, "Заявка")
    for i in range(COLUMN_PAGE + 5):
        DealFactory(
            pipeline=pipeline,
            stage=first,
            owner=manager,
            title=f"Сделка {i:02d}",
            stage_entered_at=now - dt.timedelta(hours=i),
        )
    client.force_login(manager)
    cursor = _board(client, pipeline).context["columns"][0].next_cursor

    response = client.get(
        reverse("deals:board-column", args=[pipeline.pk, first.pk]), {"after": cursor}
    )

    assert response.status_code == 200
    titles = [d.title for d in response.context["deals"]]
    assert titles == [f"Сделка {i:02d}" for i in range(COLUMN_PAGE, COLUMN_PAGE + 5)]
    assert response.context["next_cursor"] is None


def test_a_manager_sees_own_deals_a_head_the_team_others_none(
    client, pipeline, manager, manager2, head, operator, marketer
):
    DealFactory(pipeline=pipeline, owner=manager, title="Своя сделка")
    DealFactory(pipeline=pipeline, owner=manager2, title="Чужая сделка")

    client.force_login(manager)
    html = _board(client, pipeline).content.decode()
    assert "Своя сделка" in html
    assert "Чужая сделка" not in html

    client.force_login(head)
    html = _board(client, pipeline).content.decode()
    assert "Своя сделка" in html
    assert "Чужая сделка" not in html

    for user in (operator, marketer):
        client.force_login(user)
        assert _board(client, pipeline).status_code == 403


def test_board_default_opens_the_first_active_pipeline(client, manager):
    PipelineFactory(name="Б", order=2)
    first = PipelineFactory(name="А", order=1)
    client.force_login(manager)

    response = client.get(reverse("deals:board-default"))

    assert response.status_code == 302
    assert response["Location"] == reverse("deals:board", args=[first.pk])


def _move(client, deal, target, **extra):
    return client.post(
        reverse("deals:deal-move", args=[deal.pk]),
        {"stage": target.pk, **extra},
        HTTP_ACCEPT="application/json",
    )


def test_a_drag_moves_the_deal_and_answers_the_new_totals(client, manager, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=manager, amount=Decimal("1000"))
    measure = stage(pipeline, "Замер")
    client.force_login(manager)

    response = _move(client, deal, measure)

    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True
    assert data["columns"][str(measure.pk)]["count"] == 1
    assert data["columns"][str(stage(pipeline, "Заявка").pk)]["count"] == 0
    deal.refresh_from_db()
    assert deal.stage == measure
    assert deal.stage_changes.count() == 1


def test_refused_moves_change_nothing_and_say_why(client, manager, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=manager)
    other = PipelineFactory(name="Опт")
    client.force_login(manager)

    foreign = _move(client, deal, stage(other, "Замер"))
    lost = _move(client, deal, stage(pipeline, "Сделка провалена"))

    assert foreign.status_code == 400
    assert "another pipeline" in foreign.json()["error"]
    assert lost.status_code == 400
    assert "loss_reason" in lost.json()["fields"]
    deal.refresh_from_db()
    assert deal.stage.name == "Заявка"


def test_lost_with_a_reason_closes_the_deal(client, manager, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=manager)
    reason = LossReason.objects.create(name="Дорого")
    client.force_login(manager)

    response = _move(
        client,
        deal,
        stage(pipeline, "Сделка провалена"),
        loss_reason=reason.pk,
        loss_comment="Нашли дешевле",
    )

    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.loss_reason == reason
    assert deal.closed_at is not None


def test_a_move_by_form_redirects_back_with_a_message(client, manager, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=manager)
    client.force_login(manager)

    response = client.post(
        reverse("deals:deal-move", args=[deal.pk]),
        {"stage": stage(pipeline, "Договор").pk, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert response["Location"] == deal.get_absolute_url()
    deal.refresh_from_db()
    assert deal.stage.name == "Договор"


def test_another_teams_deal_cannot_be_moved(client, manager2, manager, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=manager)
    client.force_login(manager2)

    assert _move(client, deal, stage(pipeline, "Замер")).status_code == 404


def test_filters_narrow_the_board(client, head, manager, pipeline):
    tag = Tag.objects.create(name="Срочно")
    tagged = DealFactory(pipeline=pipeline, owner=manager, title="С тегом", source="call")
    tagged.tags.add(tag)
    DealFactory(
        pipeline=pipeline,
        owner=head,
        title="Старая",
        created_at=timezone.now() - dt.timedelta(days=90),
    )
    client.force_login(head)

    def titles(**params):
        columns = _board(client, pipeline, **params).context["columns"]
        return {d.title for c in columns for d in c.deals}

    assert titles(tag=tag.pk) == {"С тегом"}
    assert titles(owner=head.pk) == {"Старая"}
    assert titles(source="call") == {"С тегом"}
    assert titles(team=manager.team_id) == {"С тегом", "Старая"}
    since = (timezone.now() - dt.timedelta(days=7)).date().isoformat()
    assert titles(created_from=since) == {"С тегом"}
    assert (
        _board(client, pipeline, created_from="2026-05-01", created_to="2026-04-01").status_code
        == 400
    )


def test_quick_create_opens_a_deal_in_the_first_stage(client, manager, pipeline):
    contact = ContactFactory(owner=manager)
    client.force_login(manager)

    response = client.post(
        reverse("deals:deal-quick-create", args=[pipeline.pk]),
        {"title": "Гардеробная", "contact": contact.pk, "amount": "85000"},
    )

    assert response.status_code == 302
    deal = Deal.objects.get(title="Гардеробная")
    assert deal.stage.name == "Заявка"
    assert deal.contact == contact
    assert deal.owner == manager


def test_quick_create_refuses_a_contact_the_manager_cannot_see(client, manager, manager2, pipeline):
    theirs = ContactFactory(owner=manager2)
    client.force_login(manager)

    client.post(
        reverse("deals:deal-quick-create", args=[pipeline.pk]),
        {"title": "Чужой клиент", "contact": theirs.pk},
    )

    assert not Deal.objects.filter(title="Чужой клиент").exists()


def test_list_view_filters_sorts_and_pages(
    client, manager, pipeline, django_assert_max_num_queries
):
    for i in range(60):
        DealFactory(pipeline=pipeline, owner=manager, title=f"Сделка {i:02d}", amount=i * 1000)
    client.force_login(manager)

    with django_assert_max_num_queries(20):
        response = client.get(reverse("deals:deal-list"), {"sort": "amount"})

    assert response.status_code == 200
    deals = response.context["deals"]
    assert len(deals) == 50
    assert deals[0].title == "Сделка 59"
    second = client.get(response.context["next_url"].replace("?", reverse("deals:deal-list") + "?"))
    assert len(second.context["deals"]) == 10


def test_a_head_reaches_the_pipelines_robots_from_the_board(client, head):
    from deals.tests.factories import PipelineFactory

    pipeline = PipelineFactory()
    client.force_login(head)

    html = client.get(reverse("deals:board", args=[pipeline.pk])).content.decode()

    assert reverse("deals:robots", args=[pipeline.pk]) in html

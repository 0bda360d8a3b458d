"""The deal's verbs: opening, moving between stages, changing fields."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import Role
from crm.tests.factories import UserFactory
from deals import signals
from deals.models import DealStageChange, LossReason
from deals.selectors.deals import deals_visible_to
from deals.services.deals import deal_create, deal_move_to_stage, deal_update

from .factories import DealFactory, PipelineFactory, stage

pytestmark = pytest.mark.django_db


def test_a_deal_opens_in_the_first_open_stage_for_its_creator(manager):
    pipeline = PipelineFactory()

    deal = deal_create(actor=manager, title="Кухня", pipeline=pipeline, amount="120000.50")

    assert deal.stage.name == "Заявка"
    assert deal.owner == manager
    assert deal.amount == Decimal("120000.50")
    assert deal.currency == "RUB"
    assert list(deal.stage_changes.values_list("to_stage__name", flat=True)) == ["Заявка"]


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("amount", {"amount": "-1"}),
        ("amount", {"amount": "много"}),
        ("currency", {"currency": "XYZ"}),
        ("title", {"title": "  "}),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_made(manager, field, kwargs):
    pipeline = PipelineFactory()

    with pytest.raises(ValidationError) as refused:
        deal_create(actor=manager, pipeline=pipeline, **{"title": "Кухня", **kwargs})

    assert field in refused.value.message_dict
    assert not pipeline.deals.exists()


def test_a_stage_of_another_pipeline_is_refused(manager):
    deal = DealFactory(owner=manager)
    other = PipelineFactory()

    with pytest.raises(ValidationError) as refused:
        deal_move_to_stage(actor=manager, deal=deal, stage=stage(other, "Замер"))

    assert "stage" in refused.value.message_dict
    deal.refresh_from_db()
    assert deal.stage.name == "Заявка"


def test_a_move_is_recorded_with_the_time_spent_and_heard_after_commit(
    manager, django_capture_on_commit_callbacks
):
    deal = DealFactory(owner=manager)
    heard = []
    signals.deal_stage_changed.connect(
        lambda **kw: heard.append(kw["to_stage"].name), weak=False, dispatch_uid="t"
    )
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            deal_move_to_stage(actor=manager, deal=deal, stage=stage(deal.pipeline, "Замер"))
        assert heard == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        signals.deal_stage_changed.disconnect(dispatch_uid="t")

    assert heard == ["Замер"]
    change = DealStageChange.objects.get(deal=deal, from_stage__name="Заявка")
    assert change.to_stage.name == "Замер"
    assert change.seconds_in_previous >= 0


def test_lost_needs_a_reason_and_closes_the_deal(manager):
    deal = DealFactory(owner=manager)
    lost = stage(deal.pipeline, "Сделка провалена")

    with pytest.raises(ValidationError):
        deal_move_to_stage(actor=manager, deal=deal, stage=lost)
    moved = deal_move_to_stage(
        actor=manager, deal=deal, stage=lost, loss_reason=LossReason.objects.create(name="Дорого")
    )

    assert moved.closed_at is not None
    assert moved.loss_reason.name == "Дорого"


def test_a_manager_cannot_move_another_managers_deal(manager, manager2):
    deal = DealFactory(owner=manager2)

    with pytest.raises(ValidationError):
        deal_move_to_stage(actor=manager, deal=deal, stage=stage(deal.pipeline, "Замер"))


def test_an_operator_cannot_open_deals(operator):
    with pytest.raises(PermissionDenied):
        deal_create(actor=operator, title="Кухня", pipeline=PipelineFactory())


def test_who_sees_which_deals(head, manager, manager2, admin_user, marketer):
    mine = DealFactory(owner=manager)
    theirs = DealFactory(owner=manager2)
    outsider = UserFactory(role=Role.MANAGER)
    DealFactory(owner=outsider)

    assert set(deals_visible_to(manager)) == {mine}
    assert mine in deals_visible_to(head)
    assert theirs not in deals_visible_to(head)
    assert deals_visible_to(admin_user).count() == 3
    assert not deals_visible_to(marketer).exists()


def test_update_changes_only_what_differs(manager):
    deal = DealFactory(owner=manager, amount=Decimal("10.00"))

    deal_update(actor=manager, deal=deal, amount="99.99", title=deal.title)

    deal.refresh_from_db()
    assert deal.amount == Decimal("99.99")
    with pytest.raises(ValidationError):
        deal_update(actor=manager, deal=deal, stage=None)


# --- pipelines, stages, loss reasons, tags, deletion -----------------------------------------


def _rows(pipeline):
    return [
        {
            "id": s.pk,
            "name": s.name,
            "client_label": s.client_label,
            "probability": s.probability,
            "kind": s.kind,
            "order": s.order,
            "color": s.color,
        }
        for s in pipeline.stages.order_by("order")
    ]


def test_pipeline_save_needs_a_head_and_keeps_stages_left_out(head, manager):
    from deals.services.deals import pipeline_save

    pipeline = PipelineFactory(name="Мебель")
    with pytest.raises(PermissionDenied):
        pipeline_save(actor=manager, pipeline=pipeline, name="Мебель", stages=_rows(pipeline))

    rows = _rows(pipeline)
    rows[0]["name"], rows[1]["name"] = rows[1]["name"], rows[0]["name"]  # two stages swap names
    pipeline_save(actor=head, pipeline=pipeline, name="Мебель на заказ", stages=rows)

    pipeline.refresh_from_db()
    assert pipeline.name == "Мебель на заказ"
    assert list(pipeline.stages.order_by("order").values_list("name", flat=True))[:2] == [
        "Замер",
        "Заявка",
    ]


def test_pipeline_save_refuses_a_stage_of_another_pipeline(head):
    from deals.services.deals import pipeline_save

    pipeline, other = PipelineFactory(name="А"), PipelineFactory(name="Б")
    rows = _rows(pipeline)
    rows[0]["id"] = other.stages.first().pk

    with pytest.raises(ValidationError) as error:
        pipeline_save(actor=head, pipeline=pipeline, name="А", stages=rows)

    assert "stages.0.id" in error.value.message_dict
    assert other.stages.first().pipeline == other


def test_loss_reasons_have_unique_names(head):
    from deals.services.deals import loss_reason_save

    loss_reason_save(actor=head, name="Дорого")
    with pytest.raises(ValidationError):
        loss_reason_save(actor=head, name="дорого")


def test_tags_are_set_and_a_deal_is_deleted_only_by_an_admin(admin_user, manager):
    from contacts.models import Tag
    from deals.models import Deal
    from deals.services.deals import deal_delete, deal_set_tags

    deal = DealFactory(owner=manager)
    deal_set_tags(actor=manager, deal=deal, tags=[Tag.objects.create(name="VIP")])
    assert list(deal.tags.values_list("name", flat=True)) == ["VIP"]

    with pytest.raises(PermissionDenied):
        deal_delete(actor=manager, deal=deal)
    deal_delete(actor=admin_user, deal=deal)
    assert not Deal.objects.filter(pk=deal.pk).exists()


def test_the_board_selector_counts_sums_and_pages_each_column(manager):
    from deals.selectors.deals import board_columns, column_page

    pipeline = PipelineFactory()
    first = stage(pipeline, "Заявка")
    for i in range(17):
        DealFactory(pipeline=pipeline, stage=first, owner=manager, amount=Decimal(100 + i))

    columns = board_columns(manager, pipeline, per_column=10)
    more, after = column_page(manager, first, after=columns[0].next_cursor, size=10)

    assert columns[0].count == 17
    assert dict(columns[0].sums) == {"RUB": sum(Decimal(100 + i) for i in range(17))}
    assert len(columns[0].deals) == 10
    assert len(more) == 7
    assert after is None
    assert {d.pk for d in columns[0].deals}.isdisjoint({d.pk for d in more})

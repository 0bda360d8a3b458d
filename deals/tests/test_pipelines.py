"""Pipeline settings: heads of sales edit pipelines, stages and loss reasons; bad input gives
form errors and changes nothing; the demo builds both pipelines with deals in every stage."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.demo import DemoContext
from deals.demo.deals import FURNITURE, PIPELINES, WHOLESALE
from deals.demo.deals import load as demo_load
from deals.models import Deal, LossReason, Pipeline, Stage

from .factories import DealFactory, PipelineFactory, stage

pytestmark = pytest.mark.django_db


def _stages_post(pipeline, changes=None, extra_rows=()):
    rows = [
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
    for index, change in (changes or {}).items():
        rows[index].update(change)
    rows += list(extra_rows)
    data = {
        "name": pipeline.name,
        "order": 0,
        "currency": "RUB",
        "is_active": "on",
        "stages-TOTAL_FORMS": len(rows),
        "stages-INITIAL_FORMS": len(rows),
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                value = "on"
            data[f"stages-{i}-{key}"] = "" if value is None else value
    return data


def test_a_head_renames_a_stage_and_adds_one(client, head):
    pipeline = PipelineFactory(name="Мебель")
    client.force_login(head)
    url = reverse("deals:pipeline-edit", args=[pipeline.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        _stages_post(
            pipeline,
            {1: {"name": "Выезд на замер", "probability": 35}},
            [
                {
                    "name": "Производство",
                    "probability": 80,
                    "kind": "open",
                    "order": 3,
                    "color": "#c76b2b",
                }
            ],
        ),
    )

    assert response.status_code == 302, response.context and response.context["stages"].errors
    names = list(pipeline.stages.order_by("order", "id").values_list("name", flat=True))
    assert "Выезд на замер" in names
    assert "Производство" in names
    assert stage(pipeline, "Выезд на замер").probability == 35


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({1: {"probability": 150}}, "less than or equal to 100"),
        ({1: {"kind": "won"}}, "exactly one won stage"),
        ({4: {"kind": "open"}}, "exactly one lost stage"),
        ({1: {"name": "Заявка"}}, "same name"),
        ({1: {"color": "red"}}, "#RRGGBB"),
    ],
)
def test_bad_stages_are_form_errors_and_change_nothing(client, head, changes, message):
    pipeline = PipelineFactory(name="Мебель")
    before = list(pipeline.stages.values_list("name", "probability", "kind", "color"))
    client.force_login(head)

    response = client.post(
        reverse("deals:pipeline-edit", args=[pipeline.pk]), _stages_post(pipeline, changes)
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(pipeline.stages.values_list("name", "probability", "kind", "color")) == before


def test_a_stage_with_deals_cannot_be_deleted(client, head, manager):
    pipeline = PipelineFactory(name="Мебель")
    DealFactory(pipeline=pipeline, owner=manager, stage=stage(pipeline, "Замер"))
    client.force_login(head)

    response = client.post(
        reverse("deals:pipeline-edit", args=[pipeline.pk]),
        _stages_post(pipeline, {1: {"DELETE": True}}),
    )

    assert response.status_code == 400
    assert "has deals" in response.content.decode()
    assert pipeline.stages.filter(name="Замер").exists()


def test_an_empty_stage_is_deleted(client, head):
    pipeline = PipelineFactory(name="Мебель")
    client.force_login(head)

    response = client.post(
        reverse("deals:pipeline-edit", args=[pipeline.pk]),
        _stages_post(pipeline, {2: {"DELETE": True}}),
    )

    assert response.status_code == 302
    assert not pipeline.stages.filter(name="Договор").exists()


def test_a_head_creates_a_pipeline(client, head):
    client.force_login(head)
    assert client.get(reverse("deals:pipeline-create")).status_code == 200
    data = {
        "name": "Сервис",
        "order": 3,
        "currency": "RUB",
        "is_active": "on",
        "stages-TOTAL_FORMS": 3,
        "stages-INITIAL_FORMS": 0,
    }
    for i, (name, kind, p) in enumerate(
        [("Обращение", "open", 10), ("Готово", "won", 100), ("Отказ", "lost", 0)]
    ):
        data.update(
            {
                f"stages-{i}-name": name,
                f"stages-{i}-kind": kind,
                f"stages-{i}-probability": p,
                f"stages-{i}-order": i,
                f"stages-{i}-color": "#4f6bed",
            }
        )

    response = client.post(reverse("deals:pipeline-create"), data)

    assert response.status_code == 302
    assert Pipeline.objects.get(name="Сервис").stages.count() == 3


def test_managers_cannot_open_the_settings(client, manager):
    pipeline = PipelineFactory()
    client.force_login(manager)

    assert client.get(reverse("deals:pipeline-list")).status_code == 403
    assert client.get(reverse("deals:pipeline-edit", args=[pipeline.pk])).status_code == 403
    assert client.get(reverse("deals:loss-reasons")).status_code == 403


def test_loss_reasons_are_added_and_retired(client, head):
    reason = LossReason.objects.create(name="Дорого")
    client.force_login(head)

    response = client.post(
        reverse("deals:loss-reasons"),
        {
            "reasons-TOTAL_FORMS": 2,
            "reasons-INITIAL_FORMS": 1,
            "reasons-0-id": reason.pk,
            "reasons-0-name": "Дорого",
            "reasons-0-order": 0,
            "reasons-1-name": "Выбрали конкурента",
            "reasons-1-order": 1,
        },
    )

    assert response.status_code == 302
    reason.refresh_from_db()
    assert reason.is_active is False
    assert LossReason.objects.filter(name="Выбрали конкурента", is_active=True).exists()


def test_the_demo_builds_both_pipelines_with_deals_in_every_stage(
    admin_user, head, manager, manager2
):
    ctx = DemoContext(password="x")
    demo_load(ctx)

    for name, stages in PIPELINES.items():
        pipeline = Pipeline.objects.get(name=name)
        assert list(pipeline.stages.order_by("order").values_list("name", flat=True)) == [
            s[0] for s in stages
        ]
        for s in pipeline.stages.all():
            assert Deal.objects.filter(stage=s).exists(), s.name
    lost = Deal.objects.filter(stage__kind=Stage.Kind.LOST)
    assert lost.exists()
    assert not lost.filter(loss_reason__isnull=True).exists()
    deal = Deal.objects.filter(pipeline__name=FURNITURE, stage__name="Доставка").first()
    assert deal.stage_changes.count() == 6
    assert Pipeline.objects.filter(name=WHOLESALE).exists()

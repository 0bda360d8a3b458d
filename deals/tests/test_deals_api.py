"""The deals API: scoped lists, writes through the services, moves, 400s with field messages,
pipelines with nested stages (read for managers, write for heads)."""

from __future__ import annotations

import pytest

from deals.models import Deal, LossReason

from .factories import DealFactory, PipelineFactory, stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline():
    return PipelineFactory(name="Мебель")


def test_a_manager_lists_own_deals_only(api_client_for, manager, manager2, pipeline):
    mine = DealFactory(pipeline=pipeline, owner=manager)
    theirs = DealFactory(pipeline=pipeline, owner=manager2)
    api = api_client_for(manager)

    ids = [d["id"] for d in api.get("/api/v1/deals/").json()["results"]]

    assert ids == [mine.pk]
    assert api.get(f"/api/v1/deals/{theirs.pk}/").status_code == 404


def test_operators_and_marketers_get_no_deals(api_client_for, operator, marketer):
    for user in (operator, marketer):
        assert api_client_for(user).get("/api/v1/deals/").status_code == 403


def test_create_update_and_move(api_client_for, manager, pipeline):
    api = api_client_for(manager)

    created = api.post(
        "/api/v1/deals/",
        {"title": "Кухня", "pipeline": pipeline.pk, "amount": "120000"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["stage"] == stage(pipeline, "Заявка").pk

    patched = api.patch(f"/api/v1/deals/{pk}/", {"amount": "130000.50"}, format="json")
    assert patched.status_code == 200
    assert Deal.objects.get(pk=pk).amount == pytest.approx(130000.50)

    moved = api.post(
        f"/api/v1/deals/{pk}/move/", {"stage": stage(pipeline, "Замер").pk}, format="json"
    )
    assert moved.status_code == 200
    assert moved.json()["stage"] == stage(pipeline, "Замер").pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_input_is_a_400_with_the_field(api_client_for, manager, pipeline, body, field):
    api = api_client_for(manager)

    response = api.post(
        "/api/v1/deals/", {"title": "Кухня", "pipeline": pipeline.pk, **body}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Deal.objects.exists()


def test_a_move_to_another_pipelines_stage_or_lost_without_reason_is_a_400(
    api_client_for, manager, pipeline
):
    deal = DealFactory(pipeline=pipeline, owner=manager)
    other = PipelineFactory(name="Опт")
    api = api_client_for(manager)

    foreign = api.post(
        f"/api/v1/deals/{deal.pk}/move/", {"stage": stage(other, "Замер").pk}, format="json"
    )
    lost = api.post(
        f"/api/v1/deals/{deal.pk}/move/",
        {"stage": stage(pipeline, "Сделка провалена").pk},
        format="json",
    )
    reason = LossReason.objects.create(name="Дорого")
    ok = api.post(
        f"/api/v1/deals/{deal.pk}/move/",
        {"stage": stage(pipeline, "Сделка провалена").pk, "loss_reason": reason.pk},
        format="json",
    )

    assert foreign.status_code == 400
    assert "stage" in foreign.json()["fields"]
    assert lost.status_code == 400
    assert "loss_reason" in lost.json()["fields"]
    assert ok.status_code == 200


def test_create_in_a_stage_of_another_pipeline_is_a_400(api_client_for, manager, pipeline):
    other = PipelineFactory(name="Опт")
    response = api_client_for(manager).post(
        "/api/v1/deals/",
        {"title": "Кухня", "pipeline": pipeline.pk, "stage": stage(other, "Замер").pk},
        format="json",
    )
    assert response.status_code == 400
    assert "stage" in response.json()["fields"]


def test_pipelines_read_by_managers_written_by_heads(api_client_for, manager, head, pipeline):
    listed = api_client_for(manager).get("/api/v1/pipelines/")
    assert listed.status_code == 200
    assert [s["name"] for s in listed.json()["results"][0]["stages"]][:2] == ["Заявка", "Замер"]
    body = {
        "name": "Сервис",
        "currency": "RUB",
        "stages": [
            {"name": "Обращение", "probability": 10, "kind": "open", "order": 0},
            {"name": "Готово", "probability": 100, "kind": "won", "order": 1},
            {"name": "Отказ", "probability": 0, "kind": "lost", "order": 2},
        ],
    }
    assert (
        api_client_for(manager).post("/api/v1/pipelines/", body, format="json").status_code == 403
    )
    created = api_client_for(head).post("/api/v1/pipelines/", body, format="json")
    assert created.status_code == 201, created.json()

    bad = dict(body, name="Сервис 2")
    bad["stages"] = [dict(s, kind="won") for s in body["stages"]]
    response = api_client_for(head).post("/api/v1/pipelines/", bad, format="json")
    assert response.status_code == 400
    assert "stages" in response.json()["fields"]
    too_likely = dict(body, name="Сервис 3")
    too_likely["stages"] = [dict(body["stages"][0], probability=150), *body["stages"][1:]]
    assert (
        api_client_for(head).post("/api/v1/pipelines/", too_likely, format="json").status_code
        == 400
    )


def test_a_client_or_owner_the_manager_may_not_see_is_refused_and_nothing_is_made(
    api_client_for, manager, manager2, pipeline
):
    from contacts.tests.factories import ContactFactory

    theirs = ContactFactory(owner=manager2)
    api = api_client_for(manager)

    as_client = api.post(
        "/api/v1/deals/",
        {"title": "Кухня", "pipeline": pipeline.pk, "contact": theirs.pk},
        format="json",
    )
    to_other = api.post(
        "/api/v1/deals/",
        {"title": "Кухня", "pipeline": pipeline.pk, "owner": manager2.pk},
        format="json",
    )

    assert as_client.status_code == 400
    assert "contact" in as_client.json()["fields"]
    assert to_other.status_code == 400
    assert "owner" in to_other.json()["fields"]
    assert not Deal.objects.exists()

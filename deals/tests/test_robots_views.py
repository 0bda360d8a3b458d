"""The robots page of a head of sales, the rules API, and the runs on the deal card."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.automation.models import AutomationRule, AutomationRun
from crm.automation.services import automation_event
from deals.hooks import deal_card_blocks

from .factories import DealFactory, PipelineFactory, stage
from .factories_automation import TASK, robot

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline():
    return PipelineFactory(name="Мебель на заказ")


def _form(pipeline, **changes) -> dict:
    data = {
        "name": "Подтвердить замер",
        "event": "deals.stage_entered",
        "stage": str(stage(pipeline, "Замер").pk),
        "delay_value": "0",
        "delay_unit": "minutes",
        "is_active": "on",
        "act-0-code": "deals.task",
        "a0-title": "Подтвердить замер",
        "a0-due_in_minutes": "120",
    }
    data.update(changes)
    return data


def test_the_page_shows_each_stage_with_its_robots(
    client, head, pipeline, django_assert_max_num_queries
):
    robot(pipeline, "Замер", TASK, name="Задача на замер")
    robot(
        pipeline,
        None,
        ("deals.move", {"stage": stage(pipeline, "Договор").pk}),
        event="deals.invoice_paid",
        name="Оплата → Договор",
    )
    for i in range(20):
        robot(pipeline, "Договор", TASK, name=f"Робот {i}")
    client.force_login(head)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("deals:robots", args=[pipeline.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    for name in ("Заявка", "Замер", "Договор", "Задача на замер", "Оплата → Договор", "Робот 19"):
        assert name in html
    assert "Trigger" in html


def test_a_manager_cannot_open_or_change_robots(client, manager, pipeline):
    rule = robot(pipeline, "Замер", TASK)
    client.force_login(manager)
    assert client.get(reverse("deals:robots", args=[pipeline.pk])).status_code == 403
    assert (
        client.post(reverse("deals:robot-create", args=[pipeline.pk]), _form(pipeline)).status_code
        == 403
    )
    assert client.post(reverse("deals:robot-toggle", args=[rule.pk])).status_code == 403
    assert AutomationRule.objects.count() == 1


def test_a_head_adds_a_robot_with_htmx(client, head, pipeline):
    client.force_login(head)
    url = reverse("deals:robot-create", args=[pipeline.pk])

    response = client.post(url, _form(pipeline), HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("deals:robots", args=[pipeline.pk])
    rule = AutomationRule.objects.get()
    assert rule.scope == {"pipeline": pipeline.pk, "stage": stage(pipeline, "Замер").pk}
    assert rule.actions == [
        {
            "code": "deals.task",
            "params": {"title": "Подтвердить замер", "due_in_minutes": 120, "description": ""},
        }
    ]
    assert rule.created_by == head


def test_choosing_an_action_shows_its_parameters_without_saving(client, head, pipeline):
    client.force_login(head)
    url = reverse("deals:robot-create", args=[pipeline.pk])
    response = client.post(
        url, {"name": "", "act-0-code": "deals.webhook", "refresh": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'name="a0-url"' in response.content.decode()
    assert "This field is required" not in response.content.decode()
    assert AutomationRule.objects.count() == 0


def test_a_missing_message_template_is_a_form_error(client, head, pipeline):
    client.force_login(head)
    data = _form(
        pipeline, **{"act-0-code": "deals.email", "a0-template": "deal_measurement_booked_typo"}
    )
    response = client.post(
        reverse("deals:robot-create", args=[pipeline.pk]), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "deal_measurement_booked_typo" in html or "not available" in html
    assert AutomationRule.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"act-0-code": "", "a0-title": ""}, "Add at least one action."),
        ({"name": ""}, "This field is required."),
        ({"event": "deals.in_stage", "delay_value": "0"}, "a time condition needs a duration"),
        ({"a0-due_in_minutes": "-3"}, "greater than or equal to 0"),
        (
            {"cond-0-field": "amount", "cond-0-op": "zz", "cond-0-value": "1"},
            "Select a valid choice",
        ),
    ],
)
def test_bad_robots_are_refused_with_form_errors(client, head, pipeline, changes, message):
    client.force_login(head)
    response = client.post(
        reverse("deals:robot-create", args=[pipeline.pk]),
        _form(pipeline, **changes),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert AutomationRule.objects.count() == 0


def test_a_head_edits_and_turns_off_a_robot(client, head, pipeline):
    rule = robot(pipeline, "Замер", TASK)
    client.force_login(head)
    edit = reverse("deals:robot-edit", args=[rule.pk])
    page = client.get(edit)
    assert page.status_code == 200
    assert "Подтвердить замер" in page.content.decode()

    response = client.post(
        edit, _form(pipeline, name="Перезвонить", delay_value="2", delay_unit="hours")
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.delay_minutes, rule.updated_by) == ("Перезвонить", 120, head)

    toggled = client.post(reverse("deals:robot-toggle", args=[rule.pk]), HTTP_HX_REQUEST="true")
    assert toggled.status_code == 200
    assert "Turn on" in toggled.content.decode()
    rule.refresh_from_db()
    assert rule.is_active is False


# --- the API ----------------------------------------------------------------------------------


def _rule_body(pipeline, **changes):
    return {
        "name": "Счёт на договоре",
        "event": "deals.stage_entered",
        "scope": {"pipeline": pipeline.pk, "stage": stage(pipeline, "Договор").pk},
        "actions": [{"code": "deals.notify", "params": {"recipient": "head", "text": "Договор"}}],
        **changes,
    }


def test_a_head_creates_a_rule_through_the_api(api_client_for, head, pipeline):
    response = api_client_for(head).post(
        "/api/v1/automation/rules/", _rule_body(pipeline), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["actions"][0]["params"]["recipient"] == "head"
    assert AutomationRule.objects.get().created_by == head


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"actions": []}, "actions"),
        ({"actions": [{"code": "deals.teleport", "params": {}}]}, "actions.0.code"),
        (
            {"actions": [{"code": "deals.email", "params": {"template": "nope"}}]},
            "actions.0.template",
        ),
        ({"event": "deals.nothing"}, "event"),
        ({"scope": {"pipeline": 999999}}, "scope.pipeline"),
    ],
)
def test_a_bad_rule_is_a_400_with_field_messages(api_client_for, head, pipeline, changes, key):
    response = api_client_for(head).post(
        "/api/v1/automation/rules/", _rule_body(pipeline, **changes), format="json"
    )
    assert response.status_code == 400
    assert key in str(response.json())
    assert AutomationRule.objects.count() == 0


def test_a_manager_cannot_write_rules(api_client_for, manager, pipeline):
    response = api_client_for(manager).post(
        "/api/v1/automation/rules/", _rule_body(pipeline), format="json"
    )
    assert response.status_code == 403


def test_runs_are_scoped_to_the_deals_one_sees(api_client_for, head, manager, manager2, pipeline):
    robot(pipeline, None, TASK, event="deals.created")
    mine = DealFactory(pipeline=pipeline, owner=manager)
    theirs = DealFactory(pipeline=pipeline, owner=manager2)
    for deal in (mine, theirs):
        automation_event(event="deals.created", obj=deal, occasion="created")

    def ids(user):
        response = api_client_for(user).get("/api/v1/automation/runs/")
        assert response.status_code == 200
        return sorted(r["object_id"] for r in response.json()["results"])

    assert ids(manager) == [mine.pk]
    assert ids(manager2) == [theirs.pk]
    assert ids(head) == [mine.pk]


# --- the deal card ----------------------------------------------------------------------------


def test_the_runs_block_shows_status_errors_and_attempts_in_fixed_queries(
    manager, pipeline, django_assert_max_num_queries
):
    deal = DealFactory(pipeline=pipeline, owner=manager)
    rules = [
        robot(pipeline, None, TASK, event="deals.created", name=f"Робот {i}") for i in range(15)
    ]
    automation_event(event="deals.created", obj=deal, occasion="created")
    AutomationRun.objects.filter(rule=rules[0]).update(
        status="failed", attempts=5, last_error="1. deals.email: SMTP down"
    )

    manager.has_perm("automation.view_automationrun")  # the page has loaded the roles already
    with django_assert_max_num_queries(1):  # one query, however many runs and rules
        (block,) = [
            b
            for b in deal_card_blocks(deal, manager)
            if b.template == "deals/robots/runs_block.html"
        ]
        from django.template.loader import render_to_string

        html = render_to_string(
            block.template, {**block.context, "deal": deal, "user": manager, "block": block}
        )

    assert len(block.context["runs"]) == 15
    assert "SMTP down" in html
    assert "5 attempts" in html


def test_the_runs_block_is_not_for_roles_without_runs(operator, pipeline):
    deal = DealFactory(pipeline=pipeline)
    assert all(
        b.template != "deals/robots/runs_block.html" for b in deal_card_blocks(deal, operator)
    )


def test_a_head_tries_a_failed_run_again_from_the_deal_card(client, head, manager, pipeline):
    robot(pipeline, None, TASK, event="deals.created")
    deal = DealFactory(pipeline=pipeline, owner=manager)
    (run,) = automation_event(event="deals.created", obj=deal, occasion="created")
    AutomationRun.objects.filter(pk=run.pk).update(status="failed", attempts=5, last_error="boom")
    client.force_login(manager)
    assert client.post(reverse("deals:robot-run-retry", args=[run.pk])).status_code == 403
    client.force_login(head)

    response = client.post(reverse("deals:robot-run-retry", args=[run.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("scheduled", 0)
    assert "Scheduled" in response.content.decode()
    again = client.post(reverse("deals:robot-run-retry", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert again.status_code == 400


def test_another_teams_head_cannot_retry_a_run(client, head2, manager, pipeline):
    robot(pipeline, None, TASK, event="deals.created")
    deal = DealFactory(pipeline=pipeline, owner=manager)
    (run,) = automation_event(event="deals.created", obj=deal, occasion="created")
    AutomationRun.objects.filter(pk=run.pk).update(status="failed")
    client.force_login(head2)
    assert client.post(reverse("deals:robot-run-retry", args=[run.pk])).status_code == 404

"""Rules, runs, the poller: idempotency, delays, retries with backoff, visible failures."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from crm.automation import services
from crm.automation.models import AutomationRule, AutomationRun
from crm.models import Notification, Task
from crm.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _rule(*actions, **fields) -> AutomationRule:
    return services.rule_create(
        actor=None,
        name=fields.pop("name", "Rule"),
        event="test.happened",
        actions=[{"code": code, "params": params} for code, params in actions],
        **fields,
    )


@pytest.fixture
def team(db):
    team = TeamFactory(name="Продажи Север")
    team.head = UserFactory(team=team)
    team.save()
    return team


def test_an_event_makes_one_run_however_often_it_is_told(engine, team):
    rule = _rule(("test.task", {"title": "Позвонить"}))

    first = services.automation_event(event="test.happened", obj=team, occasion="stay:1")
    again = services.automation_event(event="test.happened", obj=team, occasion="stay:1")
    other = services.automation_event(event="test.happened", obj=team, occasion="stay:2")

    assert len(first) == 1
    assert not again
    assert len(other) == 1
    assert AutomationRun.objects.filter(rule=rule).count() == 2
    assert first[0].run_key == f"{rule.pk}:{first[0].content_type_id}:{team.pk}:stay:1"


def test_scope_and_conditions_choose_the_rules(engine, team):
    _rule(("test.task", {"title": "a"}), name="team only", scope={"visibility": "team"})
    _rule(("test.task", {"title": "b"}), name="personal", scope={"visibility": "own"})
    _rule(
        ("test.task", {"title": "c"}),
        name="north",
        conditions=[{"field": "name", "op": "contains", "value": "север"}],
    )
    _rule(
        ("test.task", {"title": "d"}),
        name="south",
        conditions=[{"field": "name", "op": "eq", "value": "Продажи Юг"}],
    )
    _rule(("test.task", {"title": "e"}), name="off", is_active=False)
    team.visibility = "team"
    team.save()
    team_runs = services.automation_event(event="test.happened", obj=team, occasion="y")
    assert sorted(r.rule.name for r in team_runs) == ["north", "team only"]
    team.visibility = "closed"  # neither scope

    runs = services.automation_event(event="test.happened", obj=team, occasion="x")

    assert sorted(r.rule.name for r in runs) == ["north"]


def test_run_executes_the_actions_in_order_and_records_what_each_did(engine, team):
    _rule(
        ("test.task", {"title": "Первая"}), ("test.refused", {}), ("test.task", {"title": "Вторая"})
    )
    (run,) = services.automation_event(event="test.happened", obj=team, occasion="o")

    assert services.automation_runs_execute_due() == 1

    run.refresh_from_db()
    assert run.status == "done"
    assert [a["status"] for a in run.action_results] == ["done", "skipped", "done"]
    assert run.action_results[1]["result"] == {"reason": "no consent"}
    assert "skipped: no consent" in run.last_error
    titles = list(Task.objects.order_by("id").values_list("title", flat=True))
    assert titles[0].startswith("Первая")
    assert titles[1].startswith("Вторая")


def test_a_run_whose_every_action_was_refused_is_skipped_with_the_reason(engine, team):
    _rule(("test.refused", {}))
    (run,) = services.automation_event(event="test.happened", obj=team, occasion="o")
    services.automation_runs_execute_due()
    run.refresh_from_db()
    assert run.status == "skipped"
    assert run.last_error == "skipped: no consent"


def test_a_delayed_run_waits_for_the_poller(engine, team):
    _rule(("test.task", {"title": "Позже"}), delay_minutes=120)
    now = timezone.now()
    (run,) = services.automation_event(event="test.happened", obj=team, occasion="o", now=now)
    assert run.due_at == now + dt.timedelta(hours=2)

    assert services.automation_runs_execute_due(now=now + dt.timedelta(minutes=119)) == 0
    assert services.automation_runs_execute_due(now=now + dt.timedelta(minutes=121)) == 1
    run.refresh_from_db()
    assert run.status == "done"
    assert Task.objects.count() == 1


def test_a_retried_run_does_not_repeat_the_action_already_done(engine, team):
    engine_flaky = engine
    _rule(("test.task", {"title": "Перезвонить"}), ("test.flaky", {}))
    now = timezone.now()
    (run,) = services.automation_event(event="test.happened", obj=team, occasion="o", now=now)
    engine_flaky[run.run_key] = 1  # the second action fails once

    services.automation_runs_execute_due(now=now)
    run.refresh_from_db()
    assert run.status == "scheduled"
    assert run.attempts == 1
    assert run.last_error == "2. test.flaky: SMTP down"
    assert run.next_attempt_at >= now + dt.timedelta(seconds=60)
    assert Task.objects.count() == 1

    # Not before its backoff; then once, without a second task.
    assert services.automation_runs_execute_due(now=now + dt.timedelta(seconds=30)) == 0
    services.automation_runs_execute_due(now=now + dt.timedelta(minutes=2))
    run.refresh_from_db()
    assert run.status == "done"
    assert run.attempts == 2
    assert Task.objects.count() == 1


def test_failures_back_off_then_fail_visibly(engine, team, settings):
    settings.AUTOMATION_MAX_ATTEMPTS = 3
    _rule(("test.down", {}), name="Вебхук в 1С")
    now = timezone.now()
    (run,) = services.automation_event(event="test.happened", obj=team, occasion="o", now=now)

    gaps = []
    at = now
    for _attempt in range(3):
        services.automation_runs_execute_due(now=at)
        run.refresh_from_db()
        if run.status == "scheduled":
            gaps.append(run.next_attempt_at - at)
            at = run.next_attempt_at
    assert gaps == [dt.timedelta(minutes=1), dt.timedelta(minutes=2)]
    assert run.status == "failed"
    assert run.attempts == 3
    assert "connection refused" in run.last_error
    assert run.finished_at is not None
    # Never silent: the person responsible hears of it.
    note = Notification.objects.get(recipient=team.head, kind="automation-failed")
    assert "Вебхук в 1С" in note.title


def test_a_permanent_failure_fails_at_once(engine, team):
    _rule(("test.broken", {}))
    (run,) = services.automation_event(event="test.happened", obj=team, occasion="o")
    services.automation_runs_execute_due()
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("failed", 1)
    assert run.last_error == "1. test.broken: HTTP 404"


def test_a_run_whose_worker_died_is_taken_again_after_its_lease(engine, team):
    _rule(("test.task", {"title": "t"}))
    now = timezone.now()
    (run,) = services.automation_event(event="test.happened", obj=team, occasion="o", now=now)
    assert services._claim(now) == [run.pk]  # a worker took it and died

    assert services.automation_runs_execute_due(now=now + dt.timedelta(minutes=1)) == 0
    assert services.automation_runs_execute_due(now=now + dt.timedelta(minutes=11)) == 1
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("done", 2)


def test_a_turned_off_rule_skips_its_waiting_runs(engine, team):
    rule = _rule(("test.task", {"title": "t"}), delay_minutes=5)
    now = timezone.now()
    (run,) = services.automation_event(event="test.happened", obj=team, occasion="o", now=now)
    services.rule_set_active(actor=None, rule=rule, is_active=False)
    services.automation_runs_execute_due(now=now + dt.timedelta(minutes=6))
    run.refresh_from_db()
    assert run.status == "skipped"
    assert Task.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"actions": []}, "actions"),
        ({"actions": [{"code": "nope", "params": {}}]}, "actions.0.code"),
        ({"actions": [{"code": "test.task", "params": {}}]}, "actions.0.title"),
        ({"event": "nope"}, "event"),
        ({"name": " "}, "name"),
        ({"delay_minutes": -5}, "delay_minutes"),
        ({"scope": {"planet": "mars"}}, "scope"),
        ({"conditions": [{"field": "name", "op": "like", "value": "x"}]}, "conditions.0.op"),
        ({"conditions": [{"field": "colour", "op": "eq", "value": "x"}]}, "conditions.0.field"),
    ],
)
def test_a_bad_rule_is_refused_field_by_field(engine, fields, key):
    arguments = {
        "name": "Rule",
        "event": "test.happened",
        "actions": [{"code": "test.task", "params": {"title": "t"}}],
        **fields,
    }
    with pytest.raises(ValidationError) as caught:
        services.rule_create(actor=None, **arguments)
    assert key in caught.value.message_dict
    assert AutomationRule.objects.count() == 0


def test_a_rule_that_ran_is_turned_off_rather_than_deleted(engine, team):
    rule = _rule(("test.task", {"title": "t"}))
    services.automation_event(event="test.happened", obj=team, occasion="o")
    with pytest.raises(ValidationError):
        services.rule_delete(actor=None, rule=rule)
    assert AutomationRule.objects.filter(pk=rule.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_pollers_racing_run_every_run_exactly_once(engine, team):
    _rule(("test.task", {"title": "Гонка"}))
    teams = [team] + [TeamFactory() for _ in range(29)]
    for t in teams[1:]:
        t.head = team.head
        t.save()
    for t in teams:
        services.automation_event(event="test.happened", obj=t, occasion="o")
    barrier = threading.Barrier(2)
    errors = []

    def poll():
        try:
            barrier.wait()
            while services.automation_runs_execute_due(limit=3):
                pass
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert AutomationRun.objects.filter(status="done").count() == 30
    assert set(AutomationRun.objects.values_list("attempts", flat=True)) == {1}
    assert Task.objects.count() == 30
    assert Task.objects.values("title").distinct().count() == 30

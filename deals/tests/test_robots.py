"""Robots and triggers of deals: the events sales sends, the actions robots take."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.server
import json
import threading
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contacts.services.timeline import interaction_record
from contacts.tests.factories import ContactFactory
from crm.automation.models import AutomationRun
from crm.automation.services import automation_poll, automation_runs_execute_due
from crm.models import Notification, Task
from deals import signals
from deals.models import Deal, Invoice, Lead
from deals.services.deals import deal_create, deal_move_to_stage, deal_update

from .factories import DealFactory, PipelineFactory, stage
from .factories_automation import TASK, robot

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline():
    return PipelineFactory(name="Мебель на заказ")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Runs what the services leave for after the commit (the signals robots hear)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def _runs(deal):
    return AutomationRun.objects.filter(object_id=deal.pk).order_by("id")


def test_entering_a_stage_gives_the_owner_a_task_with_a_deadline(pipeline, manager, commit):
    robot(pipeline, "Замер", TASK)
    deal = DealFactory(pipeline=pipeline, owner=manager)
    before = timezone.now()

    commit(deal_move_to_stage, actor=manager, deal=deal, stage=stage(pipeline, "Замер"))
    automation_runs_execute_due()

    task = Task.objects.get()
    assert task.title == "Подтвердить замер"
    assert task.assignee == manager
    assert (task.content_type.model, task.object_id) == ("deal", str(deal.pk))
    assert (
        before + dt.timedelta(minutes=119)
        < task.due_at
        < timezone.now() + dt.timedelta(minutes=121)
    )
    (run,) = _runs(deal)
    assert run.status == "done"
    assert run.result["actions"][0]["result"] == {"task": task.pk}


def test_a_robot_runs_once_per_stay_in_the_stage(pipeline, manager, commit):
    robot(pipeline, "Замер", TASK)
    deal = DealFactory(pipeline=pipeline, owner=manager)
    measure, start = stage(pipeline, "Замер"), stage(pipeline, "Заявка")

    commit(deal_move_to_stage, actor=manager, deal=deal, stage=measure)
    commit(deal_move_to_stage, actor=manager, deal=deal, stage=measure)  # no move: no event
    signals.deal_stage_changed.send(
        sender=Deal,
        deal=Deal.objects.get(pk=deal.pk),
        from_stage=start,
        to_stage=measure,
        actor=None,
    )
    assert _runs(deal).count() == 1
    commit(deal_move_to_stage, actor=manager, deal=deal, stage=start)
    commit(deal_move_to_stage, actor=manager, deal=deal, stage=measure)
    assert _runs(deal).count() == 2


def test_a_new_deal_runs_the_robots_of_its_first_stage_and_of_creation(pipeline, manager, commit):
    robot(pipeline, "Заявка", TASK, name="первая стадия")
    robot(
        pipeline,
        None,
        ("deals.notify", {"recipient": "owner", "text": "Новая сделка"}),
        event="deals.created",
        name="создана",
    )

    deal = commit(deal_create, actor=manager, title="Шкаф", pipeline=pipeline)

    assert sorted(r.rule.name for r in _runs(deal)) == ["первая стадия", "создана"]
    automation_runs_execute_due()
    assert Notification.objects.filter(recipient=manager, kind="robot").count() == 1


def test_conditions_narrow_a_robot(pipeline, manager, commit):
    robot(
        pipeline,
        "Замер",
        TASK,
        conditions=[{"field": "amount", "op": "gte", "value": "200000"}],
    )
    small = DealFactory(pipeline=pipeline, owner=manager, amount="100000")
    big = DealFactory(pipeline=pipeline, owner=manager, amount="250000")
    for deal in (small, big):
        commit(deal_move_to_stage, actor=manager, deal=deal, stage=stage(pipeline, "Замер"))
    assert _runs(small).count() == 0
    assert _runs(big).count() == 1


def test_a_robot_of_another_pipeline_does_not_run(pipeline, manager, commit):
    other = PipelineFactory()
    robot(other, "Замер", TASK)
    deal = DealFactory(pipeline=pipeline, owner=manager)
    commit(deal_move_to_stage, actor=manager, deal=deal, stage=stage(pipeline, "Замер"))
    assert _runs(deal).count() == 0


def test_a_delayed_robot_skips_a_deal_that_left_the_stage(pipeline, manager, commit):
    robot(pipeline, "Замер", TASK, delay_minutes=60)
    deal = DealFactory(pipeline=pipeline, owner=manager)
    commit(deal_move_to_stage, actor=manager, deal=deal, stage=stage(pipeline, "Замер"))
    commit(deal_move_to_stage, actor=manager, deal=deal, stage=stage(pipeline, "Договор"))

    automation_runs_execute_due(now=timezone.now() + dt.timedelta(minutes=61))

    (run,) = _runs(deal)
    assert run.status == "skipped"
    assert Task.objects.count() == 0


def test_hours_in_the_stage_found_by_the_poller_once_per_stay(pipeline, manager):
    robot(pipeline, "Замер", TASK, event="deals.in_stage", delay_minutes=180)
    now = timezone.now()
    measure = stage(pipeline, "Замер")
    late = DealFactory(
        pipeline=pipeline,
        owner=manager,
        stage=measure,
        stage_entered_at=now - dt.timedelta(hours=4),
    )
    fresh = DealFactory(
        pipeline=pipeline,
        owner=manager,
        stage=measure,
        stage_entered_at=now - dt.timedelta(hours=1),
    )
    elsewhere = DealFactory(
        pipeline=pipeline, owner=manager, stage_entered_at=now - dt.timedelta(hours=9)
    )

    assert automation_poll(now=now) == {"made": 1, "ran": 1}
    assert automation_poll(now=now + dt.timedelta(minutes=5)) == {"made": 0, "ran": 0}
    assert [r.object_id for r in AutomationRun.objects.all()] == [late.pk]
    assert Task.objects.count() == 1
    assert not _runs(fresh).exists()
    assert not _runs(elsewhere).exists()


def test_no_activity_for_days_notifies_the_head_once_per_quiet_spell(pipeline, manager, head):
    robot(
        pipeline,
        None,
        ("deals.notify", {"recipient": "head", "text": "Сделка без движения"}),
        event="deals.idle",
        delay_minutes=3 * 1440,
    )
    now = timezone.now()
    deal = DealFactory(
        pipeline=pipeline, owner=manager, last_activity_at=now - dt.timedelta(days=4)
    )
    automation_poll(now=now)
    automation_poll(now=now + dt.timedelta(hours=1))
    assert Notification.objects.filter(recipient=head, kind="robot").count() == 1
    # Activity, then quiet again: a new spell, a new notification.
    Deal.objects.filter(pk=deal.pk).update(last_activity_at=now + dt.timedelta(minutes=1))
    automation_poll(now=now + dt.timedelta(days=3, minutes=2))
    assert Notification.objects.filter(recipient=head, kind="robot").count() == 2


def test_invoice_paid_moves_the_deal_to_production(pipeline, manager, commit):
    robot(
        pipeline,
        None,
        ("deals.move", {"stage": stage(pipeline, "Договор").pk}),
        event="deals.invoice_paid",
    )
    deal = DealFactory(pipeline=pipeline, owner=manager)
    invoice = SimpleNamespace(pk=41, deal_id=deal.pk)

    signals.invoice_paid.send(sender=Invoice, invoice=invoice)
    signals.invoice_paid.send(sender=Invoice, invoice=invoice)
    automation_runs_execute_due()

    deal.refresh_from_db()
    assert deal.stage.name == "Договор"
    (run,) = _runs(deal)
    assert run.occasion == "invoice:41"


def test_the_client_replying_moves_the_deal_on(pipeline, manager, commit):
    robot(
        pipeline,
        "Заявка",
        ("deals.move", {"stage": stage(pipeline, "Замер").pk}),
        event="deals.client_replied",
    )
    contact = ContactFactory()
    deal = DealFactory(pipeline=pipeline, owner=manager, contact=contact)
    commit(interaction_record, contact=contact, kind="note", direction="", body="заметка")
    commit(interaction_record, contact=contact, kind="email", direction="out", subject="Вам")
    assert _runs(deal).count() == 0

    commit(interaction_record, contact=contact, kind="email", direction="in", subject="Re: замер")
    automation_runs_execute_due()

    deal.refresh_from_db()
    assert deal.stage.name == "Замер"


def test_a_filled_form_of_a_client_with_an_open_deal_is_a_trigger(pipeline, manager):
    robot(
        pipeline,
        None,
        ("deals.notify", {"recipient": "owner", "text": "Клиент оставил заявку"}),
        event="deals.form_filled",
    )
    contact = ContactFactory()
    deal = DealFactory(pipeline=pipeline, owner=manager, contact=contact)
    closed = DealFactory(
        pipeline=pipeline, owner=manager, contact=contact, closed_at=timezone.now()
    )
    lead = Lead.objects.create(name="Анна", contact=contact, channel="web_form", source="web_form")

    signals.lead_received.send(sender=Lead, lead=lead)
    automation_runs_execute_due()

    assert [r.object_id for r in AutomationRun.objects.all()] == [deal.pk]
    assert not _runs(closed).exists()
    assert Notification.objects.filter(recipient=manager, kind="robot").count() == 1


def test_a_field_change_sets_another_field(pipeline, manager, commit):
    robot(
        pipeline,
        None,
        ("deals.set_field", {"field": "expected_close_date", "value": "2027-03-01"}),
        event="deals.field_changed",
        conditions=[{"field": "changed", "op": "contains", "value": "amount"}],
    )
    deal = DealFactory(pipeline=pipeline, owner=manager)
    commit(deal_update, actor=manager, deal=deal, title="Другое название")
    assert _runs(deal).count() == 0
    commit(deal_update, actor=manager, deal=deal, amount="300000")
    automation_runs_execute_due()
    deal.refresh_from_db()
    assert deal.expected_close_date == dt.date(2027, 3, 1)


class _Receiver(http.server.BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[object, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers, body))
        self.send_response(type(self).answers.pop(0) if type(self).answers else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.answers, _Receiver.received = [], []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, _Receiver
    server.shutdown()


def test_a_webhook_is_signed_and_retried_on_a_5xx(pipeline, manager, commit, receiver):
    server, handler = receiver
    handler.answers = [503]
    url = f"http://127.0.0.1:{server.server_port}/hook"
    rule = robot(pipeline, "Замер", ("deals.webhook", {"url": url}))
    deal = DealFactory(pipeline=pipeline, owner=manager)
    commit(deal_move_to_stage, actor=manager, deal=deal, stage=stage(pipeline, "Замер"))

    now = timezone.now()
    automation_runs_execute_due(now=now)
    (run,) = _runs(deal)
    assert (run.status, run.last_error) == ("scheduled", "1. deals.webhook: HTTP 503")
    automation_runs_execute_due(now=now + dt.timedelta(minutes=2))
    run.refresh_from_db()
    assert run.status == "done"

    assert len(handler.received) == 2
    headers, body = handler.received[-1]
    expected = hmac.new(
        rule.secret.encode(), headers["X-CRM-Timestamp"].encode() + b"." + body, hashlib.sha256
    )
    assert headers["X-CRM-Signature"] == "sha256=" + expected.hexdigest()
    assert headers["X-CRM-Delivery"] == handler.received[0][0]["X-CRM-Delivery"]
    assert json.loads(body)["deal"]["id"] == deal.pk


def test_a_webhook_answering_4xx_fails_at_once(pipeline, manager, commit, receiver):
    server, handler = receiver
    handler.answers = [404]
    robot(pipeline, "Замер", ("deals.webhook", {"url": f"http://127.0.0.1:{server.server_port}/"}))
    deal = DealFactory(pipeline=pipeline, owner=manager)
    commit(deal_move_to_stage, actor=manager, deal=deal, stage=stage(pipeline, "Замер"))
    automation_runs_execute_due()
    (run,) = _runs(deal)
    assert (run.status, run.last_error) == ("failed", "1. deals.webhook: HTTP 404")
    assert Notification.objects.filter(recipient=manager, kind="automation-failed").exists()


@pytest.mark.parametrize(
    ("action", "key"),
    [
        (("deals.move", {"stage": 0}), "actions.0.stage"),
        (("deals.task", {"title": ""}), "actions.0.title"),
        (("deals.webhook", {"url": "ftp://x"}), "actions.0.url"),
        (("deals.set_field", {"field": "amount", "value": "-5"}), "actions.0.value"),
        (("deals.email", {"template": "no_such_template"}), "actions.0.template"),
        (("deals.notify", {"recipient": "user", "text": "x"}), "actions.0.user"),
    ],
)
def test_bad_action_parameters_are_field_errors(pipeline, action, key):
    with pytest.raises(ValidationError) as caught:
        robot(pipeline, "Замер", action)
    assert key in caught.value.message_dict


def test_a_move_to_another_pipelines_stage_is_refused(pipeline):
    other = PipelineFactory()
    with pytest.raises(ValidationError) as caught:
        robot(pipeline, None, ("deals.move", {"stage": stage(other, "Замер").pk}))
    assert "actions.0.stage" in caught.value.message_dict


def test_a_stage_of_another_pipeline_is_not_a_scope(pipeline):
    from crm.automation.services import rule_create

    other = PipelineFactory()
    with pytest.raises(ValidationError) as caught:
        rule_create(
            actor=None,
            name="x",
            event="deals.stage_entered",
            scope={"pipeline": pipeline.pk, "stage": stage(other, "Замер").pk},
            actions=[TASK and {"code": TASK[0], "params": TASK[1]}],
        )
    assert "scope.stage" in caught.value.message_dict


def test_a_broker_that_is_down_leaves_the_runs_to_the_poller(
    pipeline, manager, commit, monkeypatch
):
    from crm.automation import services

    def refuse(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(services, "enqueue_on_commit", refuse)
    robot(pipeline, "Замер", TASK)
    deal = DealFactory(pipeline=pipeline, owner=manager)

    commit(deal_move_to_stage, actor=manager, deal=deal, stage=stage(pipeline, "Замер"))

    deal.refresh_from_db()
    assert deal.stage.name == "Замер"
    assert _runs(deal).get().status == "scheduled"
    automation_runs_execute_due()
    assert Task.objects.count() == 1

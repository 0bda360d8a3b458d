"""Robots in the background for real: a Celery worker on the Redis broker runs what a stage
move started, after the commit; the beat task runs what waited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm.automation.models import AutomationRun
from crm.automation.tasks import poll
from crm.models import Task
from crm.tests.helpers import wait_until
from deals.services.deals import deal_move_to_stage

from .factories import DealFactory, PipelineFactory, stage
from .factories_automation import TASK, robot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stage_move_runs_its_robot_in_the_worker_after_the_commit(celery_worker, manager):
    pipeline = PipelineFactory(name="Мебель на заказ")
    robot(pipeline, "Замер", TASK)
    deal = DealFactory(pipeline=pipeline, owner=manager)

    deal_move_to_stage(actor=manager, deal=deal, stage=stage(pipeline, "Замер"))

    task = wait_until(lambda: Task.objects.filter(object_id=str(deal.pk)).first())
    assert task.title == "Подтвердить замер"
    run = wait_until(lambda: AutomationRun.objects.filter(status="done").first())
    assert run.attempts == 1


def test_the_beat_task_runs_a_delayed_robot(celery_worker, manager):
    pipeline = PipelineFactory(name="Мебель на заказ")
    robot(pipeline, "Замер", TASK, delay_minutes=30)
    deal = DealFactory(pipeline=pipeline, owner=manager)
    deal_move_to_stage(actor=manager, deal=deal, stage=stage(pipeline, "Замер"))
    run = wait_until(lambda: AutomationRun.objects.first())
    assert run.status == "scheduled"
    # Half an hour later, as beat would find it.
    AutomationRun.objects.filter(pk=run.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )

    poll.delay()

    wait_until(lambda: AutomationRun.objects.filter(pk=run.pk, status="done").exists())
    assert Task.objects.filter(object_id=str(deal.pk)).count() == 1

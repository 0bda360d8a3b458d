"""The tasks on the routing queue, run by the project's ordinary worker (which consumes the
routing queue without being told), and the beat entry of the overdue sweep."""

from __future__ import annotations

import pytest
from django.db import transaction

from crm.celery import app
from crm.routing import tasks
from crm.routing.models import Strategy
from crm.routing.schedule import OVERDUE_SWEEP
from crm.routing.services import routing_rule_create
from crm.tests.factories import UserFactory
from crm.tests.helpers import wait_until
from deals.models import Lead
from deals.tests.factories import LeadFactory

from .kind import CODE


def test_the_queue_and_the_beat_entry_are_registered():
    assert "routing" in {q.name for q in app.conf.task_queues}
    assert "celery" in {q.name for q in app.conf.task_queues}
    entry = app.conf.beat_schedule[OVERDUE_SWEEP]
    assert entry["task"] == "crm.routing.tasks.reassign_overdue"
    assert tasks.route_item.queue == "routing"
    routing = next(q for q in app.conf.task_queues if q.name == "routing")
    assert (routing.exchange.name, routing.routing_key) == ("routing", "routing")


@pytest.mark.django_db(transaction=True)
def test_an_item_queued_after_commit_is_routed_by_the_worker(celery_worker):
    person = UserFactory()
    routing_rule_create(
        actor=None, kind=CODE, name="R", strategy=Strategy.ROUND_ROBIN, people=[person]
    )

    with transaction.atomic():
        lead = LeadFactory()
        transaction.on_commit(lambda: tasks.route_item.delay(CODE, lead.pk))

    wait_until(lambda: Lead.objects.filter(pk=lead.pk, owner=person).exists(), timeout=30)


@pytest.mark.django_db(transaction=True)
def test_the_sweep_task_runs_on_the_worker(celery_worker):
    person = UserFactory(availability="away")
    routing_rule_create(
        actor=None, kind=CODE, name="R", strategy=Strategy.ROUND_ROBIN, people=[person]
    )
    lead = LeadFactory()
    person.availability = "available"
    person.save()

    tasks.reassign_overdue.delay()

    wait_until(lambda: Lead.objects.filter(pk=lead.pk, owner=person).exists(), timeout=30)

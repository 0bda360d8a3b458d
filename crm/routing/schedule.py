"""The engine's place in Celery: its own queue and its beat entry, added from
``RoutingConfig.ready()`` so that the project's settings need not know about them.

Routing has a queue of its own so that a burst of leads is not stuck behind a mailing or an
import. A worker started without ``-Q`` consumes every queue of ``task_queues``, so adding the
queue there makes the ordinary worker serve it; a deployment may run dedicated routing workers
with ``-Q routing``.
"""

from __future__ import annotations

from kombu import Exchange, Queue

OVERDUE_SWEEP = "routing-reassign-overdue"


def celery_register() -> None:
    from crm.celery import app

    from .tasks import QUEUE

    default = app.conf.task_default_queue
    queues = list(app.conf.task_queues or [Queue(default, Exchange(default), routing_key=default)])
    if QUEUE not in {q.name for q in queues}:
        # An exchange and key of its own: a queue left without them is bound to the default
        # exchange with the default key, and would receive a copy of every default task.
        app.conf.task_queues = [*queues, Queue(QUEUE, Exchange(QUEUE), routing_key=QUEUE)]
    schedule = dict(app.conf.beat_schedule or {})
    schedule.setdefault(
        OVERDUE_SWEEP, {"task": "crm.routing.tasks.reassign_overdue", "schedule": 60.0}
    )
    app.conf.beat_schedule = schedule

"""Celery tasks of the routing engine, on the ``routing`` queue (see ``crm/routing/apps.py``):
thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import services

QUEUE = "routing"


@shared_task(bind=True, queue=QUEUE, acks_late=True, max_retries=5, default_retry_delay=2)
def route_item(self, kind: str, item_id: int) -> int | None:
    """Route one item; safe to deliver twice (an assigned item is left alone). A deadlock
    between two rules sharing a person (see services) is retried."""
    try:
        assignment = services.routing_route(kind=kind, item_id=item_id)
    except OperationalError as exc:
        raise self.retry(exc=exc) from exc
    return assignment.user_id if assignment else None


@shared_task(queue=QUEUE)
def reassign_overdue() -> dict[str, int]:
    """Every minute from beat: items not taken in time, then items still waiting for someone."""
    return {
        "reassigned": services.routing_reassign_overdue(),
        "routed": services.routing_route_pending(),
    }

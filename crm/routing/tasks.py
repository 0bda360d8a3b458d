"""Celery tasks of the routing engine, on the ``routing`` queue (see ``crm/routing/apps.py``):
thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import services

QUEUE = "routing"


@shared_task(bind=True, queue=QUEUE, acks_late=True, max_retries=5, default_retry_delay=2)
def route_item(self, kind: str, item_id: int) -> int:
    """Route the item together with other items of its kind waiting for someone (one batch);
    return how many were assigned. Safe to deliver twice: an assigned item is left alone, and
    after a burst most tasks find their item already routed by an earlier batch. A deadlock
    between two rules sharing a person (see services) is retried."""
    try:
        made = services.routing_route_with_pending(kind=kind, item_id=item_id)
    except OperationalError as exc:
        raise self.retry(exc=exc) from exc
    return len(made)


@shared_task(bind=True, queue=QUEUE, acks_late=True, max_retries=5, default_retry_delay=2)
def route_batch(self, kind: str, item_ids: list[int] | None = None) -> int:
    """Route a batch of items of one kind (by default its pending ones); how many were
    assigned."""
    try:
        made = services.routing_route_batch(kind=kind, item_ids=item_ids)
    except OperationalError as exc:
        raise self.retry(exc=exc) from exc
    return len(made)


@shared_task(queue=QUEUE)
def reassign_overdue() -> dict[str, int]:
    """Every minute from beat: items not taken in time, then items still waiting for someone."""
    return {
        "reassigned": services.routing_reassign_overdue(),
        "routed": services.routing_route_pending(),
    }

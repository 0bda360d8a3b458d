"""Celery tasks of the shared core: thin wrappers that call services and own retries."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from django.core.cache import cache
from django.utils import timezone

from . import services

HEARTBEAT_KEY = "crm:worker-heartbeat"


@shared_task
def send_due_reminders() -> int:
    sent = services.reminders_send_due()
    services.notifications_requeue_stale()
    return sent


@shared_task(bind=True, max_retries=8, default_retry_delay=30, acks_late=True)
def send_notification_email(self, notification_id: int) -> bool:
    try:
        return services.notification_send_email(notification_id=notification_id)
    except OSError as exc:  # SMTP down or refusing: try again later
        raise self.retry(exc=exc) from exc


@shared_task
def worker_heartbeat() -> str:
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


@worker_ready.connect
def _heartbeat_on_start(**kwargs) -> None:
    worker_heartbeat.delay()

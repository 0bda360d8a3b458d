"""Celery tasks of messages: thin, idempotent wrappers that call services and own retries."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(services.DeliveryFailed,),
    # 30 s, 60 s, 2 min … capped at 30 min, with jitter so that a mail server coming back is
    # not hit by every queued message in the same second; about a day of tries in all.
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=12,
)
def deliver_message(self, message_id: int) -> str:
    """Deliver one message; a sent one is not sent again, so a retry or a second delivery
    of the task is harmless."""
    return services.message_deliver(message_id=message_id).status


@shared_task
def requeue_stale_messages() -> int:
    """Beat, every minute: messages whose delivery job was lost are queued again."""
    return services.messages_requeue_stale()

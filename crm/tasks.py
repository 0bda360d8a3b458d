"""Celery tasks of the shared core: thin wrappers that call services and own retries."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from . import services
from .jobs import services as jobs

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


@shared_task(
    acks_late=True,
    # Longer than the other tasks', shorter than the broker's visibility timeout (settings).
    soft_time_limit=settings.JOB_SOFT_TIME_LIMIT,
    time_limit=settings.JOB_TIME_LIMIT,
)
def run_job(job_id: int) -> str:
    """Check or run a job of any kind; the job shows its progress as it goes.

    Safe to deliver twice: a job runs once at a time and only while it is queued or running.
    The change history names the job's creator, as if they had done it by hand.
    """
    return jobs.job_run(job_id=job_id, via="task").status


@shared_task
def purge_job_uploads() -> int:
    """Daily: uploads of checks and failed jobs older than IMPORT_FILE_RETENTION_DAYS."""
    return jobs.job_uploads_purge(older_than=dt.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS))


@shared_task(bind=True, max_retries=8, default_retry_delay=30, acks_late=True)
def send_password_reset(self, email: str) -> int:
    """Mail the reset link, if an account has this address. The lookup happens here, not in
    the request, so the page answers alike and as fast for known and unknown addresses."""
    try:
        return services.password_reset_send(email=email)
    except OSError as exc:  # SMTP down or refusing: try again later
        raise self.retry(exc=exc) from exc


@shared_task
def purge_sign_in_records() -> int:
    """Daily: sign-in records the lockout no longer needs (they hold addresses)."""
    return services.sign_in_records_purge()


@shared_task
def sweep_stalled_jobs() -> dict[str, int]:
    """Every minute: jobs whose worker died are queued again, or failed after
    JOB_MAX_ATTEMPTS runs; queued jobs whose message was lost are sent again."""
    return jobs.jobs_sweep_stalled()

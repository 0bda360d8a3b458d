"""Celery tasks of the customer base: thin wrappers that call services and own retries."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings

from . import imports, services


@shared_task(acks_late=True)
def import_run(job_id: int, dry_run: bool = False) -> str:
    """Check or import the rows of an uploaded file; the job shows its progress as it goes.

    Safe to deliver twice: a job runs once at a time and only while it is queued or running.
    """
    return imports.import_job_run(job_id=job_id, dry_run=dry_run).status


@shared_task
def recompute_customer_value() -> dict[str, int]:
    """Nightly: lifetime value and purchase counts from purchases, then RFM scores over all
    buyers (the quintiles move as other clients buy, so every score is recomputed)."""
    refreshed = services.customer_value_refresh()
    scored = services.rfm_recompute()
    return {"refreshed": refreshed, "scored": scored}


@shared_task
def purge_import_files() -> int:
    """Daily: uploads of checks and failed imports older than IMPORT_FILE_RETENTION_DAYS."""
    return imports.import_files_purge(
        older_than=dt.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    )

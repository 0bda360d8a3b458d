"""Celery tasks of the engine: each takes ids and calls one service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def execute_run(run_id: int) -> str | None:
    """A run due now, started after the commit that made it. Safe to deliver twice: the
    claim lets one worker have it."""
    return services.automation_run_execute(run_id=run_id)


@shared_task
def poll() -> dict[str, int]:
    """Beat: make the runs of time conditions, then run every due run (delays, retries,
    runs whose worker died)."""
    return services.automation_poll()

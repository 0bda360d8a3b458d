"""Celery tasks of the engine: each takes ids and calls one service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def execute_run(run_id: int) -> str | None:
    """A run due now, started after the commit that made it. Safe to deliver twice: the
    claim lets one worker have it."""
    return services.automation_run_execute(run_id=run_id)


@shared_task(acks_late=True)
def execute_runs(run_ids: list[int]) -> int:
    """The runs of one event, due now; each is claimed, so a run the poller took already
    is not run again."""
    return services.automation_runs_execute(run_ids=run_ids)


@shared_task
def poll() -> dict[str, int]:
    """Beat: make the runs of time conditions, then run every due run (delays, retries,
    runs whose worker died)."""
    return services.automation_poll()

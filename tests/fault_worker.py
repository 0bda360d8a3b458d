"""A real Celery worker for the fault tests (tests/test_faults.py), in a process of its own
that a test can kill with SIGKILL.

    python tests/fault_worker.py worker --pool prefork --concurrency 1 …

It is the project's worker with one more job kind, ``crm.test_gated``: its step writes one
team per row and, after the row named in the job's options, waits until the test opens a gate
(a key in Redis), so that a test catches a run in the middle deterministically.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import redis

GATE_WAIT_SECONDS = 120  # the longest a step waits for its gate; the test fails long before


def gate_keys(job_id: int) -> tuple[str, str]:
    """(reached, open): the step counts its arrivals at the gate in the first; it goes on once
    the second exists."""
    return f"crm-fault:{job_id}:reached", f"crm-fault:{job_id}:open"


def _gated_step(job, progress):
    from crm.jobs.kinds import Outcome
    from crm.models import Team

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    reached, opened = gate_keys(job.pk)
    outcome = Outcome()
    for number, name in enumerate(job.options["rows"], start=1):
        Team.objects.create(name=name)
        outcome.created += 1
        outcome.processed += 1
        progress(outcome.processed)
        if number == job.options.get("gate_after"):
            _wait_at_gate(client, reached, opened)
    return outcome


def _wait_at_gate(client: redis.Redis, reached: str, opened: str) -> None:
    deadline = time.monotonic() + GATE_WAIT_SECONDS
    told = False
    while time.monotonic() < deadline:
        try:
            if not told:
                client.incr(reached)
                told = True
            if client.exists(opened):
                return
        except redis.ConnectionError:
            pass  # Redis restarting under the test: keep waiting for it
        time.sleep(0.05)
    raise TimeoutError("the test never opened the gate")


def gated_kind():
    from crm.jobs.kinds import JobKind

    return JobKind(
        code="crm.test_gated",
        label="Gated team import",
        permission="crm.change_team",
        run=_gated_step,
    )


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")
    import django

    django.setup()
    from crm.celery import app
    from crm.jobs.kinds import JOB_KINDS, job_kind_register

    with JOB_KINDS.override():
        job_kind_register(gated_kind())
        app.worker_main(["worker", *sys.argv[1:]])


if __name__ == "__main__":
    main()

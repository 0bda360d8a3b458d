"""What a job's pages build on — the engine's own and each kind's: the job as the signed-in
person may see it, and what the job templates (``crm/templates/crm/jobs/``) need."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from crm.models import Job

from .kinds import job_kind
from .selectors import jobs_visible_to

# Row errors shown on the page; the job keeps more, and their count is always exact.
ERRORS_SHOWN = 200


def job_for(request: HttpRequest, pk: int, *, kind: str | None = None) -> Job:
    """The job as the signed-in person may see it: not found unless it is theirs (or they are
    an administrator), refused unless their role may run its kind."""
    job = get_object_or_404(jobs_visible_to(request.user, kind=kind), pk=pk)
    if not request.user.has_perm(job_kind(job.kind).permission):
        raise PermissionDenied
    return job


def job_state_context(job: Job) -> dict:
    """The context of ``crm/jobs/_state.html``: the progress while the job runs, then the
    kind's result template."""
    errors = job.errors or []
    return {
        "job": job,
        "kind": job_kind(job.kind),
        "in_progress": job.in_progress,
        "can_start": job.status in (Job.Status.CHECKED, Job.Status.FAILED),
        "errors": errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
        "good_rows": max(0, job.total_rows - job.error_count),
    }

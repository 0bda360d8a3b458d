"""The job engine's pages: the state a job's page polls while the job runs, and the button
that starts the real run after the check.

A kind's own page (its upload form, its column mapping) lives in its app and builds on
``pages``: it finds the job with ``job_for``, and renders ``crm/jobs/detail.html`` — or a
template that extends it — with ``job_state_context``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from crm.models import Job

from . import services
from .kinds import job_kind
from .pages import job_for, job_state_context


@login_required
@require_GET
@never_cache
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """What a job's page polls every second while the job runs; once it ends, the result."""
    job = job_for(request, pk)
    return render(request, "crm/jobs/_state.html", job_state_context(job))


@login_required
@require_POST
def job_start(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_for(request, pk)
    page = redirect(job_kind(job.kind).page, pk=job.pk)
    valid_only = request.POST.get("valid_only") == "on"
    if job.status == Job.Status.CHECKED and job.error_count and not valid_only:
        messages.error(
            request,
            _("Some rows have errors. Fix them in the file, or tick “Import valid rows only”."),
        )
        return page
    try:
        services.job_start(actor=request.user, job=job, valid_only=valid_only)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return page

"""The reads of the job engine."""

from __future__ import annotations

from django.db.models import QuerySet

from crm.models import Job, Role, User


def jobs_visible_to(user: User, *, kind: str | None = None) -> QuerySet[Job]:
    """Jobs ``user`` may look at, of one kind when given: their own; administrators see all."""
    jobs = Job.objects.select_related("created_by")
    if kind is not None:
        jobs = jobs.filter(kind=kind)
    return jobs if user.has_role(Role.ADMIN) else jobs.filter(created_by=user)

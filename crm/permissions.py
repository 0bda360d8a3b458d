"""The permission check every service makes before it changes state.

A view, the API, a Celery task and a management command reach the same service, so the check
lives there and each door gets the same refusal (zulip's ``check_*`` before ``do_*``). Views
and viewsets may check earlier to answer faster, never instead.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def require_permission(actor, permission: str, message: str | None = None) -> None:
    """Refuse unless ``actor``'s role grants ``permission`` ("app_label.codename").

    ``actor=None`` is the system's own work — demo data, a nightly recomputation, a sweep
    started by beat. Only code passes it: every request, task started by a person and command
    run by a person names that person.
    """
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(message or _("Your role does not allow this."))

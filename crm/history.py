"""Who changed what: the change history (django-pghistory) names the acting person whatever
the door a change came through.

Requests are annotated by ``pghistory.middleware.HistoryMiddleware``. Work that runs outside
a request — a Celery task, a management command, a beat job — wraps itself in
``acting_as(user, via="…")`` so that a contact changed by an import names its importer, and
``via`` tells which door it was (``task:contacts.import``, ``command:contacts_import``).
"""

from __future__ import annotations

import pghistory


def acting_as(user, *, via: str) -> pghistory.context:
    """A context (and decorator) under which every tracked change records ``user`` and ``via``.

    ``user`` may be ``None`` for the system's own work (a nightly recomputation)."""
    return pghistory.context(user=user.pk if user is not None else None, via=via)

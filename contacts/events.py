"""System events on the timeline, told in the language of whoever reads them.

The event's code and parameters are stored with the interaction (``data["event"]``,
``data["params"]``); the subject column keeps the text in the author's language for the API
and for search, and the card renders the event anew in the reader's language.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.utils.translation import gettext_lazy

from .models import Consent

EVENTS = {
    "contact_created": gettext_lazy("Contact created"),
    "consent_granted": gettext_lazy("Consent granted: %(purpose)s"),
    "consent_withdrawn": gettext_lazy("Consent withdrawn: %(purpose)s"),
    "merged": gettext_lazy("Merged with %(name)s (#%(id)s)"),
    "merge_undone": gettext_lazy("Merge with %(name)s (#%(id)s) undone"),
}


def event_text(event: str, params: dict[str, Any] | None = None) -> str | None:
    """The event in the active language, or None for an event this version does not know."""
    message = EVENTS.get(event)
    if message is None:
        return None
    params = dict(params or {})
    if "purpose" in params:
        with contextlib.suppress(ValueError):
            params["purpose"] = Consent.Purpose(params["purpose"]).label
    try:
        return str(message) % params if params else str(message)
    except (KeyError, TypeError, ValueError):  # parameters of another version of the event
        return str(message)

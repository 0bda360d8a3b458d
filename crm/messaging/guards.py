"""Who may not be written to: ``SEND_GUARDS``, asked before a message is composed and again
right before it is handed to the mail server.

A guard is ``fn(to, purpose) -> reason | None``: the address (normalised), the template's
purpose ("transactional" or "marketing"), and a sentence for people when it refuses. The
suppression list is the built-in guard; contacts registers the consent guard (a marketing
message only to a client who agreed to receive it), and later channels and mailings add
theirs from their ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from crm.registry import Registry

from .models import Suppression

SendGuard = Callable[[str, str], str | None]
SEND_GUARDS: Registry[SendGuard] = Registry("send guards")


def suppression_guard(to: str, purpose: str) -> str | None:
    """Every message, transactional ones included: a bounced address does not start working
    for invoices, and a person who complained is not written to at all."""
    reason = Suppression.objects.filter(address=to).values_list("reason", flat=True).first()
    if reason is None:
        return None
    label = Suppression.Reason(reason).label
    return _("The address is on the suppression list (%(reason)s).") % {"reason": label}


def send_refusal(*, to: str, purpose: str) -> str | None:
    """The first guard's reason to refuse, or None when every guard lets the message go."""
    for guard in SEND_GUARDS:
        reason = guard(to, purpose)
        if reason:
            return str(reason)
    return None


def send_guards_register() -> None:
    """Called from ``MessagingConfig.ready()``."""
    SEND_GUARDS.register("suppression", suppression_guard, order=0)

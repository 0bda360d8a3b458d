"""How addresses and message texts on the messages' pages leave the server for a viewer.

The masking of contact details is the customer base's (contacts/masking.py), and the core
does not import the apps built on it: contacts registers its masking here (``MASKS``, a
``Masker`` of an address and of free text). Without one registered, only an administrator
sees addresses in clear.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from crm.models import Role
from crm.registry import Registry


@dataclass(frozen=True)
class Masker:
    address: Callable[[object, str], str]  # (viewer, address) -> what they may see
    text: Callable[[object, str], str]  # (viewer, free text) -> the same, details masked


MASKS: Registry[Masker] = Registry("message masks")

_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _fallback_address(user, address: str) -> str:
    if user.has_role(Role.ADMIN):
        return address
    local, at, domain = address.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"


def _masker() -> Masker:
    for masker in MASKS:
        return masker
    return Masker(
        address=_fallback_address,
        text=lambda user, text: _EMAIL_IN_TEXT.sub(
            lambda m: _fallback_address(user, m.group(0)), text
        ),
    )


def address_for(user, address: str) -> str:
    return _masker().address(user, address) if address else ""


def text_for(user, text: str) -> str:
    return _masker().text(user, text) if text else ""

"""How an address on the messages' pages leaves the server for a given viewer.

The masking of contact details is the customer base's (contacts/masking.py), and the core
does not import the apps built on it: contacts registers its masking here
(``ADDRESS_MASKS``, ``fn(user, address) -> str``). Without one registered, only an
administrator sees addresses in clear.
"""

from __future__ import annotations

from collections.abc import Callable

from crm.models import Role
from crm.registry import Registry

AddressMask = Callable[[object, str], str]
ADDRESS_MASKS: Registry[AddressMask] = Registry("address masks")


def _fallback(user, address: str) -> str:
    if user.has_role(Role.ADMIN):
        return address
    local, at, domain = address.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"


def address_for(user, address: str) -> str:
    if not address:
        return ""
    for mask in ADDRESS_MASKS:
        return mask(user, address)
    return _fallback(user, address)


def address_masks_register() -> None:
    """Nothing of its own: the fallback applies until contacts registers its masking."""

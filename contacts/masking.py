"""The one masking layer: how a phone or an e-mail leaves the server for a given viewer.

Pages (the ``phone_for`` / ``email_for`` template filters), API serializers, exports and the
selectors that build keys for attributes all go through these functions, so a role that sees
contact details masked (``selectors.masked_fields_for``, from ``CONTACT_FIELD_MASKS``) never
receives the clear value, whether in text, an attribute or a file. Where a page needs a stable
key for a value (a duplicates group), it gets ``opaque_key``, never the value itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection

import phonenumbers
from django.conf import settings

from .validators import format_phone, mask_email, mask_phone

PHONE = "phone"
EMAIL = "email"


def phone_for(number: str, masks: Collection[str] | None, *, as_stored: bool = False) -> str:
    """The phone as the viewer may see it: masked (+7 916 ***-**-67) for roles that get
    masks; otherwise readable (+7 916 123-45-67), or as stored (E.164) for files."""
    if not number:
        return ""
    if masks and PHONE in masks:
        return mask_phone(number)
    return number if as_stored else format_phone(number)


def email_for(address: str, masks: Collection[str] | None) -> str:
    """The e-mail as the viewer may see it: a***@example.com for roles that get masks."""
    if not address:
        return ""
    return mask_email(address) if masks and EMAIL in masks else address


def point_for(kind: str, value: str, masks: Collection[str] | None) -> str:
    """A phone (``kind`` "phone") or an e-mail (anything else) as the viewer may see it."""
    return phone_for(value, masks) if kind == PHONE else email_for(value, masks)


def opaque_key(kind: str, value: str) -> str:
    """A stable key standing for a contact point in markup (``data-key``) that does not give
    the value away: a keyed hash, so it cannot be reversed by hashing every phone number."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256
    ).hexdigest()
    return f"{kind}-{digest[:16]}"


# An address inside free text: what people write in notes, not the full RFC 5322 grammar.
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def text_for(text: str, masks: Collection[str] | None) -> str:
    """Free text (a note, an interaction's subject or body, a custom text field) as the viewer
    may see it: phone numbers and e-mail addresses written inside it are masked the way the
    structured ones are, for the roles that get masks; other roles read it as written.

    Numbers are found by ``phonenumbers.PhoneNumberMatcher`` (the default region, RU), so
    "8 (958) 306-07-66" and "+7 958 306 07 66" are recognised but a date or an amount is not.
    """
    if not text or not masks:
        return text
    # E-mails first: digits in an address's name are not a phone number of their own.
    if EMAIL in masks:
        text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group(0)), text)
    if PHONE in masks:
        parts, last = [], 0
        for match in phonenumbers.PhoneNumberMatcher(text, settings.PHONE_DEFAULT_REGION):
            number = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            parts += [text[last : match.start], mask_phone(number)]
            last = match.end
        text = "".join(parts) + text[last:]
    return text

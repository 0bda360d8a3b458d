"""The customer base's part in sending messages (crm/messaging): consents, and the masking
of addresses and texts on the messages' pages and API.

A marketing message goes only to an address whose client agreed to receive marketing on that
channel (152-FZ art. 9 and 38-FZ "On Advertising" art. 18: advertising by e-mail or SMS needs
the recipient's prior consent). The consent is the client's, recorded on their card; the
message is to an address, so the guard finds the clients behind it. An address that no client
has, or whose client has not agreed, or has withdrawn — through any of the cards that share
it — is refused.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from crm.messaging.guards import SEND_GUARDS
from crm.messaging.masking import MASKS, Masker
from crm.messaging.models import Purpose

from . import masking
from .models import Consent, Contact, Email, Phone
from .selectors import masked_fields_for
from .validators import try_normalize_phone


def marketing_consent_guard(to: str, purpose: str) -> str | None:
    if purpose != Purpose.MARKETING:
        return None
    if "@" in to:
        consent = Consent.Purpose.MARKETING_EMAIL
        holders = Email.objects.annotate(low=Lower("address")).filter(
            low=to.lower(), contact__isnull=False
        )
    else:
        consent = Consent.Purpose.MARKETING_SMS
        number = try_normalize_phone(to)
        holders = Phone.objects.filter(number=number or to, contact__isnull=False)
    contacts = Contact.objects.filter(
        pk__in=holders.values("contact_id"), merged_into__isnull=True
    ).annotate(
        granted=Exists(
            Consent.objects.filter(contact=OuterRef("pk"), purpose=consent, granted=True)
        )
    )
    answers = list(contacts.values_list("granted", flat=True)[:50])
    if not answers:
        return _("No client with this address has agreed to receive marketing messages.")
    if not all(answers):
        return _("The client has not agreed to receive marketing messages.")
    return None


def _address_for(user, address: str) -> str:
    return masking.email_for(address, masked_fields_for(user))


def _text_for(user, text: str) -> str:
    return masking.text_for(text, masked_fields_for(user))


def messaging_guards_register() -> None:
    """Called from ``ContactsConfig.ready()``."""
    SEND_GUARDS.register("contacts.marketing_consent", marketing_consent_guard, order=10)
    MASKS.register("contacts", Masker(address=_address_for, text=_text_for))

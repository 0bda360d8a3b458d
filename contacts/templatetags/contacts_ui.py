"""Template helpers of the customer base: phones and e-mails as the viewer may see them,
money, durations, custom field values and the card blocks other apps add."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import template
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .. import masking
from ..events import event_text

register = template.Library()

CURRENCY_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€", "KZT": "₸", "BYN": "Br", "CNY": "¥"}


@register.filter
def phone_for(number: str, masks) -> str:
    """The phone as the viewer may see it (``contacts.masking``)."""
    return masking.phone_for(number, masks)


@register.filter
def email_for(address: str, masks) -> str:
    """The e-mail as the viewer may see it (``contacts.masking``)."""
    return masking.email_for(address, masks)


@register.filter
def text_for(text: str, masks) -> str:
    """Free text with the phones and e-mails written in it as the viewer may see them."""
    return masking.text_for(text, masks)


@register.filter
def initials(person) -> str:
    parts = [getattr(person, "last_name", ""), getattr(person, "first_name", "")]
    letters = "".join(p[:1] for p in parts if p)
    if not letters:
        letters = str(getattr(person, "name", "") or person)[:1]
    return letters.upper() or "?"


@register.filter
def duration(seconds) -> str:
    """125 → 2:05; 3725 → 1:02:05."""
    if seconds in (None, ""):
        return ""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def money(value, currency: str = "RUB") -> str:
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    places = 0 if amount == amount.to_integral_value() else 2
    number = formats.number_format(amount, decimal_pos=places, use_l10n=True, force_grouping=True)
    sign = CURRENCY_SIGNS.get((currency or "").upper())
    return f"{number}\u00a0{sign or currency}"


@register.filter
def http_url(value: str) -> str:
    """Only web addresses become links: a recording URL from an outside system could be a
    ``javascript:`` one."""
    value = (value or "").strip()
    return value if value.lower().startswith(("http://", "https://")) else ""


@register.filter
def custom_value(value, definition) -> str:
    kind = getattr(definition, "field_type", "text")
    if kind == "bool":
        return _("Yes") if value else _("No")
    if kind == "multi" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if kind == "date":
        try:
            return formats.date_format(dt.date.fromisoformat(str(value)), "j E Y")
        except ValueError:
            return str(value)
    if kind == "number":
        try:
            return formats.number_format(Decimal(str(value)), use_l10n=True, force_grouping=True)
        except InvalidOperation:
            return str(value)
    return str(value)


@register.simple_tag(takes_context=True)
def card_block(context, block) -> str:
    """Render a block another app adds to the 360° card with its own context."""
    values = {"contact": context.get("contact"), "user": context.get("user"), "block": block}
    values.update(block.context)
    return render_to_string(block.template, values, request=context.get("request"))


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def when(value) -> str:
    """A moment on the timeline: "Today, 14:05", "Yesterday, 09:30", "12 Mar, 10:00",
    "12 Mar 2023, 10:00" — in the viewer's time zone and language."""
    if not value:
        return ""
    local = timezone.localtime(value)
    today = timezone.localdate()
    clock = formats.time_format(local, "H:i")
    if local.date() == today:
        return _("Today, %(time)s") % {"time": clock}
    if local.date() == today - dt.timedelta(days=1):
        return _("Yesterday, %(time)s") % {"time": clock}
    day = formats.date_format(local, "j M" if local.year == today.year else "j M Y")
    return f"{day}, {clock}"


@register.filter
def subject_for_reader(item) -> str:
    """A system event told in the reader's language; other interactions as they were written."""
    data = item.data if isinstance(item.data, dict) else {}
    if data.get("event"):
        text = event_text(data["event"], data.get("params"))
        if text is not None:
            return text
    return item.subject

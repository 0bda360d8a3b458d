"""How amounts and times read on the board and the deal card."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()

SYMBOLS = {"RUB": "₽", "USD": "$", "EUR": "€", "KZT": "₸", "BYN": "Br", "CNY": "¥"}


def money_text(amount, currency: str = "RUB") -> str:
    """1 250 000 ₽ — groups of three with a narrow space, kopecks only when there are any."""
    if amount in (None, ""):
        return ""
    value = Decimal(amount)
    whole = value == value.to_integral_value()
    text = f"{value:,.0f}" if whole else f"{value:,.2f}"
    text = text.replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0{SYMBOLS.get(currency, currency)}"


@register.filter
def money(amount, currency="RUB") -> str:
    return money_text(amount, currency or "RUB")


def sums_text(sums) -> str:
    return " · ".join(money_text(total, currency) for currency, total in sums)


@register.filter
def sums(pairs) -> str:
    return sums_text(pairs)


@register.filter
def duration(seconds) -> str:
    """3 d 4 h, 5 h 10 min, 12 min: how long a deal stayed in a stage."""
    seconds = int(seconds or 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


@register.filter
def days(n) -> str:
    n = int(n or 0)
    return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}


@register.simple_tag(takes_context=True)
def deal_block(context, block) -> str:
    """Render a block an app registers on the deal card, with its own context (and the
    ``deal``, ``user`` and ``block``)."""
    from django.template.loader import render_to_string

    values = {"deal": context.get("deal"), "user": context.get("user"), "block": block}
    values.update(block.context)
    return render_to_string(block.template, values, request=context.get("request"))

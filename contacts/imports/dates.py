"""Dates as the files people import write them.

Bitrix24, amoCRM and a Russian Excel write 31.12.1990; our export, Google and XLSX cells
1990-12-31; Outlook and Google in English 12/31/1990 (month first), while British or Russian
locales write 31/12/1990 (day first); a date cell shown by Numbers or Excel may read
"12 Apr 1985" or "12 апреля 1985 г.". A file does not say which: if any of its values has a
first part over 12 the order is day first (a second part over 12, month first), otherwise the
person is asked once on the mapping page and the answer is kept in the job's options
("date_order").

Google writes a birthday without a year as ``--12-31``: a birthday without its year cannot be
stored, so such a value is left out with a message, like any other unreadable date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class DateOrder(models.TextChoices):
    DAY_FIRST = "dmy", gettext_lazy("Day first: 31/12/1990")
    MONTH_FIRST = "mdy", gettext_lazy("Month first: 12/31/1990")


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?: .*)?$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?: .*)?$")
_NO_YEAR = re.compile(r"^--(\d{2})-?(\d{2})$")
# Numbers and Excel show a date cell as "12 Apr 1985", "April 12, 1985" or "12 апреля 1985 г.".
_NAMED = re.compile(r"^(\d{1,2})\.? ([^\W\d_]+)\.?,? (\d{4})(?: г\.?)?$")
_NAMED_US = re.compile(r"^([^\W\d_]+)\.? (\d{1,2}),? (\d{4})$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "янв", "январь", "января"),
            ("feb", "february", "фев", "февр", "февраль", "февраля"),
            ("mar", "march", "мар", "март", "марта"),
            ("apr", "april", "апр", "апрель", "апреля"),
            ("may", "май", "мая"),
            ("jun", "june", "июн", "июнь", "июня"),
            ("jul", "july", "июл", "июль", "июля"),
            ("aug", "august", "авг", "август", "августа"),
            ("sep", "sept", "september", "сен", "сент", "сентябрь", "сентября"),
            ("oct", "october", "окт", "октябрь", "октября"),
            ("nov", "november", "ноя", "нояб", "ноябрь", "ноября"),
            ("dec", "december", "дек", "декабрь", "декабря"),
        ),
        start=1,
    )
    for name in names
}
# Outlook writes an empty date as 0/0/00.
_EMPTY = re.compile(r"^0{1,2}[./]0{1,2}[./]0{2,4}$")


def _year(text: str, today: dt.date) -> int:
    """A two-digit year is in the past century when it would otherwise be in the future."""
    year = int(text)
    if len(text) == 2:
        year += 2000 if 2000 + year <= today.year else 1900
    return year


def date_parse(value: str, *, order: str = "", today: dt.date | None = None) -> dt.date | None:
    """The date ``value`` names; ``None`` for an empty date (Outlook's 0/0/00).

    Raises ``ValidationError`` with a message for the person when the value is not a date, has
    no year, or is written with slashes in an order the file does not settle and nobody chose.
    """
    value = " ".join(value.split())
    today = today or dt.date.today()
    if not value or _EMPTY.match(value):
        return None
    if _NO_YEAR.match(value):
        raise ValidationError(
            _("“%(value)s” has no year; a birthday without its year is not kept.")
            % {"value": value}
        )
    if found := _ISO.match(value):
        year, month, day = (int(x) for x in found.groups())
    elif found := _DOTTED.match(value):
        day, month, year = int(found[1]), int(found[2]), _year(found[3], today)
    elif found := _SLASHED.match(value):
        first, second, year = int(found[1]), int(found[2]), _year(found[3], today)
        if not order:
            order = _order_of(first, second)
        if not order:
            raise ValidationError(
                _(
                    "In “%(value)s” the day and the month could be either way round; choose "
                    "the order of dates on the mapping page."
                )
                % {"value": value}
            )
        day, month = (first, second) if order == DateOrder.DAY_FIRST else (second, first)
    elif (found := _NAMED.match(value)) and found[2].lower() in _MONTHS:
        day, month, year = int(found[1]), _MONTHS[found[2].lower()], int(found[3])
    elif (found := _NAMED_US.match(value)) and found[1].lower() in _MONTHS:
        day, month, year = int(found[2]), _MONTHS[found[1].lower()], int(found[3])
    else:
        raise ValidationError(
            _(
                "“%(value)s” is not a date; write it as DD.MM.YYYY, YYYY-MM-DD or with slashes "
                "(31/12/1990 or 12/31/1990)."
            )
            % {"value": value}
        )
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValidationError(
            _("“%(value)s” is not a date of the calendar.") % {"value": value}
        ) from None


def _order_of(first: int, second: int) -> str:
    if first > 12 >= second:
        return DateOrder.DAY_FIRST
    if second > 12 >= first:
        return DateOrder.MONTH_FIRST
    return ""


def date_order_detect(values: Iterable[str]) -> tuple[str, bool]:
    """``(order, ambiguous)`` of a column's dates written with slashes: the order one of them
    settles (``""`` if none does), and whether any is ambiguous (both parts 12 or under).

    When the values contradict each other (13/01 and 01/13), the first settled one wins and
    the other is reported as not a date by the check."""
    order, ambiguous = "", False
    for value in values:
        found = _SLASHED.match(value.strip())
        if not found or _EMPTY.match(value.strip()):
            continue
        settled = _order_of(int(found[1]), int(found[2]))
        if settled:
            return settled, ambiguous
        if int(found[1]) <= 12 and int(found[2]) <= 12:
            ambiguous = True
    return order, ambiguous

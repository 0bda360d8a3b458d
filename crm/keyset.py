"""Keyset paging for lists that are not DRF viewsets (the staff UI's lists, reports).

A list never counts or OFFSETs over a large table: a page is "the rows after the last one
shown" in the list's order, which the database answers from an index however deep the page
is. The cursor is the last row's values in that order, opaque to the user (base64 of a JSON
list); one edited by hand is not an error, it starts the list again from the first page.
The API pages with ``crm.api.pagination.CursorPagination`` (DRF's, the same idea).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

# (field, descending) pairs; the last one must be unique (``id``) so that the order is total.
Order = tuple[tuple[str, bool], ...]


def cursor_encode(values: list) -> str:
    plain = [str(v) if isinstance(v, Decimal) else v for v in values]
    raw = json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(token: str, size: int) -> list | None:
    """The values a cursor holds, or None when it is not one of ours for this order."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error):
        return None
    if not isinstance(values, list) or len(values) != size:
        return None
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        return None
    return values


def keyset_page(
    qs: QuerySet, order: Order, after: str | None, size: int
) -> tuple[list, str | None]:
    """One page of ``qs`` in ``order`` ((field, descending), …) after the ``after`` cursor;
    returns the rows and the cursor of the next page (None on the last one)."""
    fields = [name for name, _desc in order]
    qs = qs.order_by(*(f"-{name}" if desc else name for name, desc in order))
    values = cursor_decode(after, len(order)) if after else None
    if values is not None:
        condition = Q()
        for i, (name, desc) in enumerate(order):
            step = Q(**{f"{name}__{'lt' if desc else 'gt'}": values[i]})
            for prev, value in zip(fields[:i], values[:i], strict=True):
                step &= Q(**{prev: value})
            condition |= step
        # A cursor edited by hand that does not fit the fields: start from the first page.
        with contextlib.suppress(ValueError, TypeError, ValidationError):
            qs = qs.filter(condition)
    rows = list(qs[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, cursor_encode([getattr(rows[-1], name) for name in fields])

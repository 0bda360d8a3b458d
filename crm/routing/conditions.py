"""The conditions of a routing rule: a list of ``{"field", "op", "value"}``, all of which must
hold for the rule to take an item.

``field`` is an attribute of the item's kind (source, channel, region, product, language…),
``hour`` (the local time of day when the item is routed) or ``custom.<code>`` (a custom field).
Text compares without regard to case; an attribute with several values (a product matched by
SKU or name) holds when one of them does.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .kinds import RoutingKind

HOUR = "hour"
CUSTOM_PREFIX = "custom."
_CUSTOM_CODE = re.compile(r"^[a-z0-9_]{1,50}$")

OPS = {
    "eq": gettext_lazy("is"),
    "ne": gettext_lazy("is not"),
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "contains": gettext_lazy("contains"),
    "empty": gettext_lazy("is empty"),
    "not_empty": gettext_lazy("is filled in"),
    "between": gettext_lazy("between the hours"),
}
TEXT_OPS = ("eq", "ne", "in", "not_in", "contains", "empty", "not_empty")
HOUR_OPS = ("between",)


def field_label(kind: RoutingKind | None, name: str) -> str:
    if name == HOUR:
        return str(_("time of day"))
    if name.startswith(CUSTOM_PREFIX):
        return _("custom field “%(code)s”") % {"code": name[len(CUSTOM_PREFIX) :]}
    attribute = kind.attributes.get(name) if kind else None
    return str(attribute.label) if attribute else name


def field_names(kind: RoutingKind) -> list[str]:
    return [*kind.attributes, HOUR]


def _hour(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def clean_conditions(kind: RoutingKind, conditions: Any) -> list[dict]:
    """The conditions in their stored form, or ``ValidationError`` naming each bad one
    ("condition 2: …"), so that the form and the API say which line to fix."""
    if conditions in (None, ""):
        return []
    if not isinstance(conditions, list):
        raise ValidationError(_("Conditions must be a list."), code="invalid")
    cleaned: list[dict] = []
    errors: list[str] = []
    for number, condition in enumerate(conditions, start=1):
        try:
            cleaned.append(_clean_one(kind, condition))
        except ValidationError as exc:
            errors += [
                _("Condition %(number)s: %(error)s") % {"number": number, "error": message}
                for message in exc.messages
            ]
    if errors:
        raise ValidationError(errors, code="invalid")
    return cleaned


def _clean_one(kind: RoutingKind, condition: Any) -> dict:
    if not isinstance(condition, dict):
        raise ValidationError(_("a condition needs a field, an operator and a value."))
    name = str(condition.get("field") or "").strip()
    op = str(condition.get("op") or "").strip()
    value = condition.get("value")
    if name.startswith(CUSTOM_PREFIX):
        if not _CUSTOM_CODE.match(name[len(CUSTOM_PREFIX) :]):
            raise ValidationError(
                _("“%(field)s” is not a custom field code (letters, digits and _).")
                % {"field": name}
            )
    elif name not in field_names(kind):
        raise ValidationError(
            _("unknown field “%(field)s”; known: %(known)s.")
            % {"field": name, "known": ", ".join(field_names(kind))}
        )
    allowed = HOUR_OPS if name == HOUR else TEXT_OPS
    if op not in allowed:
        raise ValidationError(
            _("unknown operator “%(op)s” for “%(field)s”; use one of: %(ops)s.")
            % {"op": op, "field": name, "ops": ", ".join(allowed)}
        )
    if op == "between":
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ValidationError(_("a time window needs two hours, from and to."))
        start, end = (_hour(v) for v in value)
        if start is None or end is None or not (0 <= start <= 23) or not (0 <= end <= 24):
            raise ValidationError(
                _("the hours of a time window are whole hours from 0 to 24, not %(value)s.")
                % {"value": f"{value[0]}–{value[1]}"}
            )
        if start == end % 24:
            raise ValidationError(_("a time window from an hour to the same hour is empty."))
        return {"field": name, "op": op, "value": [start, end]}
    if op in ("empty", "not_empty"):
        return {"field": name, "op": op, "value": None}
    if op in ("in", "not_in"):
        if isinstance(value, str):
            value = list(value.split(","))
        if not isinstance(value, list | tuple):
            raise ValidationError(_("“%(op)s” needs a list of values.") % {"op": op})
        values = [str(v).strip() for v in value if str(v).strip()]
        if not values:
            raise ValidationError(_("the list of values is empty: nothing could match it."))
        return {"field": name, "op": op, "value": values}
    if isinstance(value, list | tuple | dict) or value is None or not str(value).strip():
        raise ValidationError(_("“%(op)s” needs one value.") % {"op": op})
    return {"field": name, "op": op, "value": str(value).strip()}


def _values(kind: RoutingKind, item: Any, name: str) -> list[str]:
    if name.startswith(CUSTOM_PREFIX):
        raw = (kind.custom(item) or {}).get(name[len(CUSTOM_PREFIX) :])
    else:
        raw = kind.attributes[name].read(item)
    if raw is None:
        return []
    raw = raw if isinstance(raw, list | tuple | set) else [raw]
    return [str(v).strip().casefold() for v in raw if v is not None and str(v).strip()]


def in_window(hour_now: float, start: int, end: int) -> bool:
    """Whether the hour falls in [start, end); a window like 22–6 runs over midnight."""
    if start < end:
        return start <= hour_now < end
    return hour_now >= start or hour_now < end


def condition_holds(kind: RoutingKind, item: Any, condition: dict, local_now: dt.datetime) -> bool:
    name, op, value = condition["field"], condition["op"], condition["value"]
    if op == "between":
        return in_window(local_now.hour + local_now.minute / 60, value[0], value[1])
    values = _values(kind, item, name)
    if op == "empty":
        return not values
    if op == "not_empty":
        return bool(values)
    if op in ("in", "not_in"):
        wanted = {str(v).casefold() for v in value}
        found = any(v in wanted for v in values)
        return found if op == "in" else not found
    target = str(value).casefold()
    if op == "eq":
        return target in values
    if op == "ne":
        return target not in values
    return any(target in v for v in values)  # contains


def conditions_hold(kind: RoutingKind, item: Any, conditions: list, local_now: dt.datetime) -> bool:
    return all(condition_holds(kind, item, c, local_now) for c in conditions)


def condition_text(kind: RoutingKind | None, condition: dict) -> str:
    """One condition as a person reads it: "region is one of Москва, МО"."""
    name, op, value = condition.get("field", ""), condition.get("op", ""), condition.get("value")
    if op == "between" and isinstance(value, list) and len(value) == 2:
        return _("time of day from %(start)s:00 to %(end)s:00") % {
            "start": value[0],
            "end": value[1],
        }
    shown = ", ".join(value) if isinstance(value, list) else ("" if value is None else value)
    return " ".join(p for p in (field_label(kind, name), str(OPS.get(op, op)), shown) if p)

"""The one parser of every API request body: JSON that the database and Python can hold.

Three kinds of JSON are valid to the standard yet break a request further on, so they are
refused here, once for every endpoint and field, with a 400 in the API's error format:

- nesting deeper than ``MAX_DEPTH``: Python's parser recurses per level and fails with a
  ``RecursionError`` (a server error) near a thousand levels, which an anonymous caller of the
  token endpoint could send; no record of ours is nested more than a few levels;
- a NUL character (``\\u0000``) or a lone surrogate (``\\ud800``) in a string or a key:
  PostgreSQL's ``text`` and ``jsonb`` cannot store the one, UTF-8 cannot encode the other, so
  the insert fails; DRF's text fields refuse both already, JSON fields (``custom``, an
  interaction's ``data``) would not;
- a number too large for a float (``1e400`` becomes ``inf``), which ``jsonb`` refuses.

Form-encoded and multipart bodies are not read by the API at all: a JSON field given as form
text would be parsed by the field itself, past these checks.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.utils.json import strict_constant
from rest_framework.validators import ProhibitSurrogateCharactersValidator

# Levels of arrays and objects a body may have; the body itself is the first.
MAX_DEPTH = 32
# Past this many bad strings the answer names no more of them.
MAX_REPORTED = 20
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"Number out of range: {text}")
    return value


def _too_deep() -> ValidationError:
    return ValidationError(
        {
            "non_field_errors": [
                _("The JSON is nested deeper than %(limit)d levels.") % {"limit": MAX_DEPTH}
            ]
        },
        code="too_deep",
    )


def _unstorable(text: str) -> str | None:
    """Why PostgreSQL could not store ``text``, or None."""
    found = UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return str(ProhibitNullCharactersValidator.message)
    return str(ProhibitSurrogateCharactersValidator.message).format(code_point=ord(found.group()))


def _check(data: Any) -> None:
    """Walk the parsed body without recursion; raise for depth and unstorable strings."""
    errors: dict[str, list[str]] = {}
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack and len(errors) < MAX_REPORTED:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            problem = _unstorable(value)
            if problem:
                errors[path or "non_field_errors"] = [problem]
            continue
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            continue
        if depth > MAX_DEPTH:
            raise _too_deep()
        for key, item in items:
            problem = _unstorable(key) if isinstance(key, str) else None
            if problem:
                # A key that cannot be stored cannot name the field either: its parent does.
                errors[path or "non_field_errors"] = [problem]
                continue
            stack.append((item, f"{path}.{key}" if path else str(key), depth + 1))
    if errors:
        raise ValidationError(errors, code="unstorable")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what the rest of the stack cannot hold (see above)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            data = json.load(
                codecs.getreader(encoding)(stream),
                parse_constant=strict_constant if self.strict else None,
                parse_float=_finite_float,
            )
        except RecursionError:
            raise _too_deep() from None
        except ValueError as exc:
            raise ParseError(_("JSON parse error: %(error)s") % {"error": exc}) from None
        _check(data)
        return data

"""Safe rendering of message templates.

Templates are written by staff, not by programmers, and are rendered with data about clients:
they run in Jinja's sandbox (no attribute of Python's internals, no calls into the server),
with ``StrictUndefined`` (a name the context lacks is an error, never an empty gap in a letter
to a client), over plain data only (dicts, strings, numbers, dates — never model instances,
whose methods and relations a template could otherwise walk).

The variables a template may name are ``MESSAGE_VARIABLES``: each app that sends messages
registers the ones it provides, with a sample value, from its ``AppConfig.ready()``. The
sample context is what a template is checked against when it is saved and what the preview
shows.

The text is the message; the HTML alternative is derived from it — the rendered text escaped
as a whole, links made clickable, line breaks kept — so no markup from a template or from the
data ever reaches a mail reader.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import formats, translation
from django.utils.html import linebreaks, urlize
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from crm.registry import Registry

# Ceilings that keep one template from eating a worker: the longest string or list an
# operator may build, the longest loop, the size of a rendered message.
MAX_SEQUENCE = 10_000
MAX_RANGE = 1_000
MAX_OUTPUT = 200_000


@dataclass(frozen=True)
class Variable:
    """A name templates may use, what it means, and a sample for checks and previews."""

    label: str
    sample: Any


MESSAGE_VARIABLES: Registry[Variable] = Registry("message variables")


class RenderError(Exception):
    """A template that cannot be rendered with this context; ``str()`` says why, for people."""

    def __init__(self, message: str, *, field: str = "body", line: int | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.line = line


def _safe_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise SecurityError(f"range longer than {MAX_RANGE}")
    return result


def _money(value: Any, currency: str = "") -> str:
    """12 345,50 ₽ in Russian, 12,345.50 in English: the active language's number format."""
    if value in (None, ""):
        return ""
    amount = formats.number_format(
        Decimal(value), decimal_pos=2, use_l10n=True, force_grouping=True
    )
    return f"{amount} {currency}".strip()


def _date(value: Any, style: str = "DATE_FORMAT") -> str:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, dt.date):
        return "" if value is None else str(value)
    allowed = {"DATE_FORMAT", "SHORT_DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"}
    return formats.date_format(value, style if style in allowed else "DATE_FORMAT")


class MessageEnvironment(SandboxedEnvironment):
    """The sandbox, with the operators that can build huge values guarded."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "*":
            for seq, times in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(times, int)
                    and len(seq) * times > MAX_SEQUENCE
                ):
                    raise SecurityError("the result would be too long")
            return operator.mul(left, right)
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > 100:
                raise SecurityError("the power is too large")
            return operator.pow(left, right)
        return super().call_binop(context, operator_name, left, right)


def _environment() -> MessageEnvironment:
    env = MessageEnvironment(
        undefined=StrictUndefined,
        autoescape=False,  # the text part is plain text; the HTML is escaped as a whole
        keep_trailing_newline=True,
    )
    # Jinja's default globals (cycler, joiner, lipsum, namespace, dict) are not needed by a
    # letter; range is kept, bounded.
    env.globals = {"range": _safe_range}
    env.filters["money"] = _money
    env.filters["date"] = _date
    return env


ENV = _environment()


def sample_context() -> dict[str, Any]:
    return {name: variable.sample for name, variable in MESSAGE_VARIABLES.items()}


_PLAIN = (str, int, float, Decimal, bool, dt.date, dt.datetime, dt.time, type(None))


def context_check(context: Mapping[str, Any], path: str = "") -> None:
    """Refuse anything but plain data: a model instance would let a template reach its
    relations and methods, and a lazy value would query the database while rendering."""
    for key, value in context.items():
        where = f"{path}.{key}" if path else str(key)
        if not isinstance(key, str):
            raise TypeError(f"message context keys must be strings: {where!r}")
        _value_check(value, where)


def _value_check(value: Any, where: str) -> None:
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, Mapping):
        context_check(value, where)
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _value_check(item, f"{where}[{i}]")
        return
    raise TypeError(
        f"message context must be plain data, {where} is {type(value).__name__}: "
        "pass a dict of the values the template needs"
    )


def _line_message(exc: TemplateSyntaxError) -> str:
    return _("Line %(line)s: %(error)s") % {"line": exc.lineno, "error": exc.message}


@functools.lru_cache(maxsize=512)
def _compiled(source: str):
    """Compiling is most of the cost of a message; a robot sends one template many times."""
    ast = ENV.parse(source)
    return ast, ENV.from_string(ast)


def _compile(field: str, source: str):
    try:
        return _compiled(source)
    except TemplateSyntaxError as exc:
        raise RenderError(_line_message(exc), field=field, line=exc.lineno) from None


def _render(field: str, template, context: Mapping[str, Any], language: str | None = None) -> str:
    # The message is written in its reader's language; an error about it is for the person
    # or the log that asked, in theirs (the handlers below run after the override ends).
    try:
        with translation.override(language) if language else contextlib.nullcontext():
            result = template.render(context)
    except UndefinedError as exc:
        raise RenderError(
            _("The template uses a value the message does not have: %(error)s")
            % {"error": exc.message},
            field=field,
        ) from None
    except SecurityError:
        raise RenderError(
            _("The template asks for something templates may not use."), field=field
        ) from None
    except TemplateError as exc:
        raise RenderError(str(exc.message or exc), field=field) from None
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise RenderError(
            _("The template cannot be rendered: %(error)s") % {"error": exc}, field=field
        ) from None
    if len(result) > MAX_OUTPUT:
        raise RenderError(_("The rendered message is too long."), field=field)
    return result


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    body_html: str


def html_from_text(text: str) -> str:
    """The HTML alternative of a text: all of it escaped, links clickable, paragraphs kept."""
    return linebreaks(urlize(text, nofollow=True, autoescape=True), autoescape=False)


def render(
    *, subject: str, body: str, context: Mapping[str, Any], language: str | None = None
) -> Rendered:
    """The message from a template's sources; raises ``RenderError``."""
    context_check(context)
    parsed_subject = _compile("subject", subject)[1]
    parsed_body = _compile("body", body)[1]
    text_subject = _render("subject", parsed_subject, context, language)
    text_body = _render("body", parsed_body, context, language)
    # A header cannot hold a line break: a value with one would start a header of its own.
    text_subject = " ".join(text_subject.split())
    return Rendered(subject=text_subject, body=text_body, body_html=html_from_text(text_body))


def template_errors(*, subject: str, body: str) -> dict[str, list[str]]:
    """Field errors of a template: its syntax (with the line), names no sender provides,
    anything the sandbox refuses when rendered with the sample context."""
    errors: dict[str, list[str]] = {}
    known = set(MESSAGE_VARIABLES.keys()) | set(ENV.globals)
    compiled = {}
    for field, source in (("subject", subject), ("body", body)):
        try:
            ast, template = _compile(field, source)
        except RenderError as exc:
            errors.setdefault(field, []).append(str(exc))
            continue
        unknown = sorted(meta.find_undeclared_variables(ast) - known)
        if unknown:
            errors.setdefault(field, []).append(
                _("Unknown variables: %(names)s. Available: %(available)s.")
                % {"names": ", ".join(unknown), "available": ", ".join(sorted(known - {"range"}))}
            )
            continue
        compiled[field] = template
    sample = sample_context()
    for field, template in compiled.items():
        try:
            _render(field, template, sample)
        except RenderError as exc:
            errors.setdefault(field, []).append(str(exc))
    return errors


def variables_help() -> list[tuple[str, str, Any]]:
    """(name, label, sample) of every variable, for the editor's reference table."""
    return [(name, str(v.label), v.sample) for name, v in MESSAGE_VARIABLES.items()]


def message_variables_register() -> None:
    """The variables every sender of the sales funnel provides; called from
    ``MessagingConfig.ready()``. An app that sends other messages registers its own, and an app
    that knows a variable better may register it again under the same name to replace it."""
    MESSAGE_VARIABLES.register(
        "client",
        Variable(
            gettext_lazy("The client: name, first_name"),
            {"name": "Петров Иван Сергеевич", "first_name": "Иван"},
        ),
        order=10,
    )
    MESSAGE_VARIABLES.register(
        "company",
        Variable(gettext_lazy("The client's company: name"), {"name": "ООО «Ромашка»"}),
        order=20,
    )
    MESSAGE_VARIABLES.register(
        "manager",
        Variable(
            gettext_lazy("The responsible manager: name, email, phone"),
            {"name": "Анна Смирнова", "email": "manager@example.com", "phone": "+7 495 000-00-03"},
        ),
        order=30,
    )
    MESSAGE_VARIABLES.register(
        "deal",
        Variable(
            gettext_lazy("The deal: title, amount, currency, stage, url"),
            {
                "title": "Кухня на заказ",
                "amount": Decimal("185000.00"),
                "currency": "RUB",
                "stage": "Замер",
                "url": "https://crm.example.com/deals/1/",
            },
        ),
        order=40,
    )
    MESSAGE_VARIABLES.register(
        "invoice",
        Variable(
            gettext_lazy("The invoice: number, total, currency, due_on, url"),
            {
                "number": "2026-0042",
                "total": Decimal("185000.00"),
                "currency": "RUB",
                "due_on": dt.date(2026, 12, 10),
                "url": "https://crm.example.com/deals/invoices/42/pdf/",
            },
        ),
        order=50,
    )
    MESSAGE_VARIABLES.register(
        "unsubscribe_url",
        Variable(
            gettext_lazy("Where a client unsubscribes from marketing messages"),
            "https://crm.example.com/unsubscribe/…",
        ),
        order=90,
    )

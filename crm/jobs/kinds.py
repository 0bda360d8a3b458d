"""What an app tells the job engine about a kind of job, and the registry of kinds."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.functional import Promise

from crm.registry import Registry

if TYPE_CHECKING:
    from crm.models import Job

# Row errors kept on a job for people to read; the count of bad rows is always exact.
MAX_STORED_ERRORS = 1000

Progress = Callable[[int], None]
"""Called by a step with the number of rows gone through so far; the engine decides how often
that reaches the database."""


class JobFileError(ValidationError):
    """The uploaded file cannot be read: the message tells the person what to do about it."""

    def __init__(self, message: str):
        super().__init__({"file": [message]}, code="invalid")


@dataclass(frozen=True)
class FileRead:
    """What a kind learnt from an uploaded file: how many rows it has, and its own options
    (the format, a column mapping guessed from the headers), kept in ``Job.options``."""

    total_rows: int
    options: dict[str, Any]


@dataclass
class Outcome:
    """What a step reports back: the rows it went through, what they did, and the rows it
    refused with the reasons."""

    processed: int = 0
    created: int = 0
    updated: int = 0
    error_rows: int = 0
    errors: list[dict] = field(default_factory=list)

    def row_refused(self, number: int, problems: Iterable[tuple[str, str]]) -> None:
        """Count a refused row; keep its (column, message) problems while there is room."""
        self.error_rows += 1
        for column, message in problems:
            if len(self.errors) < MAX_STORED_ERRORS:
                self.errors.append({"row": number, "field": column, "message": message})

    def row_warned(self, number: int, problems: Iterable[tuple[str, str]]) -> None:
        """Keep (column, message) notes on a row that is not refused for them: a value left
        out, a part of the file that could not be read. Shown with the errors, marked."""
        for column, message in problems:
            if len(self.errors) < MAX_STORED_ERRORS:
                self.errors.append(
                    {"row": number, "field": column, "message": message, "warning": True}
                )


@dataclass(frozen=True)
class JobKind:
    """A kind of job, as the app that owns it describes it.

    ``run(job, progress)`` is the step the engine calls, in the worker or in the request: it
    goes through the rows — writing them through the app's own services — and returns an
    ``Outcome``. It may raise ``ValidationError`` or ``PermissionDenied`` for the whole file;
    the job then fails with that message. The engine rolls the check back, and a run with
    refused rows unless ``valid_only``; a step may still skip its writes when ``job.dry_run``
    (the contact import does: a rolled-back insert has used up its ids).

    ``read(name, data)`` is the upload step of a kind that takes a file: it recognises the
    file (raising ``JobFileError`` when it cannot) and returns a ``FileRead``.
    """

    code: str  # stored on each job: "<app>.<what>", e.g. "contacts.import"
    label: str | Promise
    permission: str  # "app_label.codename": to start, see and run a job of this kind
    run: Callable[[Job, Progress], Outcome]
    read: Callable[[str, bytes], FileRead] | None = None
    page: str = ""  # URL name of one job's page, reversed with the job's pk
    result_template: str = ""  # what that page shows of a job that is not running


# The registry of job kinds, filled by each app from its ``AppConfig.ready()`` through
# ``job_kind_register``, which checks a kind before it is let in.
JOB_KINDS: Registry[JobKind] = Registry("job kinds")


def job_kind_register(kind: JobKind) -> None:
    # A kind nobody needs a permission for would let every signed-in person write in bulk.
    app_label, _dot, codename = kind.permission.partition(".")
    if not (app_label and codename):
        raise ImproperlyConfigured(
            f"Job kind {kind.code!r} must name its permission as 'app_label.codename'."
        )
    if not kind.code or not callable(kind.run):
        raise ImproperlyConfigured(f"Job kind {kind.code!r} needs a code and a run step.")
    JOB_KINDS.register(kind.code, kind)


def job_kind(code: str) -> JobKind:
    kind = JOB_KINDS.get(code)
    if kind is None:
        raise ImproperlyConfigured(f"No job kind {code!r} is registered.")
    return kind

"""The steps a person goes through to import contacts, and the job kind that runs them.

Upload a file (its format is recognised, its columns mapped to contact fields by their
headers), look at the first rows, change the mapping, check every row — the very steps the
import takes, short of writing, so the check and the import cannot disagree — then import.
The check and the import are jobs of the engine in ``crm.jobs`` (``job_check``, ``job_start``):
one transaction each, with a progress bar, all or nothing unless the person chose to import
the valid rows only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files import File
from django.utils.translation import gettext_lazy

from crm.jobs.kinds import FileRead, JobKind, Outcome, Progress, job_kind_register
from crm.jobs.services import MAX_UPLOAD_BYTES, job_kind_allowed, job_options_set, job_upload
from crm.models import Job, User

from .mappings import date_columns_read
from .readers import file_format_detect, job_table, table_read
from .rows import CHUNK_ROWS, rows_import
from .targets import import_targets, mapping_clean, mapping_guess

PREVIEW_ROWS = 10


def _file_read(name: str, data: bytes) -> FileRead:
    """The upload step: the format, the number of rows, and the fields guessed for the
    columns (a vCard's are known)."""
    file_format = file_format_detect(name, data[:4096])
    table = table_read(data, file_format)
    total = sum(1 for _row in table.rows())
    if table.targets:
        mapping = {str(i): code for i, code in enumerate(table.targets)}
    else:
        mapping = mapping_guess(table.headers, import_targets())
    # Birthdays written 12/25/1985 settle the order of the file's dates at once (a vCard's are
    # dates already).
    date_order = "" if table.targets else date_columns_read(table, mapping).order
    return FileRead(
        total_rows=total,
        options={"format": file_format, "mapping": mapping, "date_order": date_order},
    )


def _rows_run(job: Job, progress: Progress) -> Outcome:
    """The step the engine runs for the check and for the import alike: the check goes
    through every step but the writing, so that it takes no ids from the sequences."""
    return rows_import(
        actor=job.created_by,
        table=job_table(job),
        mapping=job.options["mapping"],
        progress=progress,
        date_order=job.options.get("date_order", ""),
        write=not job.dry_run,
        stop_on_error=not job.valid_only,
        # Twenty steps of the progress bar at least; a small file is written a few rows at
        # a time, which costs nothing at its size.
        chunk_rows=max(1, min(CHUNK_ROWS, job.total_rows // 20)),
    )


CONTACT_IMPORT = JobKind(
    code="contacts.import",
    label=gettext_lazy("Contact import"),
    permission="contacts.import_contact",
    read=_file_read,
    run=_rows_run,
    page="contacts:import-detail",
    result_template="contacts/io/_result.html",
)


def import_upload(*, actor: User, upload: File, max_bytes: int | None = MAX_UPLOAD_BYTES) -> Job:
    """Keep the file, recognise its format, count its rows and guess the column mapping."""
    return job_upload(actor=actor, kind=CONTACT_IMPORT.code, upload=upload, max_bytes=max_bytes)


@dataclass
class Preview:
    headers: list[str]
    rows: list[tuple[int, list[str]]]


def import_preview(job: Job, *, limit: int = PREVIEW_ROWS) -> Preview:
    table = job_table(job)
    rows = []
    for item in table.rows():
        rows.append(item)
        if len(rows) >= limit:
            break
    return Preview(table.headers, rows)


def import_mapping_set(*, actor: User, job: Job, mapping: dict[str, str]) -> Job:
    """The person's own choice of field for each column; the last check is forgotten."""
    job_kind_allowed(actor=actor, code=job.kind)
    table = job_table(job)
    return job_options_set(
        actor=actor,
        job=job,
        options={"mapping": mapping_clean(mapping, table.headers, import_targets())},
    )


def mapped_columns(job: Job, headers: list[str]) -> list[tuple[str, str]]:
    """(column header, field label) of the columns the job imports, for people to read."""
    targets = import_targets()
    found = []
    for index, code in sorted(job.options["mapping"].items(), key=lambda kv: int(kv[0])):
        if code and code in targets and int(index) < len(headers):
            found.append((headers[int(index)], str(targets[code].label)))
    return found


def job_kinds_register() -> None:
    """Contacts' kinds of long job; called from ``ContactsConfig.ready()``."""
    job_kind_register(CONTACT_IMPORT)

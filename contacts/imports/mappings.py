"""The mapping step's choices beyond the field of each column: the order of dates, and
mappings saved under a name and offered again for a file with the same columns."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import ImportMapping
from crm.jobs.services import job_kind_allowed, job_options_set
from crm.models import Job, User

from .dates import DateOrder, date_order_detect
from .readers import Table, job_table
from .targets import export_format_recognise, import_targets, mapping_clean, normalize


def headers_key(headers: list[str]) -> str:
    """The same for two files whose columns have the same names, in any order."""
    return "\n".join(sorted(normalize(h) for h in headers))


@dataclass
class DateColumns:
    """What the file's birthday column says about the order of its dates."""

    order: str  # settled by a value such as 31/12/1990, else ""
    ambiguous: bool  # a value such as 03/07/1990 needs the order
    example: str  # such a value, to show the person


# Enough birthdays to find one with a day over 12 (about 6 in 10 are), without reading a
# million-row file twice.
DATE_SAMPLE = 5000


def date_columns_read(table: Table, mapping: dict[str, str]) -> DateColumns:
    """Read the mapped birthday column: its first ``DATE_SAMPLE`` dates, stopping at the first
    that settles the order."""
    indexes = [int(i) for i, code in mapping.items() if code == "birthday"]
    if not indexes:
        return DateColumns("", False, "")
    example = ""

    def values():
        nonlocal example
        seen = 0
        for _number, cells in table.rows():
            for index in indexes:
                value = cells[index]
                if not value:
                    continue
                seen += 1
                if "/" in value:
                    example = example or value
                    yield value
            if seen >= DATE_SAMPLE:
                return

    order, ambiguous = date_order_detect(values())
    return DateColumns(order, ambiguous, example)


def import_mapping_choose(
    *,
    actor: User,
    job: Job,
    mapping: dict[str, str],
    date_order: str = "",
    save_as: str = "",
) -> Job:
    """The person's field for each column and, when the birthdays are written with slashes, the
    order of their parts: chosen, or settled by the file, or else asked for. ``save_as`` keeps
    the mapping under that name for the next file with these columns (the same name is
    overwritten). The job's last check is forgotten."""
    job_kind_allowed(actor=actor, code=job.kind)
    table = job_table(job)
    cleaned = mapping_clean(mapping, table.headers, import_targets())
    if date_order and date_order not in DateOrder.values:
        raise ValidationError(_("Choose the order of day and month from the list."))
    if not date_order:
        found = date_columns_read(table, cleaned)
        if found.ambiguous and not found.order:
            raise ValidationError(
                _(
                    "Birthdays such as “%(value)s” could be read day first or month first: "
                    "choose the order of dates."
                )
                % {"value": found.example},
                code="date_order",
            )
        date_order = found.order
    save_as = save_as.strip()
    if len(save_as) > ImportMapping._meta.get_field("name").max_length:
        raise ValidationError(_("The name of the mapping is too long."))
    with transaction.atomic():
        options = {"mapping": cleaned, "date_order": date_order}
        if save_as:
            options["mapping_name"] = save_as
        job = job_options_set(actor=actor, job=job, options=options)
        if save_as:
            ImportMapping.objects.update_or_create(
                name=save_as,
                defaults={
                    "headers_key": headers_key(table.headers),
                    "columns": [
                        [header, cleaned.get(str(i), "")] for i, header in enumerate(table.headers)
                    ],
                    "date_order": date_order,
                    "saved_by": actor,
                    "saved_at": timezone.now(),
                },
            )
    return job


def import_mappings_for(headers: list[str]) -> list[ImportMapping]:
    """The saved mappings made for files with these columns, the latest first."""
    return list(ImportMapping.objects.filter(headers_key=headers_key(headers))[:5])


def _mapping_of(saved: ImportMapping, headers: list[str]) -> dict[str, str]:
    """The saved fields put on this file's columns, by name: the n-th column of a name gets
    the field the n-th column of that name had."""
    by_name: dict[str, list[str]] = {}
    for header, code in saved.columns:
        by_name.setdefault(normalize(header), []).append(code)
    mapping = {}
    for index, header in enumerate(headers):
        codes = by_name.get(normalize(header)) or [""]
        mapping[str(index)] = codes.pop(0)
    return mapping


def import_mapping_reuse(*, actor: User, job: Job, saved_id: int) -> Job:
    """Put a saved mapping on the job, if it was made for a file with the same columns. Fields
    that no longer exist (a custom field switched off) are left out."""
    job_kind_allowed(actor=actor, code=job.kind)
    table = job_table(job)
    saved = ImportMapping.objects.filter(
        pk=saved_id, headers_key=headers_key(table.headers)
    ).first()
    if saved is None:
        raise ValidationError(_("This saved mapping is not for a file with these columns."))
    targets = import_targets()
    mapping = {i: (c if c in targets else "") for i, c in _mapping_of(saved, table.headers).items()}
    return job_options_set(
        actor=actor,
        job=job,
        options={
            "mapping": mapping_clean(mapping, table.headers, targets),
            "date_order": saved.date_order,
            "mapping_name": saved.name,
        },
    )


def export_format_label(headers: list[str]) -> str:
    """The name of the tool the file seems exported from, or ""."""
    found = export_format_recognise(headers)
    return str(found.label) if found else ""

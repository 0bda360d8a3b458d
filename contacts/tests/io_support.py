"""Helpers of the import and export tests: files in memory, an upload, a run."""

from __future__ import annotations

import csv
import io

from django.core.files.base import ContentFile

from contacts.imports import steps
from crm.jobs.services import job_check, job_start
from crm.models import Job


def csv_bytes(rows: list[list[str]], *, delimiter: str = ";", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(actor, data: bytes, name: str = "contacts.csv") -> Job:
    return steps.import_upload(actor=actor, upload=ContentFile(data, name=name))


def check(actor, job: Job) -> Job:
    return job_check(actor=actor, job=job, run_now=True)


def run(actor, job: Job, *, valid_only: bool = False) -> Job:
    return job_start(actor=actor, job=job, valid_only=valid_only, run_now=True)


def stream(response) -> bytes:
    return b"".join(response.streaming_content)

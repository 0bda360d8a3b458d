"""The verbs of the job engine: keep an upload, change its options, queue the check or the
run, run it, and purge old uploads.

A run is one transaction: what the step wrote commits together with the job's "done", or is
rolled back — after a check always, after a real run when rows were refused and the person did
not choose to keep the valid rows only.

A run whose worker died (killed, out of memory, the machine restarted) therefore left nothing
behind but the job's row, still "running", with a heartbeat that stopped. The sweep
(``jobs_sweep_stalled``, every minute from beat) queues such a job again, and fails it with a
message once it has been started ``JOB_MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.celery import enqueue_on_commit
from crm.history import acting_as
from crm.models import Job, User

from .kinds import JobFileError, JobKind, Outcome, job_kind

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# The jobs whose options may change and which may be queued again.
EDITABLE = (Job.Status.UPLOADED, Job.Status.CHECKED, Job.Status.FAILED)
IN_PROGRESS = (Job.Status.QUEUED, Job.Status.RUNNING)
# First key of the advisory locks the engine takes, so that they meet no other lock of ours.
_LOCK_NAMESPACE = 0x1A9047


def job_kind_allowed(*, actor: User, code: str) -> JobKind:
    """The kind registered as ``code``, if ``actor``'s role may run it; refused otherwise."""
    kind = job_kind(code)
    if not actor.has_perm(kind.permission):
        raise PermissionDenied(_("Your role cannot start “%(kind)s”.") % {"kind": kind.label})
    return kind


# --- the upload and its options ------------------------------------------------------------


def job_upload(
    *, actor: User, kind: str, upload: File, max_bytes: int | None = MAX_UPLOAD_BYTES
) -> Job:
    """Keep an uploaded file as a new job of ``kind``; the kind reads it (its format, its rows,
    a guessed mapping) before anything is kept, so that a file it cannot read leaves nothing.

    ``max_bytes`` bounds what a browser may send; a management command reading a file on the
    server's own disk passes ``None``."""
    job_kind = job_kind_allowed(actor=actor, code=kind)
    if job_kind.read is None:
        raise ImproperlyConfigured(f"Job kind {kind!r} does not take files.")
    name = os.path.basename(upload.name or job_kind.code)[:200]
    if max_bytes is not None and upload.size is not None and upload.size > max_bytes:
        raise JobFileError(
            _("The file is larger than %(mb)s MB; split it into smaller files.")
            % {"mb": max_bytes // (1024 * 1024)}
        )
    data = upload.read()
    if not data.strip():
        raise JobFileError(_("The file is empty."))
    found = job_kind.read(name, data)
    if not found.total_rows:
        raise JobFileError(_("The file has no rows under its header."))
    job = Job(
        kind=job_kind.code,
        created_by=actor,
        original_name=name,
        total_rows=found.total_rows,
        options=found.options,
    )
    job.file.save(name, ContentFile(data), save=False)
    job.save()
    return job


def job_file_data(job: Job) -> bytes:
    """The uploaded file's bytes, for the kind's step to read."""
    try:
        with job.file.open("rb") as fh:
            return fh.read()
    except (OSError, ValueError):  # ValueError: the file was purged and the field is empty
        raise JobFileError(_("The uploaded file is no longer there; upload it again.")) from None


def _reset(job: Job) -> None:
    job.processed_rows = job.created_count = job.updated_count = job.error_count = 0
    job.attempts = 0
    job.errors = []
    job.started_at = job.heartbeat_at = job.finished_at = None


def _locked_editable(job: Job) -> Job:
    """The job's row, locked until the caller's transaction ends: two clicks on "Import" (or a
    click while the check still runs) must not queue it twice."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.status not in EDITABLE:
        raise ValidationError(_("This job is already running or done."))
    return locked


def job_options_set(*, actor: User, job: Job, options: dict[str, Any]) -> Job:
    """Change the kind's options (a new column mapping, already checked by the kind); the job is
    back to "uploaded" and its last check is forgotten."""
    job_kind_allowed(actor=actor, code=job.kind)
    with transaction.atomic():
        job = _locked_editable(job)
        job.options = {**job.options, **options}
        job.status = Job.Status.UPLOADED
        _reset(job)
        job.save()
    return job


# --- queueing ------------------------------------------------------------------------------


def _queue(job: Job, *, dry_run: bool, run_now: bool, valid_only: bool = False) -> Job:
    with transaction.atomic():
        job = _locked_editable(job)
        job.dry_run = dry_run
        if not dry_run:
            job.valid_only = valid_only
        job.status = Job.Status.QUEUED
        _reset(job)
        # The time it was queued: a queued job whose message the broker lost is sent again
        # by the sweep once this is old.
        job.heartbeat_at = timezone.now()
        job.save()
        if not run_now:
            enqueue_on_commit("crm.tasks.run_job", job.pk)
    if run_now:
        return job_run(job_id=job.pk)
    return job


def job_check(*, actor: User, job: Job, run_now: bool | None = None) -> Job:
    """The dry run: every row goes through the kind's step, nothing is kept. A file of up to
    ``IMPORT_CHECK_INLINE_MAX_ROWS`` rows is checked at once, so the person sees the result
    without waiting for a worker; a larger one as a job (``run_now`` decides when given)."""
    job_kind_allowed(actor=actor, code=job.kind)
    if run_now is None:
        run_now = job.total_rows <= settings.IMPORT_CHECK_INLINE_MAX_ROWS
    return _queue(job, dry_run=True, run_now=run_now)


def job_start(*, actor: User, job: Job, valid_only: bool = False, run_now: bool = False) -> Job:
    """The real run, as a job on the worker (or at once, for the command line).

    ``valid_only`` keeps the rows that went through even when others were refused.
    """
    job_kind_allowed(actor=actor, code=job.kind)
    return _queue(job, dry_run=False, run_now=run_now, valid_only=valid_only)


# --- the run -------------------------------------------------------------------------------


class _Progress:
    """Writes the job's progress where the progress bar can see it while the run's own
    transaction is still open: on a database connection of its own. When the caller already
    holds a transaction (a test, a script), nobody else could see the rows either, and the
    progress goes through the same connection.

    Each write also moves ``heartbeat_at``: a running job whose heartbeat stopped has lost its
    worker.
    """

    def __init__(self, job: Job):
        self.job_id = job.pk
        self.total = job.total_rows
        self.every = max(1, min(100, self.total // 50))
        self.written = 0
        self.own = (
            None if connection.in_atomic_block else connections.create_connection(DEFAULT_DB_ALIAS)
        )

    def _update(self, **fields: Any) -> None:
        fields["heartbeat_at"] = timezone.now()
        if self.own is None:
            Job.objects.filter(pk=self.job_id).update(**fields)
            return
        quote = self.own.ops.quote_name
        assignments = ", ".join(f"{quote(Job._meta.get_field(f).column)} = %s" for f in fields)
        with self.own.cursor() as cursor:
            cursor.execute(
                # Only names of the model's own table and columns are interpolated.
                f"UPDATE {quote(Job._meta.db_table)} SET {assignments} WHERE id = %s",  # noqa: S608
                [*fields.values(), self.job_id],
            )

    def start(self) -> dt.datetime:
        """Mark the job running and count the attempt: a run that dies before it ends leaves
        that count behind, so a job that kills its worker every time is not started forever."""
        now = timezone.now()
        if self.own is None:
            Job.objects.filter(pk=self.job_id).update(attempts=F("attempts") + 1)
        else:
            quote = self.own.ops.quote_name
            with self.own.cursor() as cursor:
                cursor.execute(
                    # Only names of the model's own table and column are interpolated.
                    f"UPDATE {quote(Job._meta.db_table)} SET attempts = attempts + 1 "  # noqa: S608
                    "WHERE id = %s",
                    [self.job_id],
                )
        self._update(status=Job.Status.RUNNING, processed_rows=0, started_at=now)
        return now

    def __call__(self, processed: int) -> None:
        # A step may report a chunk of rows at a time: write whenever another ``every`` rows
        # have gone through since the last write, not only on exact multiples.
        if processed - self.written >= self.every or processed >= self.total:
            self.written = processed
            self._update(processed_rows=processed)

    def close(self) -> None:
        if self.own is not None:
            self.own.close()


def _lock(job_id: int) -> bool:
    """A transaction-scoped advisory lock per job: a task delivered twice (acks_late, a long
    run outliving the broker's visibility timeout) runs the job once at a time."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, job_id])
        return bool(cursor.fetchone()[0])


class _RolledBack(Exception):
    pass


def job_run(*, job_id: int, via: str | None = None) -> Job:
    """Run the job's step: the check when ``job.dry_run``, else the real run.

    Does nothing to a job that is not queued or running, so a second delivery is harmless.
    ``via`` names the door when nobody else has named the acting person (a Celery task passes
    "task"): the change history then records the job's creator and ``<via>:<kind>``. A request
    or a management command that runs a job at once has already named both.
    """
    job = Job.objects.select_related("created_by").get(pk=job_id)
    if not job.in_progress:
        return job
    kind = job_kind(job.kind)
    acting = acting_as(job.created_by, via=f"{via}:{job.kind}") if via else contextlib.nullcontext()
    # Row errors are kept as text: in the language of the person who will read them.
    with translation.override(job.created_by.language or settings.LANGUAGE_CODE), acting:
        return _run(job, kind)


def _run(job: Job, kind: JobKind) -> Job:
    progress = _Progress(job)
    try:
        with transaction.atomic():
            if not _lock(job.pk):
                return job
            job.refresh_from_db()
            if not job.in_progress:
                return job
            if job.attempts >= settings.JOB_MAX_ATTEMPTS:
                # Redelivered after its worker died once too often (acks_late hands the message
                # back): the job fails instead of taking down one more worker.
                _give_up(job)
                job.save()
                return job
            # The progress connection updates this row while the transaction is open; the
            # transaction itself must not touch the row before its final save, or the two
            # connections would wait for each other.
            job.status, job.started_at = Job.Status.RUNNING, progress.start()
            job.attempts += 1
            outcome, failure, keep = Outcome(), "", False
            actor = job.created_by
            try:
                if not actor.is_active or not actor.has_perm(kind.permission):
                    raise PermissionDenied(
                        _("%(user)s may not start “%(kind)s”.")
                        % {"user": actor, "kind": kind.label}
                    )
                with transaction.atomic():
                    outcome = kind.run(job, progress)
                    keep = not job.dry_run and (outcome.error_rows == 0 or job.valid_only)
                    if not keep:
                        raise _RolledBack
            except _RolledBack:
                pass
            except (ValidationError, PermissionDenied) as exc:
                failure = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            _record(job, outcome, failure=failure, keep=keep)
            job.save()
    except Exception:
        # Everything the run wrote is rolled back; the job must not look as if still running.
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            processed_rows=0,
            errors=[{"row": None, "field": "", "message": _("The job stopped on an error.")}],
            finished_at=timezone.now(),
        )
        raise
    finally:
        progress.close()
    if job.status == Job.Status.DONE and job.file:
        # The upload holds personal data that now lives in the base: keep no second copy of it.
        job.file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(file="")
    return job


def _record(job: Job, outcome: Outcome, *, failure: str, keep: bool) -> None:
    if not failure:
        job.total_rows = outcome.processed
    job.processed_rows = 0 if failure else outcome.processed
    # A check tells what would happen; a rolled-back run did not create anything.
    counted = job.dry_run or keep
    job.created_count = outcome.created if counted else 0
    job.updated_count = outcome.updated if counted else 0
    job.error_count = outcome.error_rows
    job.errors = [{"row": None, "field": "", "message": failure}] if failure else outcome.errors
    if failure:
        job.status = Job.Status.FAILED
    elif job.dry_run:
        job.status = Job.Status.CHECKED
    else:
        job.status = Job.Status.DONE if keep else Job.Status.FAILED
    job.heartbeat_at = timezone.now()
    job.finished_at = None if job.dry_run and not failure else job.heartbeat_at


# --- jobs whose worker died ----------------------------------------------------------------


def _give_up(job: Job) -> None:
    job.status = Job.Status.FAILED
    job.processed_rows = job.created_count = job.updated_count = 0
    job.errors = [
        {
            "row": None,
            "field": "",
            "message": _(
                "The job was started %(count)s times and its worker stopped each time; nothing "
                "was saved. Check the file, then start the job again."
            )
            % {"count": job.attempts},
        }
    ]
    job.finished_at = job.heartbeat_at = timezone.now()


def jobs_sweep_stalled(*, stale_after: dt.timedelta | None = None) -> dict[str, int]:
    """Find the jobs whose worker died and make them run again, or fail them.

    A job "running" with a heartbeat older than ``stale_after`` (``JOB_STALE_AFTER_SECONDS``)
    may have lost its worker, or may only be slow between two progress writes. The per-job
    lock tells them apart: a live run holds it for as long as its transaction is open, and
    PostgreSQL drops it with the connection of a process that died. So a stale job whose lock
    is free ran on a dead worker; its transaction was rolled back, nothing of it is left, and
    it is queued again — or failed, once it has been started ``JOB_MAX_ATTEMPTS`` times.
    Holding the lock while the job is changed keeps a redelivered message from starting it
    at the same moment; that message then finds the job queued, runs it, and the message sent
    here finds it done and does nothing.

    A job queued that long ago is sent to the broker again (Redis lost the message): a second
    message for a queued job is harmless for the same reasons.

    Returns how many jobs were ``requeued``, ``failed`` and ``resent``.
    """
    if stale_after is None:
        stale_after = dt.timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
    now = timezone.now()
    cutoff = now - stale_after
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    stalled = Job.objects.filter(status__in=IN_PROGRESS, heartbeat_at__lt=cutoff)
    for job_id in stalled.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            job = (
                Job.objects.select_for_update(skip_locked=True)
                .filter(pk=job_id, status__in=IN_PROGRESS, heartbeat_at__lt=cutoff)
                .first()
            )
            if job is None or not _lock(job.pk):
                continue  # changed meanwhile, or a live run holds it
            if job.status == Job.Status.QUEUED:
                outcome = "resent"
            elif job.attempts >= settings.JOB_MAX_ATTEMPTS:
                _give_up(job)
                outcome = "failed"
            else:
                job.status = Job.Status.QUEUED
                job.processed_rows = 0
                outcome = "requeued"
            if job.status == Job.Status.QUEUED:
                job.heartbeat_at = now
                enqueue_on_commit("crm.tasks.run_job", job.pk)
            job.save()
            counts[outcome] += 1
    return counts


# --- retention -----------------------------------------------------------------------------


def job_uploads_purge(*, older_than: dt.timedelta) -> int:
    """Delete uploads older than ``older_than`` of jobs that are not queued or running.

    Checked or failed uploads hold personal data nobody imported; they are not kept forever.
    """
    cutoff = timezone.now() - older_than
    stale = (
        Job.objects.filter(created_at__lt=cutoff).exclude(file="").exclude(status__in=IN_PROGRESS)
    )
    purged = 0
    for job in stale.only("pk", "file").iterator():
        job.file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(file="")
        purged += 1
    return purged

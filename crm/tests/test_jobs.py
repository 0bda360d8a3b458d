"""The job engine on a kind of its own: uploads, the check, the lock, progress seen from another
connection, permissions, and the purge of old uploads."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from crm.jobs import services
from crm.jobs.kinds import (
    JOB_KINDS,
    FileRead,
    JobFileError,
    JobKind,
    Outcome,
    job_kind_register,
)
from crm.models import Job, Team
from crm.tasks import purge_job_uploads

# --- a kind of job for the tests: one team per line of the file ----------------------------


@contextlib.contextmanager
def _registered(*kinds: JobKind):
    """These kinds are registered inside the block and forgotten after it."""
    with JOB_KINDS.override():
        for kind in kinds:
            job_kind_register(kind)
        yield


def _read(name: str, data: bytes) -> FileRead:
    lines = data.decode().splitlines()
    if lines and lines[0] == "garbage":
        raise JobFileError("Not a list of teams.")
    return FileRead(total_rows=len(lines), options={"prefix": ""})


def _teams(job: Job, progress) -> Outcome:
    """A line starting with "!" is refused; the others become teams named prefix + line."""
    outcome = Outcome()
    for number, line in enumerate(services.job_file_data(job).decode().splitlines(), start=1):
        if line.startswith("!"):
            outcome.row_refused(number, [("name", f"“{line}” is refused.")])
        else:
            Team.objects.create(name=job.options["prefix"] + line)
            outcome.created += 1
        outcome.processed += 1
        progress(outcome.processed)
    return outcome


TEAMS = JobKind(
    code="crm.test_teams",
    label="Team import",
    permission="crm.change_team",  # heads of sales have it, managers do not
    read=_read,
    run=_teams,
    page="task-detail",  # any page that takes the job's pk
    result_template="crm/jobs/_errors.html",
)


@pytest.fixture(autouse=True)
def _kind(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with _registered(TEAMS):
        yield


def _written() -> list[str]:
    """Names of the teams the kind wrote (the standard actors' teams aside)."""
    return sorted(
        Team.objects.exclude(name__in=["Team A", "Team B"]).values_list("name", flat=True)
    )


def _upload(actor, *lines: str) -> Job:
    data = "\n".join(lines).encode()
    return services.job_upload(
        actor=actor, kind=TEAMS.code, upload=ContentFile(data, name="teams.txt")
    )


# --- upload, check, run --------------------------------------------------------------------


@pytest.mark.django_db
def test_upload_keeps_the_file_and_what_the_kind_read(head):
    job = _upload(head, "North", "South")

    assert (job.kind, job.status, job.total_rows) == (TEAMS.code, Job.Status.UPLOADED, 2)
    assert job.options == {"prefix": ""}
    assert job.original_name == "teams.txt"
    assert services.job_file_data(job) == b"North\nSouth"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lines", "message"), [((), "empty"), (("garbage",), "Not a list of teams")]
)
def test_a_file_the_kind_cannot_read_leaves_no_job(head, lines, message):
    with pytest.raises(JobFileError) as exc:
        _upload(head, *lines)

    assert message in " ".join(exc.value.messages)
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_the_check_writes_nothing_and_tells_what_would_happen(head):
    job = _upload(head, "North", "!bad", "South")

    job = services.job_check(actor=head, job=job, run_now=True)

    assert job.status == Job.Status.CHECKED
    assert (job.processed_rows, job.created_count, job.error_count) == (3, 2, 1)
    assert job.errors == [{"row": 2, "field": "name", "message": "“!bad” is refused."}]
    assert job.finished_at is None  # a check is not the end of the job
    assert not _written()


@pytest.mark.django_db
def test_refused_rows_roll_the_run_back_unless_the_valid_ones_are_kept(head):
    job = services.job_check(actor=head, job=_upload(head, "North", "!bad"), run_now=True)

    job = services.job_start(actor=head, job=job, run_now=True)
    assert job.status == Job.Status.FAILED
    assert (job.created_count, job.error_count) == (0, 1)
    assert not _written()

    job = services.job_start(actor=head, job=job, valid_only=True, run_now=True)
    assert job.status == Job.Status.DONE
    assert _written() == ["North"]
    assert not job.file  # the upload is not kept once its rows are in


@pytest.mark.django_db
def test_options_changed_forget_the_last_check(head):
    job = services.job_check(actor=head, job=_upload(head, "North"), run_now=True)

    job = services.job_options_set(actor=head, job=job, options={"prefix": "Team "})
    assert (job.status, job.created_count) == (Job.Status.UPLOADED, 0)

    job = services.job_start(actor=head, job=job, run_now=True)
    assert _written() == ["Team North"]


@pytest.mark.django_db
def test_a_small_check_answers_at_once_and_a_large_one_is_queued_after_commit(
    head, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_CHECK_INLINE_MAX_ROWS = 2

    small = services.job_check(actor=head, job=_upload(head, "A", "B"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        large = services.job_check(actor=head, job=_upload(head, "A", "B", "C"))

    assert small.status == Job.Status.CHECKED
    assert large.status == Job.Status.QUEUED
    assert large.dry_run
    assert len(callbacks) == 1  # the task is sent only once the job is committed


@pytest.mark.django_db
def test_a_running_or_finished_job_cannot_be_queued_again(head):
    job = services.job_start(actor=head, job=_upload(head, "North"), run_now=True)

    with pytest.raises(ValidationError):
        services.job_check(actor=head, job=job, run_now=True)
    assert services.job_run(job_id=job.pk).status == Job.Status.DONE
    assert _written() == ["North"]


# --- permissions ---------------------------------------------------------------------------


def test_a_kind_that_names_no_permission_is_refused():
    for permission in ("", "change_team"):
        with pytest.raises(ImproperlyConfigured):
            job_kind_register(
                JobKind(code="crm.open", label="Open", permission=permission, run=_teams)
            )
    assert "crm.open" not in JOB_KINDS


@pytest.mark.django_db
def test_a_role_without_the_kinds_permission_is_refused(head, manager):
    job = _upload(head, "North")

    with pytest.raises(PermissionDenied):
        _upload(manager, "North")
    with pytest.raises(PermissionDenied):
        services.job_check(actor=manager, job=job, run_now=True)
    with pytest.raises(PermissionDenied):
        services.job_start(actor=manager, job=job, run_now=True)
    with pytest.raises(PermissionDenied):
        services.job_options_set(actor=manager, job=job, options={})
    assert Job.objects.get().status == Job.Status.UPLOADED


@pytest.mark.django_db
def test_a_queued_job_whose_creator_lost_the_permission_fails_when_it_runs(head):
    job = services.job_start(actor=head, job=_upload(head, "North"))
    head.is_active = False
    head.save(update_fields=["is_active"])

    job = services.job_run(job_id=job.pk)

    assert job.status == Job.Status.FAILED
    assert "may not start" in job.errors[0]["message"]
    assert not _written()


@pytest.mark.django_db
def test_the_progress_page_is_the_creators_and_polls_while_the_job_runs(client, head, head2):
    job = services.job_start(actor=head, job=_upload(head, "North", "!bad"))
    url = reverse("job-progress", args=[job.pk])

    client.force_login(head2)
    assert client.get(url).status_code == 404

    client.force_login(head)
    assert 'hx-trigger="every 1s"' in client.get(url).content.decode()
    services.job_run(job_id=job.pk)
    page = client.get(url).content.decode()
    assert "hx-trigger" not in page
    assert 'data-status="failed"' in page
    assert 'data-row="2"' in page  # the kind's result template shows the refused row


# --- one run at a time, and its progress seen from outside ---------------------------------


@pytest.fixture
def paused_kind():
    """A kind whose step writes a team, reports 1 row done, and waits until released."""
    reached, release = threading.Event(), threading.Event()
    calls = []

    def step(job: Job, progress) -> Outcome:
        calls.append(job.pk)
        Team.objects.create(name="Written inside the run")
        progress(1)
        reached.set()
        release.wait(timeout=30)
        progress(2)
        return Outcome(processed=2, created=2)

    kind = JobKind(code="crm.test_paused", label="Paused", permission="crm.change_team", run=step)
    with _registered(kind):
        yield kind, reached, release, calls


def _in_thread(target) -> threading.Thread:
    def run():
        try:
            target()
        finally:
            connection.close()  # the thread's own connection, opened by Django for it

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_one_run_at_a_time_and_its_progress_is_seen_while_it_runs(head, paused_kind):
    kind, reached, release, calls = paused_kind
    job = Job.objects.create(kind=kind.code, created_by=head, status=Job.Status.QUEUED)
    Job.objects.filter(pk=job.pk).update(total_rows=2)

    # given a run under way, holding its transaction open
    first = _in_thread(lambda: services.job_run(job_id=job.pk))
    assert reached.wait(timeout=30)
    try:
        # then another connection sees it running, with its progress and a heartbeat…
        job.refresh_from_db()
        assert (job.status, job.processed_rows) == (Job.Status.RUNNING, 1)
        assert job.started_at is not None
        assert job.heartbeat_at is not None
        # …while what the run wrote is not visible before it commits
        assert not _written()

        # when the job is delivered a second time, that delivery does nothing
        second = services.job_run(job_id=job.pk)
        assert second.status == Job.Status.RUNNING  # as it was read, before the lock refused it
        assert calls == [job.pk]
    finally:
        release.set()
        first.join(timeout=30)

    # then the one run finished and committed its rows
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count) == (Job.Status.DONE, 2, 2)
    assert _written() == ["Written inside the run"]
    assert calls == [job.pk]


@pytest.mark.django_db(transaction=True)
def test_a_locked_job_is_left_to_the_run_that_holds_the_lock(head, paused_kind):
    kind, _reached, release, calls = paused_kind
    release.set()
    job = Job.objects.create(kind=kind.code, created_by=head, status=Job.Status.QUEUED)
    # the lock as a run on another worker holds it
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [services._LOCK_NAMESPACE, job.pk])

        assert services.job_run(job_id=job.pk).status == Job.Status.QUEUED
        assert calls == []
    finally:
        other.close()  # the lock goes with the connection

    assert services.job_run(job_id=job.pk).status == Job.Status.DONE
    assert calls == [job.pk]


# --- retention -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_purge_removes_only_old_uploads_of_jobs_that_are_not_running(head, settings):
    # given uploads from last week in every state, and a fresh one
    old = {status: _upload(head, status) for status in Job.Status.values}
    fresh = _upload(head, "fresh")
    week_ago = timezone.now() - dt.timedelta(days=8)
    for status, job in old.items():
        Job.objects.filter(pk=job.pk).update(status=status, created_at=week_ago)
    paths = {status: Path(job.file.path) for status, job in old.items()}

    # when the daily purge runs with a 7-day retention
    settings.IMPORT_FILE_RETENTION_DAYS = 7
    purged = purge_job_uploads()

    # then the old uploads of jobs that are over (or never ran) are gone, the others stay
    gone = {Job.Status.UPLOADED, Job.Status.CHECKED, Job.Status.DONE, Job.Status.FAILED}
    assert purged == len(gone)
    for status, job in old.items():
        job.refresh_from_db()
        assert bool(job.file) is (status not in gone), status
        assert paths[status].exists() is (status not in gone), status
    fresh.refresh_from_db()
    assert fresh.file


# --- a job whose worker died ---------------------------------------------------------------


def _stalled(head, *lines: str, attempts: int = 1, minutes: int = 10) -> Job:
    """A job left "running" by a worker that died mid-run, its heartbeat ``minutes`` old."""
    job = services.job_start(actor=head, job=_upload(head, *lines))
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        processed_rows=1,
        attempts=attempts,
        heartbeat_at=timezone.now() - dt.timedelta(minutes=minutes),
    )
    return job


@pytest.mark.django_db
def test_the_sweep_queues_a_job_whose_worker_died_and_the_run_then_imports_each_row_once(
    head, settings, django_capture_on_commit_callbacks
):
    settings.JOB_STALE_AFTER_SECONDS = 120
    dead = _stalled(head, "North", "South")
    fresh = _stalled(head, "East", minutes=0)  # a live run between two progress writes

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        counts = services.jobs_sweep_stalled()

    assert counts == {"requeued": 1, "failed": 0, "resent": 0}
    assert len(callbacks) == 1  # the task is sent once the job is back in the queue
    dead.refresh_from_db()
    assert (dead.status, dead.processed_rows, dead.attempts) == (Job.Status.QUEUED, 0, 1)
    fresh.refresh_from_db()
    assert fresh.status == Job.Status.RUNNING

    # a second sweep finds nothing to do: the job is queued with a fresh timestamp
    assert services.jobs_sweep_stalled() == {"requeued": 0, "failed": 0, "resent": 0}

    dead = services.job_run(job_id=dead.pk)
    assert (dead.status, dead.attempts, dead.created_count) == (Job.Status.DONE, 2, 2)
    assert _written() == ["North", "South"]


@pytest.mark.django_db
def test_a_job_whose_worker_died_too_often_fails_with_a_message(head, settings):
    settings.JOB_MAX_ATTEMPTS = 3
    job = _stalled(head, "North", attempts=3)

    assert services.jobs_sweep_stalled()["failed"] == 1

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.finished_at is not None
    assert "started 3 times" in job.errors[0]["message"]
    assert not _written()


@pytest.mark.django_db
def test_a_redelivered_message_of_a_job_that_died_too_often_fails_it_instead_of_running(
    head, settings
):
    # acks_late hands the message of a killed worker back: the run then finds the job running
    settings.JOB_MAX_ATTEMPTS = 2
    job = _stalled(head, "North", attempts=2, minutes=0)

    job = services.job_run(job_id=job.pk)

    assert job.status == Job.Status.FAILED
    assert "started 2 times" in job.errors[0]["message"]
    assert not _written()


@pytest.mark.django_db
def test_a_redelivered_message_of_a_job_that_died_once_runs_it_again(head):
    job = _stalled(head, "North", attempts=1, minutes=0)

    job = services.job_run(job_id=job.pk)

    assert (job.status, job.attempts) == (Job.Status.DONE, 2)
    assert _written() == ["North"]


@pytest.mark.django_db
def test_a_queued_job_whose_message_was_lost_is_sent_again(
    head, settings, django_capture_on_commit_callbacks
):
    job = services.job_start(actor=head, job=_upload(head, "North"))
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        counts = services.jobs_sweep_stalled()

    assert counts["resent"] == 1
    job.refresh_from_db()
    assert job.attempts == 0  # sending a message again is not a run


@pytest.mark.django_db(transaction=True)
def test_the_sweep_leaves_a_slow_run_that_still_holds_its_lock(head, paused_kind):
    kind, _reached, release, _calls = paused_kind
    release.set()
    job = Job.objects.create(
        kind=kind.code,
        created_by=head,
        status=Job.Status.RUNNING,
        heartbeat_at=timezone.now() - dt.timedelta(hours=1),
    )
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [services._LOCK_NAMESPACE, job.pk])

        assert services.jobs_sweep_stalled()["requeued"] == 0
        job.refresh_from_db()
        assert job.status == Job.Status.RUNNING
    finally:
        other.close()

    assert services.jobs_sweep_stalled()["requeued"] == 1


@pytest.mark.django_db
def test_the_page_of_a_restarted_job_says_so_instead_of_running_for_ever(client, head):
    job = _stalled(head, "North", "South")
    client.force_login(head)
    url = reverse("job-progress", args=[job.pk])
    assert "Restarted" not in client.get(url).content.decode()

    services.jobs_sweep_stalled()
    page = client.get(url).content.decode()
    assert "Restarted: the worker running this job stopped" in page
    assert "Waiting for a worker" in page

    services.job_run(job_id=job.pk)
    page = client.get(url).content.decode()
    assert 'data-status="done"' in page
    assert 'data-attempts="2"' in page


def test_the_sweep_is_on_the_beat_schedule_and_the_broker_outlasts_every_task(settings):
    from crm.tasks import run_job, sweep_stalled_jobs

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-stalled-jobs"]
    assert entry["task"] == sweep_stalled_jobs.name
    assert entry["schedule"] <= settings.JOB_STALE_AFTER_SECONDS
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert run_job.time_limit < visibility
    assert run_job.soft_time_limit < run_job.time_limit
    assert visibility > settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"]
    # Celery's Django fixup then closes the connections around every task
    assert not getattr(settings, "CELERY_DB_REUSE_MAX", None)

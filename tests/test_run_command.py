"""`run.py up` as a person starts it: a real process in a data folder of its own, with its
embedded PostgreSQL and Redis. Processes it started are killed with SIGKILL and it must say so,
start them again, and serve as production would (no debug pages, gunicorn, WhiteNoise).

One stack is started for the module (about half a minute: a fresh database is migrated) and
each test breaks one part of it. The backoff and the stop-everything paths are exercised on
the script's own classes with short-lived processes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from django.urls import path

from crm.tests.helpers import wait_until

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.worker


def _load_run_py():
    spec = importlib.util.spec_from_file_location("crm_run_script", ROOT / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_script = _load_run_py()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    """A `run.py up` process and what it printed."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir, self.port = data_dir, port
        self.url = f"http://127.0.0.1:{port}"
        env = {
            k: v
            for k, v in os.environ.items()
            # The embedded servers and the run command's own settings, as a person gets them.
            if k not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_SETTINGS_MODULE"}
            and k not in {"DEBUG", "CELERY_BROKER_URL", "MEDIA_ROOT", "MAIL_SINK_DIR"}
        }
        env.update(
            CRM_DATA_DIR=str(data_dir),
            CRM_PORT=str(port),
            CRM_DEMO="0",
            CRM_DEMO_PASSWORD="run-command-test",
            WEB_CONCURRENCY="1",
            WEB_THREADS="2",
        )
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "up"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for raw in iter(self.proc.stdout.readline, b""):
            with self._lock:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))

    def output(self) -> str:
        with self._lock:
            return "\n".join(self.lines)

    def said(self, *parts: str) -> str | None:
        """The first line of run.py's own that holds every one of ``parts``."""
        with self._lock:
            for line in self.lines:
                if line.startswith("run.py:") and all(p in line for p in parts):
                    return line
        return None

    def child(self, word: str) -> psutil.Process:
        """The process run.py started whose command line holds ``word``."""
        for proc in psutil.Process(self.proc.pid).children():
            with contextlib.suppress(psutil.Error):
                if word in " ".join(proc.cmdline()):
                    return proc
        raise LookupError(word)

    def get(self, url_path: str, **headers: str) -> tuple[int, str]:
        request = urllib.request.Request(self.url + url_path, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def health(self) -> dict:
        try:
            return json.loads(self.get("/healthz")[1])
        except (OSError, ValueError):
            return {}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=180)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._reader.join(timeout=5)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    stack = Stack(tmp_path_factory.mktemp("up"), _free_port())
    try:
        wait_until(
            lambda: "Operational CRM is running at" in stack.output() or stack.proc.poll(),
            timeout=240,
            interval=0.5,
        )
        assert stack.proc.poll() is None, stack.output()
        yield stack
    finally:
        stack.stop()
    assert stack.said("stopped"), stack.output()[-3000:]


# --- watching what it started --------------------------------------------------------------


def test_a_killed_worker_is_restarted_and_heard_from_again(stack):
    worker = stack.child("worker")
    killed_at = dt.datetime.now(dt.UTC)

    worker.kill()

    line = wait_until(lambda: stack.said("worker was killed by SIGKILL"), timeout=30)
    assert "restarting it in 1 s" in line
    wait_until(lambda: stack.said("restarting worker"), timeout=30)

    def heard_from_new_worker():
        worker_check = stack.health().get("checks", {}).get("worker", {})
        beat = worker_check.get("last_heartbeat")
        return worker_check.get("ok") and dt.datetime.fromisoformat(beat) > killed_at

    wait_until(heard_from_new_worker, timeout=90, interval=0.5)
    assert stack.child("worker").pid != worker.pid


def test_a_killed_web_server_is_restarted(stack):
    stack.child("gunicorn").kill()

    wait_until(lambda: stack.said("web was killed by SIGKILL"), timeout=30)
    wait_until(lambda: stack.health().get("status") == "ok", timeout=60, interval=0.5)


def test_a_killed_postgresql_is_named_at_once_and_started_again(stack):
    pidfile = stack.data_dir / "postgres" / "postmaster.pid"
    pid = int(pidfile.read_text().split()[0])

    os.kill(pid, signal.SIGKILL)

    line = wait_until(lambda: stack.said("PostgreSQL", f"pid {pid}"), timeout=15)
    assert "was killed by SIGKILL (exit code -9)" in line
    assert str(stack.data_dir / "postgres") in line
    wait_until(lambda: stack.said("PostgreSQL is running again"), timeout=60)

    def database_back():
        return stack.health().get("checks", {}).get("database", {}).get("ok")

    wait_until(database_back, timeout=60, interval=0.5)


def test_a_killed_redis_is_named_at_once_and_started_again(stack):
    pid = int((stack.data_dir / "redis" / "redis-server.pid").read_text())

    os.kill(pid, signal.SIGKILL)

    line = wait_until(lambda: stack.said("Redis", "was killed by SIGKILL"), timeout=15)
    assert str(stack.data_dir / "redis") in line
    wait_until(lambda: stack.said("Redis is running again"), timeout=60)
    wait_until(lambda: stack.health().get("status") == "ok", timeout=60, interval=0.5)


# --- served as production would be ---------------------------------------------------------


def test_it_serves_with_gunicorn_whitenoise_and_no_debug_pages(stack):
    assert stack.said("Debug pages") is None  # the banner line is not run.py's own
    assert "Debug pages:              off" in stack.output()
    assert stack.child("gunicorn")
    assert "runserver" not in stack.output()

    status, body = stack.get("/static/crm/app.css")
    assert status == 200
    assert (stack.data_dir / "static" / "crm" / "app.css").exists()  # collected at start

    # a request for an unknown host and an unknown page: the plain pages, never Django's
    # debug pages with their traceback and settings
    for url_path, headers, expected in [
        ("/", {"Host": "evil.example"}, 400),
        ("/no-such-page/", {}, 404),
    ]:
        status, body = stack.get(url_path, **headers)
        assert status == expected
        for leak in ("Traceback", "DisallowedHost", "SECRET_KEY", "URLconf", "DEBUG = True"):
            assert leak not in body


def test_the_run_commands_settings_have_debug_off_unless_asked(tmp_path):
    def debug_with(**extra: str) -> str:
        env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
        env.update(DJANGO_SETTINGS_MODULE="crm.settings.local", **extra)
        code = "import django; django.setup(); from django.conf import settings; "
        code += "print(settings.DEBUG, '127.0.0.1' in settings.ALLOWED_HOSTS, "
        code += "'localhost' in settings.ALLOWED_HOSTS)"
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()

    assert debug_with() == "False True True"
    assert debug_with(DEBUG="1") == "True True True"


def _boom(request):
    raise RuntimeError("a secret detail of a failing view")


urlpatterns = [path("boom/", _boom)]
handler500 = "crm.views.error_500"


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_an_error_shows_the_plain_500_page_without_the_traceback(client, settings):
    settings.DEBUG = False  # as crm.settings.local has it unless DEBUG=1 is set
    client.raise_request_exception = False

    response = client.get("/boom/")

    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    for leak in ("a secret detail", "RuntimeError", "Traceback", "SECRET_KEY"):
        assert leak not in body


# --- the restart policy, on short-lived processes ------------------------------------------


def _exiting(code: int):
    def start():
        argv = [sys.executable, "-c", f"import sys; sys.exit({code})"]
        return run_script.Child("flaky", argv, dict(os.environ))

    return start


def test_a_crashing_process_is_restarted_with_growing_delays_reset_after_a_stable_minute(
    capsys, monkeypatch
):
    clock = [1000.0]
    monkeypatch.setattr(run_script.time, "monotonic", lambda: clock[0])
    with contextlib.ExitStack() as stack:
        flaky = run_script.Restarted("flaky", _exiting(3), stack)
        delays = []
        for _ in range(7):
            flaky.child.proc.wait(timeout=30)
            flaky.check()  # notices the exit and plans the restart
            delays.append(flaky.restart_at - clock[0])
            clock[0] = flaky.restart_at
            flaky.check()  # starts it again
        assert delays == [1, 2, 4, 8, 16, 30, 30]

        # a process that stayed up for a minute starts the count again
        flaky.child.proc.wait(timeout=30)
        clock[0] += run_script.STABLE_AFTER
        flaky.check()
        assert flaky.restart_at - clock[0] == 1
    err = capsys.readouterr().err
    assert "run.py: flaky exited with code 3 unexpectedly; restarting it in 1 s" in err
    assert "run.py: restarting flaky (restart 7)" in err


def test_an_embedded_server_that_cannot_start_again_stops_everything_naming_it(
    tmp_path, monkeypatch
):
    def cannot_start(*args, **kwargs):
        raise run_script.Failure("Redis does not answer PING")

    monkeypatch.setattr(run_script, "start_redis", cannot_start)
    with contextlib.ExitStack() as stack:
        env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0"}
        redis = run_script.EmbeddedRedis(_exiting(1)(), tmp_path, env, stack)
        redis.child.proc.wait(timeout=30)

        with pytest.raises(run_script.Failure) as failure:
            redis.check()

    assert "Redis exited with code 1 and could not be started again" in str(failure.value)
    assert "stopping everything" in str(failure.value)

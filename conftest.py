"""Fixtures shared by every test: the standard actors, API clients, a real SMTP sink, a real
Celery worker on the Redis broker, and a Chromium browser for journeys."""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache

from crm.models import Role, Team, User
from crm.tests.factories import DEFAULT_PASSWORD, TeamFactory, UserFactory
from crm.tests.helpers import wait_until

BASE_DIR = Path(__file__).resolve().parent
SCREENSHOT_DIR = BASE_DIR / "var" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# --- isolation -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    """Each test starts with an empty cache (throttle counters, worker heartbeat, …).

    Only this project's keys are removed: the Celery broker lives in the same Redis database,
    and a FLUSHDB would also drop its queue bindings.
    """
    client = cache._cache.get_client(None, write=True)
    keys = list(client.scan_iter(match=cache.make_key("*"), count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def registry_override() -> Iterator:
    """``registry_override(REGISTRY, clear=False)`` lets a test register entries of its own
    in an extension point (crm/registry.py); the registry is restored after the test."""
    with contextlib.ExitStack() as stack:

        def override(registry, *, clear: bool = False):
            return stack.enter_context(registry.override(clear=clear))

        yield override


# --- the standard actors -------------------------------------------------------------------


@pytest.fixture
def team_a(db) -> Team:
    return TeamFactory(name="Team A")


@pytest.fixture
def team_b(db) -> Team:
    return TeamFactory(name="Team B")


@pytest.fixture
def admin_user(db) -> User:
    return UserFactory(email="admin@example.com", is_superuser=True, is_staff=True, role=Role.ADMIN)


@pytest.fixture
def head(team_a) -> User:
    user = UserFactory(email="head@example.com", role=Role.HEAD, team=team_a)
    team_a.head = user
    team_a.save(update_fields=["head"])
    return user


@pytest.fixture
def head2(team_b) -> User:
    user = UserFactory(email="head2@example.com", role=Role.HEAD, team=team_b)
    team_b.head = user
    team_b.save(update_fields=["head"])
    return user


@pytest.fixture
def manager(head, team_a) -> User:
    return UserFactory(email="manager@example.com", role=Role.MANAGER, team=team_a)


@pytest.fixture
def manager2(head2, team_b) -> User:
    return UserFactory(email="manager2@example.com", role=Role.MANAGER, team=team_b)


@pytest.fixture
def operator(db) -> User:
    return UserFactory(email="operator@example.com", role=Role.OPERATOR)


@pytest.fixture
def supervisor(db) -> User:
    return UserFactory(email="supervisor@example.com", role=Role.SUPERVISOR)


@pytest.fixture
def marketer(db) -> User:
    return UserFactory(email="marketer@example.com", role=Role.MARKETER)


@pytest.fixture
def password() -> str:
    """The password every factory-made user has."""
    return DEFAULT_PASSWORD


# --- API clients ---------------------------------------------------------------------------


@pytest.fixture
def api_client():
    """An anonymous DRF client; every request goes through the full middleware stack."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api_client_for(db):
    """``api_client_for(user)`` is signed in with a session; ``token=True`` uses a new API
    token of the user's (``client.token`` is the token, ``client.token_key`` its key)."""
    from rest_framework.test import APIClient

    from crm.services import api_token_create

    def make(user: User, *, token: bool = False) -> APIClient:
        client = APIClient()
        if token:
            client.token, client.token_key = api_token_create(actor=user, user=user, name="test")
            client.credentials(HTTP_AUTHORIZATION=f"Token {client.token_key}")
        else:
            client.force_login(user)
        return client

    return make


# --- a real SMTP server --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[email.message.EmailMessage] = []
        self.host = "127.0.0.1"
        self.port = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # the aiosmtpd hook name
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        with self._lock:
            self._messages.append(message)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        with self._lock:
            return list(self._messages)

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in str(m["to"])]

    def wait_for(
        self, count: int = 1, *, timeout: float = 30.0, to: str | None = None
    ) -> email.message.EmailMessage:
        """Wait until ``count`` messages (to ``to`` when given) have arrived; return the
        ``count``-th of them. ``messages`` has them all."""

        def arrived():
            found = self.to(to) if to else self.messages
            return found if len(found) >= count else None

        return wait_until(arrived, timeout=timeout)[count - 1]


@pytest.fixture
def smtp_sink(settings) -> Iterator[SmtpSink]:
    """A real SMTP server on a free loopback port; Django sends its mail there."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    sink.port = _free_port()
    controller = Controller(sink, hostname=sink.host, port=sink.port, ready_timeout=10)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield sink
    finally:
        controller.stop()


# --- a real Celery worker ------------------------------------------------------------------


@pytest.fixture
def celery_worker(transactional_db):
    """A Celery worker in a thread, consuming from the real Redis broker.

    The worker runs in another thread with its own database connection, so it only sees
    committed rows: tests that use it are ``@pytest.mark.django_db(transaction=True)``.
    """
    from celery.contrib.testing.worker import start_worker

    from crm.celery import app

    # Messages left by earlier tests (a commit that queued an e-mail with no worker running)
    # must not be executed inside this test.
    app.control.purge()
    hijack = app.conf.worker_hijack_root_logger
    app.conf.worker_hijack_root_logger = False  # keep pytest's log capture in place
    try:
        with start_worker(
            app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=30.0,
        ) as worker:
            yield worker
    finally:
        app.conf.worker_hijack_root_logger = hijack
        app.control.purge()


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if "celery_worker" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "worker"
        ):
            item.add_marker(pytest.mark.worker)
        if "page" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)


# --- a real browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Chromium driven through Playwright's sync API; never a browser Playwright downloads."""
    if not CHROMIUM.exists():
        reason = f"browser tests need Chromium at {CHROMIUM}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    # Playwright's sync API keeps an event loop running in the main thread; Django refuses
    # database access from a thread with a running loop unless told that this is intended.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _screenshot_path(request, suffix: str = "") -> Path:
    name = re.sub(r"[^A-Za-z0-9_.\-\[\]]+", "_", request.node.name)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR / f"{name}{'-' + suffix if suffix else ''}.png"


@pytest.fixture
def page(browser, live_server, request):
    """A page in a fresh browser context (own cookies), pointed at the live server.

    A screenshot of the final screen is saved to ``var/screenshots/<test name>.png``.
    """
    from playwright.sync_api import Error as PlaywrightError

    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 860}
    )
    # What a person waits for is a page or an element, however long a busy machine takes to
    # bring it; these budgets only stop a test that would otherwise hang (a page that never
    # comes fails its own wait long before pytest-timeout).
    context.set_default_timeout(30_000)
    context.set_default_navigation_timeout(90_000)
    page = context.new_page()
    try:
        yield page
        # Best effort: a crashed page must not hide the test's own failure.
        with contextlib.suppress(PlaywrightError):
            page.screenshot(path=str(_screenshot_path(request)), full_page=True)
    finally:
        context.close()


@pytest.fixture
def screenshot(request, page):
    """``screenshot("step")`` saves the test's page to ``var/screenshots/<test name>-step.png``
    (another page can be passed as ``screenshot("step", page=other)``)."""

    def take(step: str = "", *, page=page) -> Path:
        path = _screenshot_path(request, step)
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login_as(live_server):
    """``login_as(page, user)`` signs the page's browser context in without the login form."""
    from django.conf import settings as django_settings
    from django.test import Client

    def login(page, user: User) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return login

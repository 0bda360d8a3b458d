"""Several worker processes routing at once, on the real broker and database: every item is
assigned exactly once, and round robin skips nobody (counts equal within one)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from crm.celery import app
from crm.models import Role
from crm.routing import services
from crm.routing.models import Assignment, Strategy
from crm.tests.factories import TeamFactory, UserFactory
from crm.tests.helpers import wait_until
from deals.models import Lead
from deals.tests.factories import LeadFactory

from .kind import CODE

ROOT = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).resolve().parent / "routing_worker.py"
ITEMS = 300
PEOPLE = 7

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "postgres", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or ""
    if host.startswith("/"):  # a unix socket folder (the embedded PostgreSQL)
        return f"postgres://{user}{password}@/" + quote(f"{host}/{db['NAME']}", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


@pytest.fixture
def workers(tmp_path):
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    client.delete("routing")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.test",
        "DATABASE_URL": _database_url(),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    procs = []

    def start(number: int) -> None:
        log = open(tmp_path / f"worker-{number}.log", "ab")  # noqa: SIM115
        argv = [sys.executable, str(WORKER), "--pool", "prefork", "--concurrency", "1"]
        argv += ["--loglevel", "WARNING", "--hostname", f"routing{number}-{os.getpid()}@%h"]
        argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        procs.append(
            subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        log.close()

    try:
        yield start
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        client.delete("routing", "unacked", "unacked_index")
        logs = "\n".join(p.read_text(errors="replace") for p in tmp_path.glob("*.log"))
        assert "Traceback" not in logs, logs[-3000:]


def test_two_workers_route_300_items_once_each_and_skip_nobody(workers):
    # given a round robin over seven people and 300 new items, each queued twice (a duplicate
    # signal, a redelivered message)
    team = TeamFactory()
    people = [UserFactory(role=Role.MANAGER, team=team) for _ in range(PEOPLE)]
    services.routing_rule_create(
        actor=None, kind=CODE, name="RR", strategy=Strategy.ROUND_ROBIN, team=team
    )
    leads = LeadFactory.create_batch(ITEMS)
    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    broker.delete("celery")
    for lead in leads + leads[::-1]:
        app.send_task("crm.routing.tasks.route_item", args=[CODE, lead.pk], queue="routing")
    assert broker.llen("celery") == 0  # on the routing queue only, no copy on the default one

    # when two worker processes take them at once
    workers(1)
    workers(2)
    wait_until(
        lambda: (
            not Lead.objects.filter(owner__isnull=True).exists()
            and redis.Redis.from_url(django_settings.CELERY_BROKER_URL).llen("routing") == 0
        ),
        timeout=240,
        interval=0.5,
    )

    # then every item has one assignment, agreeing with its owner, and the counts are even
    assignments = list(Assignment.objects.values_list("item_id", "user_id"))
    assert len(assignments) == ITEMS
    assert len({item for item, _user in assignments}) == ITEMS
    owners = dict(Lead.objects.values_list("pk", "owner_id"))
    assert all(owners[item] == user for item, user in assignments)
    counts = Counter(user for _item, user in assignments)
    assert set(counts) == {p.pk for p in people}
    assert max(counts.values()) - min(counts.values()) <= 1, counts

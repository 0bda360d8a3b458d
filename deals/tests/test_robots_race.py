"""Two beat processes polling the same database at the same moment: every run is run once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from django.db import connection

from crm.automation.models import AutomationRun
from crm.automation.services import automation_event
from crm.models import Task
from deals.robots import stay_occasion

from .factories import DealFactory, PipelineFactory, stage
from .factories_automation import TASK, robot

pytestmark = pytest.mark.django_db(transaction=True)

POLLER = """
import os, time
import django
django.setup()
from crm.automation.services import automation_runs_execute_due
time.sleep(max(0.0, float(os.environ["START_AT"]) - time.time()))
ran = 0
while True:
    done = automation_runs_execute_due(limit=3)
    if not done:
        break
    ran += done
print(ran)
"""


def _database_url() -> str:
    """The test database, reached as the tests reach theirs (the server's URL, its name).
    The embedded server's URL is a socket folder and the name, quoted as one path."""
    base, name = os.environ["DATABASE_URL"], connection.settings_dict["NAME"]
    prefix, _sep, path = base.rpartition("@/")
    if "%2F" in path:
        folder = unquote(path).rpartition("/")[0]
        return f"{prefix}@/" + quote(f"{folder}/{name}", safe="")
    head, _sep, tail = base.rpartition("/")
    query = tail.partition("?")[2]
    return f"{head}/{name}" + (f"?{query}" if query else "")


def test_two_poller_processes_never_run_a_run_twice(manager):
    pipeline = PipelineFactory()
    robot(pipeline, "Замер", TASK)
    deals = [
        DealFactory(pipeline=pipeline, owner=manager, stage=stage(pipeline, "Замер"))
        for _ in range(40)
    ]
    for deal in deals:
        automation_event(event="deals.stage_entered", obj=deal, occasion=stay_occasion(deal))
    assert AutomationRun.objects.filter(status="scheduled").count() == 40
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "crm.settings.test",
        "START_AT": str(time.time() + 15),  # both start Django first, then poll at once
    }
    root = Path(__file__).resolve().parents[2]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", POLLER], env=env, cwd=root, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    counts = [int(p.communicate(timeout=240)[0].strip().splitlines()[-1]) for p in processes]

    assert all(p.returncode == 0 for p in processes)
    assert sum(counts) == 40
    assert all(counts), f"one poller did all the work: {counts} (they did not race)"
    assert AutomationRun.objects.filter(status="done", attempts=1).count() == 40
    assert Task.objects.count() == 40
    assert Task.objects.values("object_id").distinct().count() == 40

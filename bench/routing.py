"""Lead routing at size: ``python -m bench.routing --leads 10000 --workers 4``.

10,000 new leads are routed by 4 Celery worker processes at once (each a prefork worker of one
process on the ``routing`` queue), by one round-robin rule over a team of 20 managers, as they
would be after a burst of web-form requests (one message per lead, in the order they came; the
tasks route them in batches, see ``crm/routing/services.py``). The messages are queued first; the time is from
the first assignment to the last (and, besides, from the workers' start to the end); then checked: each lead assigned exactly once (one assignment row per
lead, agreeing with the lead's owner) and nobody skipped (the counts per manager differ by one
at most).

It uses a database of its own next to the bench one — ``<bench database>_routing`` on the
server ``BENCH_DATABASE_URL`` names, dropped, created and migrated at each run — and the Redis
database ``BENCH_ROUTING_REDIS_URL`` (default ``redis://127.0.0.1:6379/14``), whose
``routing`` queue it empties first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from .common import Clock, database_name, database_url, setup_django
from .seed import recreate_database

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
MANAGERS = 20
TARGET_SECONDS = 60


def _url() -> str:
    bench_url = database_url()
    return f"{bench_url.rsplit('/', 1)[0]}/{database_name(bench_url)}_routing"


def _redis_url() -> str:
    return os.environ.get("BENCH_ROUTING_REDIS_URL", DEFAULT_REDIS_URL)


def _direct_assign_if_needed() -> str:
    """The lead kind assigns through the sales part's ``lead_assign_to``; where that service is
    not in the tree, the bench assigns as it would (owner and time) so the engine can still be
    measured. Returns how leads are assigned, for the results."""
    try:
        from deals.services.leads import lead_assign_to  # noqa: F401
    except ImportError:
        import dataclasses

        from django.utils import timezone

        from crm.routing.kinds import routing_kind_register
        from deals.models import Lead
        from deals.routing import LEAD

        def assign(lead, user, reason):
            Lead.objects.filter(pk=lead.pk).update(owner=user, assigned_at=timezone.now())

        routing_kind_register(dataclasses.replace(LEAD, assign=assign))
        return "owner set directly (deals.services.leads.lead_assign_to not in this tree)"
    return "deals.services.leads.lead_assign_to"


def worker() -> None:
    """One worker process, started by the bench with the database and Redis in its env."""
    os.environ["BENCH_REDIS_URL"] = _redis_url()
    setup_django(os.environ["BENCH_ROUTING_DATABASE_URL"])
    _direct_assign_if_needed()
    from crm.celery import app

    app.worker_main(
        [
            "worker",
            "-Q",
            "routing",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"bench-routing-{os.getpid()}@%h",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.routing", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--output", default=str(HERE / "routing.json"))
    parser.add_argument(
        "--force", action="store_true", help="drop a database without 'bench' in its name"
    )
    args = parser.parse_args(argv)
    if args.worker:
        worker()
        return

    url = _url()
    clock = Clock()
    recreate_database(url, force=args.force)
    os.environ["BENCH_REDIS_URL"] = _redis_url()
    setup_django(url)
    import redis
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db.models import Max, Min

    from crm.celery import app
    from crm.models import Role, Team, User
    from crm.routing.models import Assignment, Strategy
    from crm.routing.services import BATCH, routing_rule_create
    from deals.models import Lead

    call_command("migrate", verbosity=0)
    assign_how = _direct_assign_if_needed()
    clock.step(f"database {database_name(url)} created and migrated")

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("routing", "unacked", "unacked_index")
    team = Team.objects.create(name="Bench routing")
    group = Group.objects.get(name=Role.MANAGER)
    managers = []
    for n in range(MANAGERS):
        user = User.objects.create_user(
            email=f"bench-router{n + 1}@example.com", password=None, team=team
        )
        user.groups.add(group)
        managers.append(user)
    routing_rule_create(
        actor=None,
        kind="deals.lead",
        name="Bench: round robin",
        strategy=Strategy.ROUND_ROBIN,
        team=team,
        take_within_minutes=30,
    )
    now = dt.datetime.now(dt.UTC)
    Lead.objects.bulk_create(
        (
            Lead(
                name=f"Лид {n}",
                phone=f"+7916{n:07d}",
                source="web_form",
                channel="web_form",
                region="Москва",
                # A burst of requests: each lead a millisecond after the one before.
                created_at=now + dt.timedelta(milliseconds=n),
            )
            for n in range(args.leads)
        ),
        batch_size=2000,
    )
    # The messages go in the order the leads came in, as the signals would send them.
    ids = list(Lead.objects.order_by("created_at", "pk").values_list("pk", flat=True))
    clock.step(f"{len(ids)} leads, {MANAGERS} managers, one round-robin rule")

    # The messages are queued first, as a burst of requests would leave them, so that the
    # figure is the routing and not the queueing.
    queueing = time.perf_counter()
    with app.producer_or_acquire() as producer:
        for pk in ids:
            app.send_task(
                "crm.routing.tasks.route_item",
                args=["deals.lead", pk],
                queue="routing",
                producer=producer,
            )
    clock.step(f"{len(ids)} messages queued ({time.perf_counter() - queueing:.1f}s)")

    env = {
        **os.environ,
        "BENCH_ROUTING_DATABASE_URL": url,
        "BENCH_ROUTING_REDIS_URL": _redis_url(),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.routing", "--worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(args.workers)
    ]
    try:
        waiting = len(ids)
        while waiting:
            time.sleep(0.5)
            waiting = Lead.objects.filter(owner__isnull=True).count()
            if time.perf_counter() - started > 900:
                sys.exit(f"Gave up: {waiting} leads still unassigned after 900 s.")
        wall = time.perf_counter() - started
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        broker.delete("routing", "unacked", "unacked_index")
    span = Assignment.objects.aggregate(first=Min("assigned_at"), last=Max("assigned_at"))
    took = (span["last"] - span["first"]).total_seconds()
    clock.step(
        f"routed in {took:.1f}s from the first assignment to the last "
        f"({len(ids) / took:,.0f} leads/s); {wall:.1f}s with the workers' start"
    )

    assignments = list(Assignment.objects.values_list("item_id", "user_id"))
    owners = dict(Lead.objects.values_list("pk", "owner_id"))
    per_item = Counter(item for item, _user in assignments)
    counts = Counter(user for _item, user in assignments)
    results = {
        "leads": len(ids),
        "workers": args.workers,
        "managers": MANAGERS,
        "strategy": "round_robin",
        "batch": BATCH,
        "assign": assign_how,
        "seconds": round(took, 1),
        "seconds_with_worker_start": round(wall, 1),
        "leads_per_second": round(len(ids) / took),
        "target_seconds": TARGET_SECONDS,
        "meets_target": took < TARGET_SECONDS,
        "assignments": len(assignments),
        "assigned_twice": sum(1 for n in per_item.values() if n > 1),
        "owner_disagrees": sum(1 for item, user in assignments if owners.get(item) != user),
        "per_manager_min": min(counts.values()) if counts else 0,
        "per_manager_max": max(counts.values()) if counts else 0,
        "managers_skipped": MANAGERS - len(counts),
        "load": "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
        "cpus": os.cpu_count(),
        "finished": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    results["fair"] = (
        results["assigned_twice"] == 0
        and results["owner_disagrees"] == 0
        and results["assignments"] == len(ids)
        and results["managers_skipped"] == 0
        and results["per_manager_max"] - results["per_manager_min"] <= 1
    )
    Path(args.output).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    if not results["fair"]:
        sys.exit("Routing was not exact: see the figures above.")


if __name__ == "__main__":
    main()

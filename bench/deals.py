"""The kanban board at size: ``python -m bench.deals``.

A pipeline with 20,000 open deals (and a few hundred closed), owned by the managers of three
teams, some with a client and tags, seeded with bulk inserts into a database of its own next
to the bench one (``<bench database>_deals`` on the server ``BENCH_DATABASE_URL`` names,
dropped, created and migrated at each run unless ``--reuse``).

Then the board page (``GET /deals/pipelines/<id>/``) through Django's test client with every
middleware, as the head of sales (the team's 20,000 deals), as a manager (their own) and as
an administrator, with and without a filter; and a column's "more" page deep in a column. The
time is server time; queries are counted on the warm-up calls. Writes ``bench/deals.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import time
from decimal import Decimal
from pathlib import Path

from .common import Clock, database_name, database_url, percentile
from .common import setup_django as _setup_django
from .seed import recreate_database

HERE = Path(__file__).resolve().parent
TARGET_MS = 300
BATCH = 5000


def seed(deals: int, rng: random.Random) -> dict:
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from contacts.models import Contact, Tag
    from crm.models import Role, Team, User
    from deals.models import Deal, DealStageChange, Pipeline, Stage

    groups = {g.name: g for g in Group.objects.all()}

    def user(email, role, team=None):
        u = User.objects.create_user(email=email, password=None, team=team)
        u.groups.add(groups[role])
        return u

    head = user("bench-head@example.com", Role.HEAD)
    admin = user("bench-admin@example.com", Role.ADMIN)
    managers = []
    for t in range(3):
        team = Team.objects.create(name=f"Bench sales {t}", head=head)
        head.team = head.team or team
        managers += [user(f"bench-m{t}-{i}@example.com", Role.MANAGER, team) for i in range(6)]
    head.save(update_fields=["team"])
    pipeline = Pipeline.objects.create(name="Мебель на заказ (bench)")
    names = ["Заявка", "Замер", "Дизайн-проект", "Договор", "Производство", "Доставка"]
    stages = [
        Stage.objects.create(pipeline=pipeline, name=n, order=i, probability=10 + 15 * i)
        for i, n in enumerate(names)
    ]
    won = Stage.objects.create(pipeline=pipeline, name="Сделка успешна", order=7, kind="won")
    lost = Stage.objects.create(pipeline=pipeline, name="Сделка провалена", order=8, kind="lost")
    tags = [Tag.objects.create(name=n) for n in ("VIP", "Повторный", "Срочно")]
    contacts = Contact.objects.bulk_create(
        Contact(last_name=f"Клиент{i}", first_name="Иван", owner=rng.choice(managers))
        for i in range(3000)
    )
    now = timezone.now()
    # Early stages hold more deals than late ones, as in a real funnel.
    weights = [30, 22, 16, 12, 11, 9]
    made = 0
    while made < deals:
        batch = []
        for _ in range(min(BATCH, deals - made)):
            owner = rng.choice(managers)
            entered = now - dt.timedelta(hours=rng.uniform(1, 24 * 120))
            batch.append(
                Deal(
                    title=f"Кухня на заказ №{made + len(batch)}",
                    pipeline=pipeline,
                    stage=rng.choices(stages, weights)[0],
                    owner=owner,
                    contact=rng.choice(contacts) if rng.random() < 0.7 else None,
                    amount=Decimal(rng.randrange(30_000, 900_000, 500)),
                    currency="RUB" if rng.random() < 0.95 else "USD",
                    source=rng.choice(["web_form", "call", "referral", "campaign"]),
                    stage_entered_at=entered,
                    last_activity_at=entered,
                    created_at=entered - dt.timedelta(days=rng.uniform(0, 30)),
                )
            )
        created = Deal.objects.bulk_create(batch)
        Deal.tags.through.objects.bulk_create(
            Deal.tags.through(deal_id=d.pk, tag_id=rng.choice(tags).pk)
            for d in created
            if rng.random() < 0.2
        )
        DealStageChange.objects.bulk_create(
            DealStageChange(deal=d, to_stage=d.stage, changed_at=d.created_at) for d in created
        )
        made += len(batch)
    closed = []
    for i in range(600):
        stage = won if i % 2 else lost
        closed.append(
            Deal(
                title=f"Закрытая сделка {i}",
                pipeline=pipeline,
                stage=stage,
                owner=rng.choice(managers),
                amount=Decimal(100_000),
                closed_at=now,
            )
        )
    Deal.objects.bulk_create(closed)
    return {"pipeline": pipeline.pk, "head": head.pk, "admin": admin.pk, "manager": managers[0].pk}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.deals", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--reuse", action="store_true", help="measure the database seeded before")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)  # noqa: S311 (inputs of a benchmark)
    clock = Clock()
    base = database_url()
    url = f"{base}_deals"
    if not args.reuse:
        recreate_database(url, force=False)
    _setup_django(url)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from crm.models import User
    from deals.models import Pipeline, Stage

    if args.reuse:
        ids = {
            "pipeline": Pipeline.objects.get(name__endswith="(bench)").pk,
            "head": User.objects.get(email="bench-head@example.com").pk,
            "admin": User.objects.get(email="bench-admin@example.com").pk,
            "manager": User.objects.get(email="bench-m0-0@example.com").pk,
        }
    else:
        call_command("migrate", verbosity=0)
        clock.step(f"migrated {database_name(url)}")
        ids = seed(args.deals, rng)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        clock.step(f"seeded {args.deals} open deals")

    board = f"/deals/pipelines/{ids['pipeline']}/"
    first = Stage.objects.filter(pipeline_id=ids["pipeline"]).order_by("order").first()
    clients = {}
    for who in ("head", "manager", "admin"):
        clients[who] = Client(HTTP_HOST="localhost")
        clients[who].force_login(User.objects.get(pk=ids[who]))
    from deals.selectors.deals import board_columns

    head = User.objects.get(pk=ids["head"])
    cursor_page = board_columns(head, Pipeline.objects.get(pk=ids["pipeline"]))[0].next_cursor
    operations = [
        ("board.head", "head", board, {}, "the board as the head of sales (all 20,000 deals)"),
        ("board.head.filtered", "head", board, {"source": "call"}, "…filtered by source"),
        ("board.manager", "manager", board, {}, "the board as one manager (own deals)"),
        ("board.admin", "admin", board, {}, "the board as an administrator"),
        (
            "board.more",
            "head",
            f"/deals/pipelines/{ids['pipeline']}/stages/{first.pk}/",
            {"after": cursor_page},
            "the next 20 cards of the largest column",
        ),
    ]
    results = {}
    for name, who, path, params, note in operations:
        client = clients[who]
        queries = []
        for _ in range(args.warmup):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path, params)
            assert response.status_code == 200, (name, response.status_code)
            queries.append(len(ctx.captured_queries))
        samples, cpu = [], []
        for _ in range(args.calls):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path, params)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        p95 = percentile(samples, 95)
        results[name] = {
            "what": note,
            "calls": args.calls,
            "p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(p95, 1),
            "p99_ms": round(percentile(samples, 99), 1),
            # The Django process's own CPU time: what the wall time is made of when the
            # machine is shared (the database's time is in the wall time only).
            "cpu_p50_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": round(percentile(cpu, 95), 1),
            "queries": sorted(set(queries)),
            "target_ms": TARGET_MS,
            "ok": p95 < TARGET_MS,
        }
        print(
            f"{name:<22} p50 {results[name]['p50_ms']:7.1f}  p95 {p95:7.1f}  "
            f"p99 {results[name]['p99_ms']:7.1f} ms  cpu p95 {results[name]['cpu_p95_ms']:6.1f} ms  "
            f"queries {results[name]['queries']}",
            flush=True,
        )
    out = {
        "deals": args.deals,
        "finished": dt.datetime.now(dt.UTC).isoformat(),
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "results": results,
    }
    (HERE / "deals.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    clock.step("measured; bench/deals.json written")


if __name__ == "__main__":
    main()

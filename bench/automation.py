"""A stage move that fires three robots: ``python -m bench.automation``.

The move answers before any robot runs: the service commits the move, and what follows the
commit in the same request (the signal, the three runs made by ``automation_event``, three
task messages queued on Redis) is all the person waits for. The robots' work — a task, a
notification, a field set — happens in the worker, or here in the poller, afterwards.

Measured: the move through ``deal_move_to_stage`` with its after-commit work (what a board
drag costs the server beyond the view itself), the same move with no robots (the baseline),
and how many runs a second the poller then executes. Writes ``bench/automation.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from .common import Clock, database_name, database_url, percentile, setup_django
from .seed import recreate_database

HERE = Path(__file__).resolve().parent
TARGET_MS = 100


def summary(samples: list[float]) -> dict:
    return {
        "calls": len(samples),
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 95), 2),
        "p99_ms": round(percentile(samples, 99), 2),
        "max_ms": round(max(samples), 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.automation", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--moves", type=int, default=300)
    parser.add_argument(
        "--force", action="store_true", help="drop a database without 'bench' in its name"
    )
    args = parser.parse_args(argv)

    bench_url = database_url()
    url = f"{bench_url.rsplit('/', 1)[0]}/{database_name(bench_url)}_automation"
    clock = Clock()
    recreate_database(url, force=args.force)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crm.automation.models import AutomationRun
    from crm.automation.services import automation_runs_execute_due, rule_create
    from crm.celery import app
    from crm.models import Role, Team, User
    from crm.tests.factories import UserFactory
    from deals.models import Deal, Pipeline, Stage
    from deals.services.deals import deal_create, deal_move_to_stage

    call_command("migrate", verbosity=0)
    team = Team.objects.create(name="Продажи Север")
    head = UserFactory(email="head@example.com", role=Role.HEAD, team=team)
    team.head = head
    team.save()
    manager = UserFactory(email="manager@example.com", role=Role.MANAGER, team=team)
    manager = User.objects.get(pk=manager.pk)
    pipelines = {}
    for name in ("Мебель на заказ", "Без роботов"):
        pipeline = Pipeline.objects.create(name=name)
        for order, stage_name in enumerate(["Заявка", "Замер", "Договор"]):
            Stage.objects.create(
                pipeline=pipeline, name=stage_name, order=order, probability=10 + order * 30
            )
        pipelines[name] = pipeline
    furniture = pipelines["Мебель на заказ"]
    measure = furniture.stages.get(name="Замер")
    scope = {"pipeline": furniture.pk, "stage": measure.pk}
    for name, action in [
        (
            "Подтвердить замер",
            {"code": "deals.task", "params": {"title": "Подтвердить замер", "due_in_minutes": 120}},
        ),
        (
            "Сообщить руководителю",
            {"code": "deals.notify", "params": {"recipient": "head", "text": "Замер"}},
        ),
        (
            "Дата закрытия",
            {
                "code": "deals.set_field",
                "params": {"field": "expected_close_date", "value": "2027-03-01"},
            },
        ),
    ]:
        rule_create(
            actor=head, name=name, event="deals.stage_entered", scope=scope, actions=[action]
        )
    deals = {
        name: [
            deal_create(actor=manager, title=f"Кухня №{i}", pipeline=pipeline, amount=150000)
            for i in range(args.moves)
        ]
        for name, pipeline in pipelines.items()
    }
    AutomationRun.objects.all().delete()
    app.control.purge()
    clock.step(f"database {database_name(url)}: 3 robots, {2 * args.moves} deals")

    results: dict = {
        "moves": args.moves,
        "target_p95_ms": TARGET_MS,
        "load": "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
    }
    for name, label in [
        ("Без роботов", "move_without_robots"),
        ("Мебель на заказ", "move_with_3_robots"),
    ]:
        to = pipelines[name].stages.get(name="Замер")
        samples, queries = [], []
        for deal in deals[name]:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                deal_move_to_stage(actor=manager, deal=deal, stage=to)  # commits; on_commit runs
                samples.append((time.perf_counter() - started) * 1000)
            queries.append(len(captured))
        results[label] = {**summary(samples), "queries": max(queries)}
        clock.step(f"{label}: p95 {results[label]['p95_ms']} ms, {max(queries)} queries")
    runs = AutomationRun.objects.count()
    started = time.perf_counter()
    ran = 0
    while True:
        done = automation_runs_execute_due(limit=500)
        if not done:
            break
        ran += done
    took = time.perf_counter() - started
    results["poller"] = {
        "runs": runs,
        "ran": ran,
        "seconds": round(took, 2),
        "runs_per_second": round(ran / took, 1) if took else None,
        "done": AutomationRun.objects.filter(status="done").count(),
    }
    results["deals_with_close_date"] = Deal.objects.filter(
        expected_close_date__isnull=False
    ).count()
    app.control.purge()
    clock.step(f"poller: {ran} runs in {took:.1f}s")
    results["verdict"] = (
        "ok" if results["move_with_3_robots"]["p95_ms"] < TARGET_MS else "over target"
    )
    (HERE / "automation.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

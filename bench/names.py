"""What typo-tolerant name search costs, and what it finds, under other rules: ``python -m bench.names``.

The search box ranks names by pg_trgm's word similarity and lets through everything above
the default threshold (0.6). A common first name lets thousands of rows through, so the slow
end of name search is set by the rule, not by an index. This measures, on the same queries
(a surname with one typo and a first name, as in ``bench.run``), the current rule and the
alternatives, and how often the person meant — someone with that surname and first name — is
among the first 20. Nothing in the product changes; the results go to ``bench/names.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

from .common import database_url, setup_django

HERE = Path(__file__).resolve().parent
LIMIT = 20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.names", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--queries", type=int, default=250)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    setup_django(database_url())

    from django.contrib.postgres.search import TrigramWordSimilarity
    from django.db import connection, transaction

    from contacts.models import Contact
    from contacts.selectors import FULL_NAME

    from .run import typo

    rng = random.Random(args.seed)  # noqa: S311 (inputs of a benchmark)
    top = Contact.objects.order_by("-id").values_list("id", flat=True).first()
    people = Contact.objects.filter(id__in=rng.sample(range(1, top + 1), args.queries * 2))
    cases = [
        ((last, first), f"{typo(last, rng)} {first}".upper())
        for last, first in people.values_list("last_name", "first_name")
        if last and first
    ][: args.queries]

    def ranked(query: str, threshold: float | None) -> list[int]:
        qs = (
            Contact.objects.filter(merged_into__isnull=True)
            .annotate(full=FULL_NAME, score=TrigramWordSimilarity(query, FULL_NAME))
            .filter(full__trigram_word_similar=query)
            .order_by("-score", "id")
            .values_list("pk", flat=True)[:LIMIT]
        )
        if threshold is None:
            return list(qs)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                    [str(threshold)],
                )
            ids = list(qs)
            transaction.set_rollback(True)
        return ids

    def strong_then_all(query: str) -> list[int]:
        ids = ranked(query, 0.7)
        return ids if len(ids) >= LIMIT else ranked(query, None)

    def strong_else_all(query: str) -> list[int]:
        return ranked(query, 0.7) or ranked(query, None)

    rules = {
        "threshold 0.6 (pg_trgm's default; the product today)": lambda q: ranked(q, None),
        "threshold 0.65": lambda q: ranked(q, 0.65),
        "threshold 0.7": lambda q: ranked(q, 0.7),
        "0.7 first, 0.6 when fewer than 20 (same results as today)": strong_then_all,
        "0.7 first, 0.6 only when nothing": strong_else_all,
    }
    report = {"queries": len(cases), "limit": LIMIT, "rules": {}}
    for name, rule in rules.items():
        samples, found = [], 0
        for (last, first), query in cases:
            started = time.perf_counter()
            ids = rule(query)
            samples.append((time.perf_counter() - started) * 1000)
            found += Contact.objects.filter(pk__in=ids, last_name=last, first_name=first).exists()
        samples.sort()

        def pct(p: float, samples=samples) -> float:
            return round(samples[max(0, math.ceil(p / 100 * len(samples)) - 1)], 1)

        row = {"p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99), "found": found}
        report["rules"][name] = row
        print(f"{name:60} p50 {row['p50_ms']:6.1f}  p95 {row['p95_ms']:6.1f}  "
              f"p99 {row['p99_ms']:6.1f}  found {found}/{len(cases)}", flush=True)  # fmt: skip
    (HERE / "names.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Measure the real-time screens against the bench database: ``python -m bench.run``.

Caller-ID lookup, the search box and the 360° card, each called many times with random inputs
drawn from the seeded data (phones typed in different formats, names with a typo, …). The time
is server time: the selector called in-process, or a request through Django's test client with
every middleware — no network, no browser. Queries are counted on the warm-up calls.

Prints p50 / p95 / p99 in milliseconds and the query count per operation, and writes
``bench/results.json``; ``--explain`` also writes ``bench/explain.txt`` with EXPLAIN ANALYZE of
every query of one call per operation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .common import database_name, database_url, percentile, setup_django

HERE = Path(__file__).resolve().parent
TARGETS_MS = {"lookup": 20, "search": 100, "card": 150}


@dataclass
class Operation:
    name: str
    call: Callable[[object], object]
    inputs: list
    note: str = ""


@dataclass
class Result:
    name: str
    note: str
    samples_ms: list[float]
    queries: list[int]
    target_ms: float
    extra: dict = field(default_factory=dict)

    def percentile(self, p: float) -> float:
        return percentile(self.samples_ms, p)

    def as_dict(self) -> dict:
        p95 = self.percentile(95)
        return {
            "what": self.note,
            "calls": len(self.samples_ms),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(p95, 2),
            "p99_ms": round(self.percentile(99), 2),
            "max_ms": round(max(self.samples_ms), 2),
            "mean_ms": round(statistics.fmean(self.samples_ms), 2),
            "queries": {"min": min(self.queries), "max": max(self.queries)},
            "target_p95_ms": self.target_ms,
            "meets_target": p95 < self.target_ms,
            **self.extra,
        }


# --- inputs -----------------------------------------------------------------------------------


def phone_formats(number: str, rng: random.Random) -> str:
    """+79161234567 as a person types it: 8 (916) 123-45-67, +7 916 1234567, 79161234567…"""
    if not number.startswith("+7") or len(number) != 12:
        return number
    code, a, b, c = number[2:5], number[5:8], number[8:10], number[10:12]
    return rng.choice(
        [
            number,
            f"8 ({code}) {a}-{b}-{c}",
            f"+7 {code} {a}{b}{c}",
            f"7{code}{a}{b}{c}",
            f"8-{code}-{a}-{b}-{c}",
            f"+7 ({code}) {a}-{b}{c}",
        ]
    )


def typo(text: str, rng: random.Random) -> str:
    """One slip of the finger in a word of 4+ letters: two letters swapped, one lost or doubled."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 2)
    how = rng.choice(["swap", "drop", "double"])
    if how == "swap":
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if how == "drop":
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


@dataclass
class Inputs:
    phones: list[str]
    phones_missing: list[str]
    phone_tails: list[str]
    emails: list[str]
    names: list[str]
    companies: list[str]
    inns: list[str]
    cards: list[int]
    cards_heavy: list[int]
    manager_cards: list[int]
    manager_names: list[str]
    manager_phones: list[str]


def draw_inputs(n: int, rng: random.Random, manager) -> Inputs:
    from contacts.models import Company, Contact, Email, Phone
    from contacts.validators import try_normalize_phone

    top = Contact.objects.order_by("-id").values_list("id", flat=True).first()
    ids = rng.sample(range(1, top + 1), min(top, n * 2))
    people = {
        c["id"]: c
        for c in Contact.objects.filter(id__in=ids).values("id", "last_name", "first_name")
    }
    numbers = [
        num
        for num in Phone.objects.filter(contact_id__in=ids, is_primary=True).values_list(
            "number", flat=True
        )
        if try_normalize_phone(num) == num
    ]
    rng.shuffle(numbers)
    addresses = list(Email.objects.filter(contact_id__in=ids).values_list("address", flat=True))
    rng.shuffle(addresses)
    names = [
        f"{typo(p['last_name'], rng)} {p['first_name']}"
        for p in people.values()
        if p["last_name"] and p["first_name"]
    ]
    rng.shuffle(names)
    company_rows = list(
        Company.objects.filter(
            id__in=rng.sample(range(1, Company.objects.count() + 1), min(n, 1000))
        ).values_list("name", "inn")
    )
    company_words = [
        name.split("«", 1)[-1].rstrip("»") if "«" in name else name.split(" ", 1)[-1]
        for name, _inn in company_rows
    ]
    own = list(
        Contact.objects.filter(owner=manager)
        .order_by("?")
        .values_list("id", "last_name", "first_name")[:n]
    )
    own_phones = [
        num
        for num in Phone.objects.filter(
            contact_id__in=[o[0] for o in own], is_primary=True
        ).values_list("number", flat=True)
        if try_normalize_phone(num) == num
    ]
    missing = []
    while len(missing) < n:
        candidate = f"+79{rng.randrange(10**9):09d}"
        if try_normalize_phone(candidate) == candidate:
            missing.append(candidate)
    return Inputs(
        phones=[phone_formats(p, rng) for p in numbers[:n]],
        phones_missing=[phone_formats(p, rng) for p in missing],
        phone_tails=[f"{p[-7:-4]}-{p[-4:-2]}-{p[-2:]}" for p in numbers[:n]],
        emails=[a.capitalize() if rng.random() < 0.3 else a for a in addresses[:n]],
        names=names[:n],
        companies=[typo(w, rng) if rng.random() < 0.3 else w for w in company_words[:n]],
        inns=[inn for _name, inn in company_rows if inn][:n],
        cards=[i for i in ids if i in people][:n],
        # The first ids have the longest histories (hundreds to ten thousand interactions).
        cards_heavy=[rng.randint(1, 50) for _ in range(n)],
        manager_cards=[o[0] for o in own],
        manager_names=[f"{typo(o[1], rng)} {o[2]}" for o in own if o[1] and o[2]],
        manager_phones=[phone_formats(p, rng) for p in own_phones],
    )


# --- operations -------------------------------------------------------------------------------


def fresh(user):
    """As in a request: nothing about the user cached from the previous call."""
    user.__dict__.pop("_roles_cache", None)
    user.__dict__.pop("_perm_cache", None)
    user.__dict__.pop("_group_perm_cache", None)
    return user


def screen_pop(contacts) -> list[dict]:
    """What the lookup API puts in front of the operator, read off each contact."""
    return [
        {
            "id": c.pk,
            "name": c.full_name,
            "company": c.company.name if c.company else None,
            "owner": str(c.owner) if c.owner else None,
            "last_interaction_at": c.last_interaction_at,
            "open_tasks": c.open_tasks,
            "value": c.lifetime_value,
            "consents": [(x.purpose, x.granted) for x in c.consents.all()],
        }
        for c in contacts
    ]


def card(user, pk: int) -> dict:
    """What the card shows: the contact with its details, the blocks of other apps and the
    first page of the timeline."""
    from contacts import hooks
    from contacts.selectors import contact_card, interactions_timeline

    contact = contact_card(user, pk)
    rows, cursor = interactions_timeline(contact)
    return {
        "name": contact.full_name,
        "company": contact.company.name if contact.company else None,
        "owner": str(contact.owner) if contact.owner else None,
        "phones": [p.number for p in contact.phones.all()],
        "emails": [e.address for e in contact.emails.all()],
        "consents": [(c.purpose, c.granted, str(c.recorded_by)) for c in contact.consents.all()],
        "tags": [t.name for t in contact.tags.all()],
        "blocks": hooks.card_blocks(contact, user),
        "timeline": [(r.kind, r.subject, str(r.author) if r.author else "") for r in rows],
        "more": cursor is not None,
    }


def page_exists(client, url: str) -> tuple[bool, str]:
    """Whether a URL answers with a real page (not a 404, an error or an empty placeholder)."""
    from django.urls import Resolver404, resolve

    path = url.split("?", 1)[0]
    try:
        resolve(path)
    except Resolver404:
        return False, f"{path} does not exist"
    response = client.get(url)
    if response.status_code != 200:
        return False, f"{path} answered {response.status_code}"
    if len(response.content) < 200:
        return False, f"{path} answers an empty placeholder ({len(response.content)} bytes)"
    return True, ""


def operations(inputs: Inputs, users: dict, notes: list[str]) -> list[Operation]:
    from django.test import Client

    from contacts.selectors import contact_lookup, contacts_by_phone, contacts_search

    operator, head, manager = users["operator"], users["head"], users["manager"]
    ops = [
        Operation(
            "lookup.contacts_by_phone",
            lambda phone: list(contacts_by_phone(fresh(operator), phone)),
            inputs.phones,
            "contacts_by_phone() as an operator, a known number in any format",
        ),
        Operation(
            "lookup.contact_lookup",
            lambda phone: screen_pop(contact_lookup(fresh(operator), phone)),
            inputs.phones,
            "contact_lookup() and what the screen pop reads off it, a known number",
        ),
        Operation(
            "lookup.contact_lookup.unknown",
            lambda phone: screen_pop(contact_lookup(fresh(operator), phone)),
            inputs.phones_missing,
            "contact_lookup() for a number nobody has",
        ),
    ]
    client = Client()
    client.force_login(operator)
    url = "/api/v1/contacts/lookup"
    exists, why = page_exists(client, f"{url}?phone={inputs.phones[0]}")
    if exists:
        ops.append(
            Operation(
                "lookup.api",
                lambda phone: client.get(url, {"phone": phone}),
                inputs.phones,
                f"GET {url}?phone= through the test client as an operator",
            )
        )
    else:
        notes.append(f"lookup API not measured: {why}")

    searches = [
        ("phone", inputs.phones, "a phone in any format"),
        ("phone_tail", inputs.phone_tails, "the last 7 digits of a phone"),
        ("email", inputs.emails, "an e-mail address"),
        ("name_typo", inputs.names, "surname with a typo and first name"),
        ("company", inputs.companies, "a company name (some with a typo)"),
        ("inn", inputs.inns, "a company INN"),
    ]
    for key, values, what in searches:
        ops.append(
            Operation(
                f"search.{key}",
                lambda q: contacts_search(fresh(head), q),
                values,
                f"contacts_search() as a head of sales: {what}",
            )
        )
    ops += [
        Operation(
            "search.name_typo.manager",
            lambda q: contacts_search(fresh(manager), q),
            inputs.manager_names,
            "contacts_search() as a sales manager (own clients only): name with a typo",
        ),
        Operation(
            "search.phone.manager",
            lambda q: contacts_search(fresh(manager), q),
            inputs.manager_phones,
            "contacts_search() as a sales manager: a phone of one of their clients",
        ),
        Operation(
            "card.selector",
            lambda pk: card(fresh(head), pk),
            inputs.cards,
            "contact_card() + first timeline page, a random contact (typical history)",
        ),
        Operation(
            "card.selector.heavy",
            lambda pk: card(fresh(head), pk),
            inputs.cards_heavy,
            "the same for the 50 contacts with the longest histories (695 to 10,070 rows)",
        ),
        Operation(
            "card.selector.manager",
            lambda pk: card(fresh(manager), pk),
            inputs.manager_cards,
            "the same as a sales manager opening their own clients",
        ),
    ]
    card_client = Client()
    card_client.force_login(head)
    exists, why = page_exists(card_client, f"/contacts/{inputs.cards[0]}/")
    if exists:
        ops += [
            Operation(
                "card.page",
                lambda pk: card_client.get(f"/contacts/{pk}/"),
                inputs.cards,
                "GET /contacts/<id>/ through the test client as a head of sales",
            ),
            Operation(
                "card.page.heavy",
                lambda pk: card_client.get(f"/contacts/{pk}/"),
                inputs.cards_heavy,
                "the same for the contacts with the longest histories",
            ),
        ]
    else:
        notes.append(f"card page not measured: {why}")
    return ops


# --- measuring --------------------------------------------------------------------------------


def measure(op: Operation, *, iterations: int, warmup: int, rng: random.Random) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    inputs = [op.inputs[i % len(op.inputs)] for i in range(iterations + warmup)]
    rng.shuffle(inputs)
    queries = []
    for value in inputs[:warmup]:
        with CaptureQueriesContext(connection) as ctx:
            op.call(value)
        queries.append(len(ctx.captured_queries))
    samples = []
    for value in inputs[warmup:]:
        started = time.perf_counter()
        op.call(value)
        samples.append((time.perf_counter() - started) * 1000)
    group = op.name.split(".", 1)[0]
    return Result(op.name, op.note, samples, queries, TARGETS_MS[group])


def explain(ops: list[Operation], path: Path) -> None:
    """EXPLAIN ANALYZE of every query one call of each operation makes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = []
    for op in ops:
        with CaptureQueriesContext(connection) as ctx:
            op.call(op.inputs[0])
        out.append(f"=== {op.name}: {op.note}\n    input: {op.inputs[0]!r}\n")
        for query in ctx.captured_queries:
            statement = query["sql"]
            if not statement.lstrip().upper().startswith("SELECT"):
                out.append(f"--- {statement[:200]}\n    (not a SELECT: not explained)\n")
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            out.append(f"--- {statement}\n{plan}\n")
        out.append("\n")
    path.write_text("".join(out))
    print(f"plans written to {path}")


def machine() -> dict:
    from django.db import connection

    info = {
        "python": platform.python_version(),
        "system": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(
            line.split(":", 1)[1].strip() for line in cpu.splitlines() if "model name" in line
        )
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        info["memory_gb"] = round(int(mem) / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        info["postgresql"] = cursor.fetchone()[0]
        for setting in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost"):
            cursor.execute(f"SHOW {setting}")
            info[setting] = cursor.fetchone()[0]
    return info


def dataset() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        rows = {}
        for table in ("company", "contact", "phone", "email", "consent", "purchase", "interaction"):
            cursor.execute(f"SELECT count(*) FROM contacts_{table}")  # noqa: S608 (fixed names)
            rows[table] = cursor.fetchone()[0]
        cursor.execute(
            """
            SELECT max(n), percentile_disc(0.5) WITHIN GROUP (ORDER BY n)
              FROM (SELECT count(*) AS n FROM contacts_interaction GROUP BY contact_id) x
            """
        )
        longest, median = cursor.fetchone()
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    return {
        "rows": rows,
        "interactions_per_contact": {"median": median, "max": longest},
        "database_size": size,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=500, help="measured calls per operation")
    parser.add_argument(
        "--warmup", type=int, default=20, help="calls before measuring (queries counted)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the random inputs")
    parser.add_argument(
        "--only", default="", help="comma-separated name prefixes, e.g. search,card"
    )
    parser.add_argument("--explain", action="store_true", help="write bench/explain.txt")
    parser.add_argument("--output", default=str(HERE / "results.json"))
    args = parser.parse_args(argv)

    url = database_url()
    setup_django(url)
    from django.test.utils import setup_test_environment

    from crm.models import User

    setup_test_environment()  # the test client's host name, as in the test suite
    rng = random.Random(args.seed)  # noqa: S311 (inputs of a benchmark)
    users = {
        "operator": User.objects.get(email="bench-operator@example.com"),
        "head": User.objects.get(email="bench-head@example.com"),
        "manager": User.objects.get(email="bench-manager1@example.com"),
    }
    inputs = draw_inputs(max(args.iterations, 200), rng, users["manager"])
    notes: list[str] = []
    ops = operations(inputs, users, notes)
    if args.only:
        prefixes = tuple(p.strip() for p in args.only.split(","))
        ops = [op for op in ops if op.name.startswith(prefixes)]

    before, data = machine(), dataset()
    print(f"{database_name(url)}: {json.dumps(data, ensure_ascii=False)}")
    print(f"{'operation':32} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  queries  target")
    results = {}
    for op in ops:
        result = measure(op, iterations=args.iterations, warmup=args.warmup, rng=rng)
        row = result.as_dict()
        results[op.name] = row
        q = row["queries"]
        queries = str(q["min"]) if q["min"] == q["max"] else f"{q['min']}–{q['max']}"
        verdict = "ok" if row["meets_target"] else "MISSED"
        print(
            f"{op.name:32} {row['p50_ms']:8.2f} {row['p95_ms']:8.2f} {row['p99_ms']:8.2f} "
            f"{row['max_ms']:8.2f}  {queries:>7}  <{row['target_p95_ms']} ms {verdict}",
            flush=True,
        )
    for note in notes:
        print(f"note: {note}")
    if args.explain:
        explain(ops, HERE / "explain.txt")
    after = machine()
    report = {
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": database_name(url),
        "dataset": data,
        "machine": {**before, "load_average_after": after["load_average"]},
        "iterations": args.iterations,
        "warmup": args.warmup,
        "seed": args.seed,
        "time": "server time in ms: the selector called in-process, or a request through "
        "Django's test client with all middleware; p50/p95/p99 by nearest rank",
        "operations": results,
        "notes": notes,
    }
    if not args.only:
        Path(args.output).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        print(f"results written to {args.output}")


if __name__ == "__main__":
    main()

"""Fill the bench database: ``python -m bench.seed --contacts 1000000 --interactions 10000000``.

The database named by ``BENCH_DATABASE_URL`` (default ``crm_bench`` on the local server) is
dropped, created again and migrated. Companies and people — names, phones, e-mail addresses,
addresses, registration numbers — are drawn by the demo's own generator
(``contacts.demo_generators``) and streamed in with ``COPY``; the history and everything else is
made by the server itself with ``INSERT … SELECT … FROM generate_series``, from a hash of the row
number. Both are seeded, so the same sizes give the same data on every machine.

The history is skewed as in life: a few contacts have thousands of interactions (the first ids),
most have a handful; interactions are written in time order, as they would arrive. Secondary
indexes are dropped for the load and built again afterwards, then the tables are vacuumed and
analysed, as autovacuum would leave them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
from collections.abc import Iterator

import psycopg
from psycopg import sql

from .common import Clock, database_name, database_url, setup_django

# Tables whose secondary indexes are built after the load.
LOADED_TABLES = [
    "contacts_company",
    "contacts_contact",
    "contacts_phone",
    "contacts_email",
    "contacts_interaction",
    "contacts_purchase",
    "contacts_consent",
    "contacts_contact_tags",
    "crm_task",
]
TEAMS = 4
MANAGERS_PER_TEAM = 5
INTERACTIONS_PER_CHUNK = 500_000
HISTORY_DAYS = 730
SEED = 20240917

# Helpers the INSERTs use; pg_temp: they live as long as the session.
HELPERS = """
CREATE FUNCTION pg_temp.rnd(g bigint, salt int) RETURNS double precision
    IMMUTABLE LANGUAGE sql AS
$$ SELECT (hashint8extended(g, salt) & 2147483647)::float8 / 2147483648.0 $$;

CREATE FUNCTION pg_temp.pick(a text[], g bigint, salt int) RETURNS text
    IMMUTABLE LANGUAGE sql AS
$$ SELECT a[1 + floor(pg_temp.rnd(g, salt) * cardinality(a))::int] $$;

CREATE FUNCTION pg_temp.pick_id(a bigint[], g bigint, salt int) RETURNS bigint
    IMMUTABLE LANGUAGE sql AS
$$ SELECT a[1 + floor(pg_temp.rnd(g, salt) * cardinality(a))::int] $$;
"""


def vocabulary() -> dict[str, list]:
    """What the generated history says: the demo's texts, tags, products and stores."""
    from contacts import demo_data as data

    def texts(*templates: str) -> list[str]:
        return [t.format(product="кофе в зёрнах", order=48213, amount="120 000") for t in templates]

    return {
        "tags": [name for name, _w in data.TAGS_CONTACT],
        "call_texts": texts(*(t for lang in ("ru", "en") for k in ("call_in", "call_out")
                               for t in data.TEXTS[lang][k][1])),
        "email_subjects": texts(*(t for k in ("email_in", "email_out")
                                  for t in data.TEXTS["ru"][k][0])),
        "email_texts": texts(*(t for k in ("email_in", "email_out")
                               for t in data.TEXTS["ru"][k][1])),
        "chat_texts": texts(*data.TEXTS["ru"]["chat"][1]),
        "notes": data.NOTES_RU + data.NOTES_EN,
        "sms_texts": texts(*data.TEXTS["ru"]["sms_out"][1]),
        "meeting_texts": texts(*data.TEXTS["ru"]["meeting"][1]),
        "portal_texts": texts(*data.TEXTS["ru"]["portal"][1]),
        "products": [p[0] for p in data.PRODUCTS],
        "stores": data.STORES,
    }  # fmt: skip


COMPANY_COLUMNS = [
    "id", "name", "legal_name", "inn", "kpp", "ogrn", "industry", "website", "owner_id",
    "created_by_id", "source", "address", "region", "notes", "custom", "created_at",
    "updated_at",
]  # fmt: skip
CONTACT_COLUMNS = [
    "id", "source", "address", "region", "notes", "custom", "created_at", "updated_at",
    "first_name", "middle_name", "last_name", "position", "preferred_channel", "language",
    "time_zone", "birthday", "interests", "lifetime_value", "value_currency", "purchases_count",
    "company_id", "owner_id", "created_by_id",
]  # fmt: skip
COLUMNS = {
    "contacts_company": COMPANY_COLUMNS,
    "contacts_contact": CONTACT_COLUMNS,
    "contacts_phone": [
        "contact_id", "company_id", "is_primary", "created_at", "kind", "number", "extension",
    ],
    "contacts_email": ["contact_id", "company_id", "is_primary", "created_at", "kind", "address"],
}  # fmt: skip


def people(
    contacts: int, companies: int, owners: list[int], now: dt.datetime
) -> Iterator[tuple[str, tuple]]:
    """Companies and contacts with their phones and e-mail addresses: ``(table, row)``.

    Names, numbers, addresses and registration numbers come from the demo's generator, and the
    proportions are the demo's: one client in five English-speaking, 70% working for a
    company, a second number for one in five — one in a hundred of them shared with the
    contact before (a family, or a duplicate to merge) — and an e-mail address for 85%.
    """
    from contacts import demo_data as data
    from contacts.demo_generators import FORM_WEIGHTS, Generator

    gen = Generator(SEED)
    random = gen.rng.random
    day = dt.timedelta(days=1)
    regions: list[data.Region] = []  # of each company, by id - 1
    for g in range(1, companies + 1):
        form = gen.pick(FORM_WEIGHTS)
        region = gen.region()
        name, person = gen.company_name(form)
        who = gen.company_identity(form=form, name=name, region=region, person=person)
        owner = gen.one(owners)
        created = now - day * (400 + random() * 330)
        yield "contacts_company", (
            g, who.title, who.legal_name, who.inn, who.kpp, who.ogrn,
            gen.one(data.INDUSTRIES_RU), who.website, owner, owner, gen.pick(data.SOURCES),
            gen.address("ru", region.address_city), region.name, "", "{}", created, created,
        )  # fmt: skip
        regions.append(region)
        yield "contacts_phone", (None, g, True, now, "work", gen.landline(region), "")
        mail = gen.email("info" if form != "ИП" else who.slug, who.domain)
        yield "contacts_email", (None, g, True, now, "work", mail)

    previous_mobile = ""
    for g in range(1, contacts + 1):
        lang = "en" if random() < 0.2 else "ru"
        last, first, middle = gen.person_name(lang)
        company = 1 + int(random() * companies) if random() < 0.7 else None
        region = regions[company - 1] if company else gen.region()
        owner = gen.one(owners)
        created = now - day * (30 + random() * 700)
        birthday = None
        if random() < 0.75:
            birthday = dt.date(1958, 1, 1) + day * int(random() * 16000)
        position = ""
        if company:
            position = gen.one(data.POSITIONS_RU if lang == "ru" else data.POSITIONS_EN)
        address = "" if random() < 0.5 else gen.address(lang, region.address_city)
        yield "contacts_contact", (
            g, gen.pick(data.SOURCES), address, region.name, "", "{}", created, created,
            first, middle, last, position, gen.pick(data.CHANNELS), lang, region.time_zone,
            birthday, "", 0, "RUB", 0, company, owner, owner,
        )  # fmt: skip
        mobile = gen.mobile()
        yield "contacts_phone", (g, None, True, now, "mobile", mobile, "")
        if random() < 0.2:
            if previous_mobile and random() < 0.05:
                yield "contacts_phone", (g, None, False, now, "mobile", previous_mobile, "")
            else:
                yield "contacts_phone", (g, None, False, now, "work", gen.landline(region), "")
        previous_mobile = mobile
        if random() < 0.85:
            local = gen.email_local(first, last)
            yield "contacts_email", (g, None, True, now, "personal", gen.personal_email(local))


def copy_people(url: str, contacts: int, companies: int, owners: list[int]) -> dict[str, int]:
    """Stream ``people()`` into its tables with one COPY per table, each on a connection of
    its own, so the server writes the rows while the next ones are being drawn."""
    from django.utils import timezone

    counts = dict.fromkeys(COLUMNS, 0)
    with contextlib.ExitStack() as stack:
        copies = {}
        for table, columns in COLUMNS.items():
            conn = stack.enter_context(psycopg.connect(url))  # commits on the way out
            conn.execute("SET session_replication_role = replica")
            conn.execute("SET synchronous_commit = off")
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
            )
            copies[table] = stack.enter_context(conn.cursor().copy(statement))
        for table, row in people(contacts, companies, owners, timezone.now()):
            copies[table].write_row(row)
            counts[table] += 1
    return counts


def typed(statement: str, params: dict) -> str:
    """``%(regions)s`` → ``(%(regions)s::text[])``: lists go in as typed arrays."""
    for name, value in params.items():
        if isinstance(value, list):
            kind = "bigint[]" if isinstance(value[0], int) else "text[]"
            statement = statement.replace(f"%({name})s", f"(%({name})s::{kind})")
    return statement


def recreate_database(url: str, *, force: bool) -> None:
    name = database_name(url)
    if "bench" not in name and not force:
        sys.exit(f"Refusing to drop {name!r}: its name has no 'bench' in it (use --force).")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def create_users() -> dict[str, list[int]]:
    """A head of sales, an operator, an admin and managers in teams (half see their team's)."""
    from django.contrib.auth.models import Group

    from crm.models import Role, Team, User

    groups = {g.name: g for g in Group.objects.all()}

    def user(email: str, role: str, team: Team | None = None) -> User:
        u = User.objects.create_user(email=email, password=None, team=team)
        u.groups.add(groups[role])
        return u

    head = user("bench-head@example.com", Role.HEAD)
    operator = user("bench-operator@example.com", Role.OPERATOR)
    admin = user("bench-admin@example.com", Role.ADMIN)
    managers = []
    for t in range(TEAMS):
        visibility = Team.Visibility.TEAM if t % 2 else Team.Visibility.OWN
        team = Team.objects.create(name=f"Bench team {t + 1}", visibility=visibility, head=head)
        managers += [
            user(f"bench-manager{t * MANAGERS_PER_TEAM + i + 1}@example.com", Role.MANAGER, team)
            for i in range(MANAGERS_PER_TEAM)
        ]
    return {
        "managers": [m.pk for m in managers],
        "owners": [m.pk for m in managers] + [head.pk],
        "staff": [m.pk for m in managers] + [operator.pk, head.pk],
        "admin": [admin.pk],
    }


def drop_secondary_indexes(cursor) -> list[str]:
    """Drop the indexes that back no constraint; return the statements that rebuild them."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef
          FROM pg_indexes i
          JOIN pg_class c ON c.relname = i.indexname
         WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
         ORDER BY i.tablename, i.indexname
        """,
        [LOADED_TABLES],
    )
    rows = cursor.fetchall()
    for name, _definition in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in rows]


def seed(url: str, contacts: int, interactions: int, clock: Clock) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from contacts.models import Contact
    from contacts.services import customer_value_refresh, rfm_recompute

    words = vocabulary()
    users = create_users()
    companies = max(1, contacts // 10)
    contact_type = ContentType.objects.get_for_model(Contact).pk
    clock.step("users and teams")

    with connection.cursor() as cursor:
        # A scratch database: no trigger (history, deferred foreign keys) and no fsync per
        # statement while loading; one core for index builds, the machine is shared.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET max_parallel_maintenance_workers = 0")
        cursor.execute("SET work_mem = '64MB'")
        cursor.execute(HELPERS)
        rebuild = drop_secondary_indexes(cursor)

        def execute(statement: str, **params) -> None:
            params = {**words, **users, **params}
            cursor.execute(typed(statement, params), params)

        def run(statement: str, what: str, **params) -> None:
            execute(statement, **params)
            clock.step(f"{what}: {cursor.rowcount:,} rows")

        run(
            "INSERT INTO contacts_tag (name) SELECT unnest(%(tags)s)",
            "tags",
        )
        counts = copy_people(url, contacts, companies, users["owners"])
        clock.step(", ".join(f"{table}: {n:,} rows" for table, n in counts.items()))
        run(
            """
            INSERT INTO contacts_contact_tags (contact_id, tag_id)
            SELECT g, (SELECT min(id) FROM contacts_tag) + floor(pg_temp.rnd(g, 61) * cardinality(%(tags)s))::int
              FROM generate_series(1::bigint, %(contacts)s) g
             WHERE pg_temp.rnd(g, 60) < 0.3
            """,
            "contact tags",
            contacts=contacts,
        )  # fmt: skip
        run(
            """
            INSERT INTO contacts_consent (contact_id, purpose, granted, changed_at, source,
                evidence, recorded_by_id)
            SELECT g, p.purpose, pg_temp.rnd(g, 70 + p.i::int) >= 0.1, now() - interval '200 days',
                   'web form', 'Отмечен флажок согласия в форме https://shop.example.com/order', NULL
              FROM generate_series(1::bigint, %(contacts)s) g,
                   unnest(ARRAY['personal_data', 'marketing_email', 'marketing_sms', 'calls'],
                          ARRAY[0.9, 0.5, 0.3, 0.4]) WITH ORDINALITY p(purpose, share, i)
             WHERE pg_temp.rnd(g, 80 + p.i::int) < p.share
            """,
            "consents",
            contacts=contacts,
        )  # fmt: skip
        chunks = max(1, -(-interactions // INTERACTIONS_PER_CHUNK))
        for chunk in range(chunks):
            first = chunk * INTERACTIONS_PER_CHUNK + 1
            last = min(interactions, first + INTERACTIONS_PER_CHUNK - 1)
            execute(
                """
                INSERT INTO contacts_interaction (contact_id, kind, direction, occurred_at,
                    subject, body, duration_seconds, recording_url, channel, external_id,
                    author_id, related_type_id, related_id, data, created_at)
                SELECT x.contact, x.kind,
                       CASE WHEN x.kind IN ('call', 'email', 'sms')
                            THEN CASE WHEN pg_temp.rnd(g, 101) < 0.5 THEN 'in' ELSE 'out' END
                            WHEN x.kind IN ('chat', 'portal') THEN 'in' ELSE '' END,
                       x.at,
                       CASE x.kind WHEN 'call' THEN 'Звонок'
                                   WHEN 'email' THEN pg_temp.pick(%(email_subjects)s, g, 102)
                                   WHEN 'purchase' THEN (1000 + g %% 90000) || '.00 RUB'
                                   WHEN 'system' THEN 'Согласие дано: Обработка персональных данных'
                                   WHEN 'meeting' THEN 'Встреча в офисе клиента'
                                   WHEN 'survey' THEN 'NPS-опрос после покупки'
                                   ELSE '' END,
                       CASE x.kind WHEN 'call' THEN pg_temp.pick(%(call_texts)s, g, 103)
                                   WHEN 'email' THEN pg_temp.pick(%(email_texts)s, g, 103)
                                   WHEN 'chat' THEN pg_temp.pick(%(chat_texts)s, g, 103)
                                   WHEN 'note' THEN pg_temp.pick(%(notes)s, g, 103)
                                   WHEN 'sms' THEN pg_temp.pick(%(sms_texts)s, g, 103)
                                   WHEN 'meeting' THEN pg_temp.pick(%(meeting_texts)s, g, 103)
                                   WHEN 'portal' THEN pg_temp.pick(%(portal_texts)s, g, 103)
                                   WHEN 'survey' THEN 'Оценка ' || (g %% 11) || ' из 10.'
                                   ELSE '' END,
                       CASE x.kind WHEN 'call' THEN 20 + (g %% 600)
                                   WHEN 'meeting' THEN 3600 END,
                       CASE WHEN x.kind = 'call' THEN 'https://pbx.example.com/rec/' || g || '.mp3'
                            ELSE '' END,
                       CASE x.kind WHEN 'call' THEN 'pbx' WHEN 'email' THEN 'mail'
                                   WHEN 'chat' THEN 'telegram' WHEN 'portal' THEN 'portal'
                                   WHEN 'purchase' THEN pg_temp.pick(%(stores)s, g, 104)
                                   ELSE '' END,
                       CASE x.kind WHEN 'call' THEN 'call-' || g
                                   WHEN 'email' THEN '<' || g || '@mail.example.com>'
                                   ELSE '' END,
                       CASE WHEN x.kind IN ('call', 'email', 'note', 'meeting', 'chat')
                            THEN pg_temp.pick_id(%(staff)s, g, 105) END,
                       NULL, '',
                       CASE WHEN x.kind = 'purchase'
                            THEN jsonb_build_object('purchase_id', g,
                                                    'items', jsonb_build_array(jsonb_build_object(
                                                        'name', pg_temp.pick(%(products)s, g, 106),
                                                        'qty', 1 + g %% 5)))
                            ELSE '{}' END,
                       x.at
                  FROM generate_series(%(first)s::bigint, %(last)s) g,
                       LATERAL (
                           SELECT 1 + floor(%(contacts)s * power(pg_temp.rnd(g, 107), 2))::bigint
                                      AS contact,
                                  CASE WHEN k < 0.30 THEN 'call' WHEN k < 0.50 THEN 'email'
                                       WHEN k < 0.62 THEN 'system' WHEN k < 0.72 THEN 'purchase'
                                       WHEN k < 0.80 THEN 'sms' WHEN k < 0.88 THEN 'chat'
                                       WHEN k < 0.93 THEN 'note' WHEN k < 0.96 THEN 'meeting'
                                       WHEN k < 0.99 THEN 'portal' ELSE 'survey' END AS kind,
                                  now() - interval '1 day' * %(days)s
                                      + interval '1 day' * %(days)s * (%(chunk)s + pg_temp.rnd(g, 108))
                                        / %(chunks)s AS at
                             FROM (SELECT pg_temp.rnd(g, 109) AS k) r
                       ) x
                """,
                first=first,
                last=last,
                contacts=contacts,
                days=HISTORY_DAYS,
                chunk=chunk,
                chunks=chunks,
            )  # fmt: skip
            clock.step(f"interactions {first:,}–{last:,} (chunk {chunk + 1} of {chunks})")
        run(
            """
            INSERT INTO contacts_purchase (id, contact_id, purchased_at, amount, currency, items,
                store, external_id, created_at)
            SELECT (data ->> 'purchase_id')::bigint, contact_id, occurred_at,
                   split_part(subject, ' ', 1)::numeric, 'RUB', data -> 'items', channel,
                   'BENCH-' || (data ->> 'purchase_id'), occurred_at
              FROM contacts_interaction
             WHERE kind = 'purchase'
            """,
            "purchases (one per purchase on the timeline)",
        )
        run(
            """
            INSERT INTO crm_task (title, description, due_at, priority, status, object_id,
                content_type_id, created_at, updated_at, assignee_id, created_by_id)
            SELECT 'Перезвонить клиенту', '', now() + interval '1 hour' * ((g %% 400) - 200),
                   1 + g %% 4, CASE WHEN pg_temp.rnd(g, 121) < 0.4 THEN 'open' ELSE 'done' END,
                   (1 + floor(%(contacts)s * pg_temp.rnd(g, 122)))::bigint::text, %(ct)s,
                   now(), now(), c.owner, c.owner
              FROM generate_series(1::bigint, %(tasks)s) g,
                   LATERAL (SELECT pg_temp.pick_id(%(managers)s, g, 123) AS owner) c
            """,
            "tasks about contacts",
            contacts=contacts,
            tasks=max(1, contacts // 10),
            ct=contact_type,
        )  # fmt: skip
        for table, column in [
            ("contacts_company", "id"),
            ("contacts_contact", "id"),
            ("contacts_purchase", "id"),
        ]:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "  # noqa: S608
                f"(SELECT max({column}) FROM {table}))"
            )
        # Customer value through the services themselves, as the nightly task computes it.
        cursor.execute("ANALYZE")
        changed = customer_value_refresh()
        clock.step(f"customer_value_refresh(): {changed:,} contacts")
        changed = rfm_recompute()
        clock.step(f"rfm_recompute(): {changed:,} contacts")
        for statement in rebuild:
            cursor.execute(statement)
            clock.step(statement.split(" USING ")[0].replace("CREATE ", "").lower())
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in LOADED_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("VACUUM (ANALYZE)")
        clock.step("vacuum and analyze")


def report_sizes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.reltuples::bigint, pg_size_pretty(pg_total_relation_size(c.oid))
              FROM pg_class c
             WHERE c.relkind = 'r' AND c.relname = ANY(%s)
             ORDER BY pg_total_relation_size(c.oid) DESC
            """,
            [LOADED_TABLES],
        )
        for name, rows, size in cursor.fetchall():
            print(f"  {name:28} {rows:>12,} rows  {size:>10}")
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"  database size: {cursor.fetchone()[0]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.seed", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument(
        "--force", action="store_true", help="drop the database even if its name lacks 'bench'"
    )
    args = parser.parse_args(argv)
    url = database_url()
    clock = Clock()
    recreate_database(url, force=args.force)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    clock.step(f"database {database_name(url)} created and migrated")
    seed(url, args.contacts, args.interactions, clock)
    report_sizes()


if __name__ == "__main__":
    main()

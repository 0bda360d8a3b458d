"""The contact import at size: ``python -m bench.imports --rows 50000``.

Writes a CSV file of made-up clients as a Russian CRM export would (last, first and middle
name, mobile and work phones, e-mail, company with INN, position, region, address, birthday
as DD.MM.YYYY, tags, a note), drawn by the demo's generator (``contacts.demo_generators``),
with what real files have: one row in a hundred repeats the phone of an earlier one (the same
person twice, which updates the contact), one in five hundred has a phone nobody can dial.

Then, as the import page does it, through the job engine (``crm.jobs``): the upload (format,
row count, column mapping), the check, and the import of the valid rows — each timed, in rows
per second. ``--command`` runs ``manage.py contacts_import`` on the file instead (no check, as
an administrator loads a large file).

It uses a database of its own next to the bench one: ``<bench database>_imports`` on the server
``BENCH_DATABASE_URL`` names, dropped, created and migrated at each run, so that the figures do
not depend on what an earlier run left, and the seeded bench database is not touched.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from .common import Clock, database_name, database_url, setup_django
from .seed import recreate_database

HERE = Path(__file__).resolve().parent
SEED = 20261201
HEADER = [
    "Фамилия",
    "Имя",
    "Отчество",
    "Телефон",
    "Рабочий телефон",
    "E-mail",
    "Компания",
    "ИНН",
    "Должность",
    "Регион",
    "Адрес",
    "Дата рождения",
    "Теги",
    "Примечание",
]


def write_csv(path: Path, rows: int) -> None:
    """``rows`` people, a tenth as many companies, as described in the module's docstring."""
    from contacts import demo_data as data
    from contacts.demo_generators import FORM_WEIGHTS, Generator

    gen = Generator(SEED)
    random = gen.rng.random
    companies = []
    for _i in range(max(1, rows // 10)):
        form = gen.pick(FORM_WEIGHTS)
        region = gen.region()
        name, person = gen.company_name(form)
        companies.append(
            (gen.company_identity(form=form, name=name, region=region, person=person), region)
        )
    mobiles: list[str] = []
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow(HEADER)
        for _n in range(rows):
            lang = "en" if random() < 0.2 else "ru"
            last, first, middle = gen.person_name(lang)
            company, region = gen.one(companies) if random() < 0.7 else (None, gen.region())
            if mobiles and random() < 0.01:
                mobile = gen.one(mobiles)  # the same person again
            elif random() < 0.002:
                mobile = "12345"  # a number nobody can dial: the row is refused
            else:
                mobile = gen.mobile()
                mobiles.append(mobile)
            display = f"8 ({mobile[2:5]}) {mobile[5:8]}-{mobile[8:10]}-{mobile[10:]}"
            work = gen.landline(region) if random() < 0.2 else ""
            email = ""
            if random() < 0.85:
                local = gen.email_local(first, last)
                email = gen.email(local, company.domain) if company else gen.personal_email(local)
            birthday = ""
            if random() < 0.75:
                birthday = (
                    dt.date(1958, 1, 1) + dt.timedelta(days=int(random() * 16000))
                ).strftime("%d.%m.%Y")
            tags = "; ".join({gen.pick(data.TAGS_CONTACT) for _t in range(int(random() * 3))})
            out.writerow(
                [
                    last,
                    first,
                    middle,
                    display if mobile != "12345" else mobile,
                    work,
                    email,
                    company.title if company else "",
                    company.inn if company else "",
                    gen.one(data.POSITIONS_RU if lang == "ru" else data.POSITIONS_EN)
                    if company
                    else "",
                    region.name,
                    gen.address(lang, region.address_city) if random() < 0.5 else "",
                    birthday,
                    tags,
                    gen.one(data.NOTES_RU if lang == "ru" else data.NOTES_EN)
                    if random() < 0.3
                    else "",
                ]
            )


def load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.imports", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument(
        "--command", action="store_true", help="import with manage.py contacts_import, no check"
    )
    parser.add_argument("--output", help="bench/imports.json, or imports-command.json")
    parser.add_argument(
        "--force", action="store_true", help="drop a database without 'bench' in its name"
    )
    args = parser.parse_args(argv)

    bench_url = database_url()
    url = f"{bench_url.rsplit('/', 1)[0]}/{database_name(bench_url)}_imports"
    clock = Clock()
    recreate_database(url, force=args.force)
    setup_django(url)
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.core.files import File
    from django.core.management import call_command

    from contacts.imports import steps
    from contacts.models import Contact
    from crm.history import acting_as
    from crm.jobs.services import job_check, job_start
    from crm.models import Job, Role, User

    call_command("migrate", verbosity=0)
    importer = User.objects.create_user(email="bench-importer@example.com", password=None)
    importer.groups.add(Group.objects.get(name=Role.HEAD))
    clock.step(f"database {database_name(url)} created and migrated")

    results: dict = {"rows": args.rows, "load_before": load(), "steps": {}}
    with tempfile.TemporaryDirectory() as folder:
        settings.MEDIA_ROOT = folder
        path = Path(folder) / f"clients-{args.rows}.csv"
        write_csv(path, args.rows)
        results["file_mb"] = round(path.stat().st_size / 2**20, 1)
        clock.step(f"{path.name}: {results['file_mb']} MB")

        def timed(what: str, call):
            started = time.perf_counter()
            value = call()
            took = time.perf_counter() - started
            results["steps"][what] = {
                "seconds": round(took, 1),
                "rows_per_second": round(args.rows / took),
            }
            clock.step(f"{what}: {args.rows / took:,.0f} rows/s, load {load()}")
            return value

        if args.command:
            timed(
                "command",
                lambda: call_command(
                    "contacts_import", str(path), user=importer.email, valid_only=True
                ),
            )
        else:
            with acting_as(importer, via="bench:contacts.import"):
                with path.open("rb") as fh:
                    job = timed(
                        "upload",
                        lambda: steps.import_upload(
                            actor=importer, upload=File(fh, name=path.name)
                        ),
                    )
                job = timed("check", lambda: job_check(actor=importer, job=job, run_now=True))
                results["check"] = {
                    "created": job.created_count,
                    "updated": job.updated_count,
                    "errors": job.error_count,
                }
                job = timed(
                    "import",
                    lambda: job_start(actor=importer, job=job, valid_only=True, run_now=True),
                )
                if job.status != Job.Status.DONE:
                    sys.exit(f"The import did not finish: {job.status} {job.errors[:3]}")
        results["contacts"] = Contact.objects.count()
    results["load_after"] = load()
    results["finished"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    output = args.output or HERE / ("imports-command.json" if args.command else "imports.json")
    Path(output).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

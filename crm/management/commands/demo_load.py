"""Load the demo data sets that are not loaded yet."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from crm.demo import demo_load_all


class Command(BaseCommand):
    help = (
        "Load every registered demo data set that is not loaded yet: teams, the demo logins "
        "(all with one password) and what each app adds. Safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password",
            default=os.environ.get("CRM_DEMO_PASSWORD") or None,
            help="password of every demo login (default: the CRM_DEMO_PASSWORD variable)",
        )

    def handle(self, *args, password: str | None, **options) -> None:
        if not password:
            raise CommandError(
                "Give the demo logins a password: --password or the CRM_DEMO_PASSWORD variable."
            )
        loaded = demo_load_all(password)
        if loaded:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {', '.join(loaded)}"))
        else:
            self.stdout.write("Demo data already loaded.")

"""Run the demo SMTP sink until interrupted."""

from __future__ import annotations

import asyncio
import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from crm.mailsink import serve


class Command(BaseCommand):
    help = (
        "Accept every e-mail on an SMTP port and store it as an .eml file in MAIL_SINK_DIR, "
        "where staff can read it at /mail-sink/. Runs until interrupted."
    )
    requires_system_checks = []  # a mail socket does not need the models to be valid

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=1025, help="port to listen on")

    def handle(self, *args, host: str, port: int, **options) -> None:
        folder = settings.MAIL_SINK_DIR
        # aiosmtpd narrates every SMTP command at INFO; one line per stored message is enough.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.stdout.write(f"Mail sink on smtp://{host}:{port}, messages go to {folder}")
        asyncio.run(serve(host, port, folder))
        self.stdout.write("Mail sink stopped.")

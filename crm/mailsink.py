"""The demo SMTP sink: every message it receives becomes one .eml file that staff can read.

It lets mailings, surveys and reminders be followed end to end without a mail provider. The
files are what /mail-sink/ lists, newest first, so their names sort by arrival time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import secrets
import signal
import tempfile
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

logger = logging.getLogger(__name__)


def message_file_name(now: dt.datetime | None = None) -> str:
    """A name that sorts by arrival time; the random tail keeps same-microsecond messages apart."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(4)}.eml"


def write_message(folder: Path, content: bytes, *, name: str | None = None) -> Path:
    """Write one message so that a reader never sees half of it.

    The bytes go to a temporary file in the same folder (its name does not end in .eml, so the
    mail-sink page skips it) and are renamed into place: a rename within one file system is
    atomic.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or message_file_name())
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(content)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


class MailSinkHandler:
    """aiosmtpd handler that accepts every message and stores it in ``folder``."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        # What a delivering MTA adds (RFC 5321 §4.4 Return-Path; Postfix's X-Original-To):
        # the envelope shows Bcc recipients and bounces' sender, which headers alone do not.
        trace = f"Return-Path: <{envelope.mail_from or ''}>\r\n"
        trace += "".join(f"X-Original-To: {rcpt}\r\n" for rcpt in envelope.rcpt_tos)
        path = write_message(self.folder, trace.encode("utf-8") + content)
        logger.info(
            "mail from %s to %s stored as %s",
            envelope.mail_from,
            ", ".join(envelope.rcpt_tos),
            path.name,
        )
        return "250 Message accepted for delivery"


async def serve(host: str, port: int, folder: Path | str) -> None:
    """Accept mail on host:port until SIGINT or SIGTERM."""
    loop = asyncio.get_running_loop()
    handler = MailSinkHandler(folder)
    server = await loop.create_server(
        # A fixed hostname: aiosmtpd would otherwise resolve the machine's FQDN per connection,
        # which stalls for seconds on hosts without working DNS.
        lambda: SMTP(handler, hostname="mailsink.local", enable_SMTPUTF8=True, loop=loop),
        host=host,
        port=port,
    )
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    logger.debug("mail sink listening on %s:%s, writing to %s", host, port, folder)
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()

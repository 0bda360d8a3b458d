"""What the seed and the run share: where the bench database is and how Django reaches it."""

from __future__ import annotations

import math
import os
import time
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def setup_django(url: str) -> None:
    """Point the local settings at the bench database, with what production would have."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "crm.settings.local"
    os.environ["DATABASE_URL"] = url
    # DEBUG keeps every query in memory and adds its own overhead: off, as in production.
    os.environ["DEBUG"] = "false"
    os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    # The card view writes the access log; thousands of cards opened by one benchmark user
    # are not the mass viewing the alert is about.
    os.environ["ACCESS_ALERT_THRESHOLD_PER_HOUR"] = "1000000000"
    import django

    django.setup()


class Clock:
    """Prints how long each step of a long job took."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()

    def step(self, what: str) -> float:
        now = time.perf_counter()
        took, self.last = now - self.last, now
        print(f"{now - self.started:8.1f}s  {what} ({took:.1f}s)", flush=True)
        return took


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile: a value that was measured, never an interpolation."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

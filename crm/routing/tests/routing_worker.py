"""A real Celery worker process for the concurrency test (test_concurrency.py): the project's
worker with the tests' kind of item registered, consuming the routing queue.

    python crm/routing/tests/routing_worker.py --pool prefork --concurrency 1 …
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")
    import django

    django.setup()
    from crm.celery import app
    from crm.routing.tests.kind import register

    register()
    app.worker_main(["worker", "-Q", "routing", *sys.argv[1:]])


if __name__ == "__main__":
    main()

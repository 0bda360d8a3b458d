"""Large files run as jobs on a real Celery worker, showing their progress as they go."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.utils import translation

from contacts import imports
from contacts.models import Contact, ImportJob
from contacts.tasks import import_run, recompute_customer_value
from contacts.tests.factories import ContactFactory, PurchaseFactory
from contacts.tests.io_support import csv_bytes, upload
from crm.tests.helpers import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


ROWS = imports.INLINE_CHECK_MAX_ROWS + 100


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _finished(job: ImportJob, *statuses: str):
    def check():
        job.refresh_from_db()
        return job.status in statuses

    return check


def test_an_import_job_runs_on_the_worker_and_reports_progress(celery_worker, head):
    # given a file too large to check while the page waits
    rows = [["ФИО", "Телефон", "E-mail"]] + [
        [f"Клиентов Клиент {i}", f"+7916{i:07d}", f"client{i}@example.ru"] for i in range(ROWS)
    ]
    job = upload(head, csv_bytes(rows))
    assert job.total_rows == ROWS

    # when it is checked — as a job, because it is large
    job = imports.import_check(actor=head, job=job)
    assert job.status == ImportJob.Status.QUEUED
    wait_until(_finished(job, ImportJob.Status.PREVIEWED), timeout=120)
    assert (job.created_count, job.error_count, job.processed_rows) == (ROWS, 0, ROWS)
    assert not Contact.objects.exists()

    # and then imported, while someone watches the progress bar
    imports.import_start(actor=head, job=job)
    seen = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.add(job.processed_rows)
        if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
            break
        time.sleep(0.02)

    # then the bar moved while the rows were written, and reached 100 % with the job done
    assert job.status == ImportJob.Status.DONE
    assert job.progress_percent == 100
    assert (job.created_count, job.updated_count, job.error_count) == (ROWS, 0, 0)
    assert job.finished_at is not None
    assert any(0 < n < ROWS for n in seen), sorted(seen)
    assert Contact.objects.count() == ROWS


def test_a_job_delivered_twice_imports_once(celery_worker, head):
    job = upload(head, csv_bytes([["Имя", "Телефон"], ["Анна", "+79161234567"]]))
    job = imports.import_check(actor=head, job=job, run_now=True)
    job = imports.import_start(actor=head, job=job)  # queued, and sent on commit

    import_run.delay(job.pk)  # the broker delivers it once more

    wait_until(_finished(job, ImportJob.Status.DONE), timeout=60)
    time.sleep(0.5)  # let the second delivery finish too
    assert Contact.objects.count() == 1
    job.refresh_from_db()
    assert job.created_count == 1


def test_the_customer_value_job_runs_on_the_worker(celery_worker):
    contact = ContactFactory()
    PurchaseFactory(contact=contact, amount=Decimal("1500.50"))
    PurchaseFactory(contact=contact, amount=Decimal("499.50"))

    recompute_customer_value.delay()

    def refreshed():
        contact.refresh_from_db()
        return contact.rfm_recency is not None

    wait_until(refreshed, timeout=60)
    assert contact.lifetime_value == Decimal("2000.00")
    assert contact.purchases_count == 2
    assert contact.rfm_score == "111"

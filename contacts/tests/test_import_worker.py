"""Large files run as jobs on a real Celery worker, showing their progress as they go."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.utils import translation

from contacts.models import Contact
from contacts.tasks import recompute_customer_value
from contacts.tests.factories import ContactFactory, PurchaseFactory
from contacts.tests.io_support import csv_bytes, upload
from crm.jobs.services import job_check, job_start
from crm.models import Job
from crm.tasks import run_job
from crm.tests.helpers import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


# Checks of files above this many rows run on the worker. Lowered from the default, so that a
# few dozen rows prove what a large file would.
INLINE_MAX = 10
ROWS = 4 * INLINE_MAX


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture(autouse=True)
def _small_files_count_as_large(settings):
    settings.IMPORT_CHECK_INLINE_MAX_ROWS = INLINE_MAX


def _finished(job: Job, *statuses: str):
    def check():
        job.refresh_from_db()
        return job.status in statuses

    return check


def test_an_import_job_runs_on_the_worker_and_reports_progress(celery_worker, head):
    # given a file too large to check while the page waits (over the inline threshold)
    rows = [["ФИО", "Телефон", "E-mail"]] + [
        [f"Клиентов Клиент {i}", f"+7916{i:07d}", f"client{i}@example.ru"] for i in range(ROWS)
    ]
    job = upload(head, csv_bytes(rows))
    assert job.total_rows == ROWS

    # when it is checked — as a job, because it is large
    job = job_check(actor=head, job=job)
    assert job.status == Job.Status.QUEUED
    wait_until(_finished(job, Job.Status.CHECKED), timeout=60)
    assert (job.created_count, job.error_count, job.processed_rows) == (ROWS, 0, ROWS)
    assert not Contact.objects.exists()

    # and then imported, while someone watches the progress bar
    job_start(actor=head, job=job)
    seen = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.add(job.processed_rows)
        if job.status in (Job.Status.DONE, Job.Status.FAILED):
            break
        time.sleep(0.005)

    # then the bar moved while the rows were written, and reached 100 % with the job done
    assert job.status == Job.Status.DONE
    assert job.progress_percent == 100
    assert (job.created_count, job.updated_count, job.error_count) == (ROWS, 0, 0)
    assert job.finished_at is not None
    assert any(0 < n < ROWS for n in seen), sorted(seen)
    assert Contact.objects.count() == ROWS


def test_a_job_delivered_twice_imports_once(celery_worker, head):
    job = upload(head, csv_bytes([["Имя", "Телефон"], ["Анна", "+79161234567"]]))
    job = job_check(actor=head, job=job, run_now=True)
    job = job_start(actor=head, job=job)  # queued, and sent on commit

    run_job.delay(job.pk)  # the broker delivers it once more

    wait_until(_finished(job, Job.Status.DONE), timeout=60)
    time.sleep(0.5)  # let the second delivery finish too
    assert Contact.objects.count() == 1
    job.refresh_from_db()
    assert job.created_count == 1


def _history_of(contact: Contact, label: str) -> set[tuple]:
    """(user, door) of each change of ``label`` ("insert", "update") in the contact's history."""
    events = Contact.pgh_event_model.objects.filter(pgh_obj=contact, pgh_label=label)
    return {
        (e.pgh_context.metadata.get("user"), e.pgh_context.metadata.get("via"))
        if e.pgh_context
        else None
        for e in events.select_related("pgh_context")
    }


def test_contacts_imported_on_the_worker_name_their_importer_in_the_history(celery_worker, head):
    # given a known client, and a file that adds her position and brings a new client
    known = ContactFactory(first_name="Анна", last_name="Лисова", phone="+79161234567")
    rows = [
        ["ФИО", "Телефон", "Должность"],
        ["Лисова Анна", "+7 916 123-45-67", "Главный бухгалтер"],
        ["Борисов Борис", "+7 916 765-43-21", ""],
    ]
    job = job_check(actor=head, job=upload(head, csv_bytes(rows)), run_now=True)

    # when the import runs on the worker
    job_start(actor=head, job=job)
    wait_until(_finished(job, Job.Status.DONE, Job.Status.FAILED), timeout=60)

    # then the change history of both names the head of sales and the import task
    assert job.status == Job.Status.DONE, job.errors
    importer = {(head.pk, "task:contacts.import")}
    known.refresh_from_db()
    assert known.position == "Главный бухгалтер"
    assert _history_of(known, "update") == importer
    created = Contact.objects.get(last_name="Борисов")
    assert _history_of(created, "insert") == importer


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

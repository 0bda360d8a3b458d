"""The import pages through the whole stack: upload, mapping, check, start, progress, result."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from contacts.models import Contact
from contacts.tests.io_support import csv_bytes, upload
from crm.jobs.services import job_run
from crm.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


ROWS = [
    ["Фамилия", "Имя", "Телефон", "Заметка для себя"],
    ["Иванов", "Иван", "+7 916 123-45-67", "позвонить в мае"],
    ["", "", "12345", ""],  # nothing but an unreadable phone: refused
    ["Сидорова", "Анна", "8 916 765 43 21", ""],
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _file(rows=ROWS, name="clients.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows), content_type="text/csv")


@pytest.mark.parametrize("role", ["manager", "operator", "supervisor", "marketer"])
def test_only_importers_reach_the_pages(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("contacts:import-upload")).status_code == 403
    assert client.post(reverse("contacts:import-upload"), {"file": _file()}).status_code == 403
    assert not Job.objects.exists()


def test_someone_elses_import_is_not_found(client, head, admin_user, head2):
    job = upload(head, csv_bytes(ROWS))
    client.force_login(head2)

    assert client.get(reverse("contacts:import-detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("job-start", args=[job.pk])).status_code == 404

    client.force_login(admin_user)  # administrators see every import
    assert client.get(reverse("contacts:import-detail", args=[job.pk])).status_code == 200


def test_upload_of_an_unreadable_file_says_why(client, head):
    client.force_login(head)

    response = client.post(
        reverse("contacts:import-upload"), {"file": _file(name="old.xls", rows=[])}
    )

    assert response.status_code == 400
    assert "empty" in response.content.decode()


def test_upload_map_check_and_import_valid_rows(client, head, django_capture_on_commit_callbacks):
    client.force_login(head)

    # when the file is uploaded
    response = client.post(reverse("contacts:import-upload"), {"file": _file()})

    # then the mapping page shows the guessed fields and the first rows
    job = Job.objects.get()
    detail = reverse("contacts:import-detail", args=[job.pk])
    assert response.status_code == 302
    assert response["Location"] == detail
    page = client.get(detail).content.decode()
    assert 'name="col_0"' in page
    assert '<option value="last_name" selected>' in page
    assert '<option value="phone:mobile" selected>' in page
    assert "позвонить в мае" in page  # a preview row

    # when the person also imports the unrecognised column as notes and checks the rows
    response = client.post(
        detail,
        {"col_0": "last_name", "col_1": "first_name", "col_2": "phone:mobile", "col_3": "notes"},
    )

    # then the check shows the bad row and offers to import the valid ones; nothing is saved
    assert response.status_code == 302
    page = client.get(detail).content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.CHECKED
    assert job.options["mapping"]["3"] == "notes"
    assert 'data-row="3"' in page
    assert "12345" in page
    assert 'name="valid_only"' in page
    assert not Contact.objects.exists()

    # when the person imports without ticking "valid rows only", nothing starts
    response = client.post(reverse("job-start", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.CHECKED

    # when they tick it, the job is queued — and sent to the worker only after the commit
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("job-start", args=[job.pk]), {"valid_only": "on"})
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert job.valid_only
    assert len(callbacks) == 1
    progress = client.get(reverse("job-progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in progress

    # when the worker has run it
    job_run(job_id=job.pk)

    # then the polled state is the result, and polling stops
    progress = client.get(reverse("job-progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in progress
    assert 'data-status="done"' in progress
    assert 'data-count="created">2<' in progress
    assert 'data-count="errors">1<' in progress
    assert sorted(Contact.objects.values_list("last_name", flat=True)) == ["Иванов", "Сидорова"]
    assert Contact.objects.get(last_name="Иванов").notes == "позвонить в мае"


def test_a_mapping_without_a_name_is_refused_on_the_page(client, head):
    client.force_login(head)
    job = upload(head, csv_bytes(ROWS))
    detail = reverse("contacts:import-detail", args=[job.pk])

    response = client.post(detail, {"col_0": "", "col_1": "", "col_2": "", "col_3": "notes"})

    assert response.status_code == 400
    assert 'id="mapping-errors"' in response.content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.UPLOADED


def test_a_large_file_is_checked_as_a_job(
    client, head, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_CHECK_INLINE_MAX_ROWS = 5  # a large file is one over the threshold
    rows = [["Имя", "Телефон"]] + [
        [f"Клиент {i}", f"+7916{i:07d}"] for i in range(settings.IMPORT_CHECK_INLINE_MAX_ROWS + 1)
    ]
    client.force_login(head)
    job = upload(head, csv_bytes(rows))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(
            reverse("contacts:import-detail", args=[job.pk]),
            {"col_0": "full_name", "col_1": "phone:mobile"},
        )

    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert len(callbacks) == 1
    page = client.get(reverse("contacts:import-detail", args=[job.pk])).content.decode()
    assert 'id="job-progress"' in page

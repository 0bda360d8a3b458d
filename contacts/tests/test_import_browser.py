"""Browser journey of the head of sales importing a client list with one bad row."""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import expect

from contacts.models import Contact
from contacts.tests.io_support import csv_bytes
from crm.models import Job

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


ROWS = [
    ["Фамилия", "Имя", "Отчество", "Телефон", "E-mail", "Компания", "Комментарий менеджера"],
    [
        "Иванов",
        "Иван",
        "Иванович",
        "8 (916) 123-45-67",
        "ivanov@romashka.ru",
        "ООО «Ромашка»",
        "Перезвонить в мае",
    ],
    ["", "", "", "12345", "", "", ""],  # nothing but an unreadable phone: refused
    ["Сидорова", "Анна", "Павловна", "+7 916 765-43-21", "", "ООО «Ромашка»", ""],
]


def test_upload_map_check_and_import_the_valid_rows(
    live_server, page, screenshot, login_as, celery_worker, head, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    login_as(page, head)

    # when the head of sales uploads the file
    page.goto(f"{live_server.url}/contacts/import/")
    screenshot("1-upload")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": csv_bytes(ROWS)}],
    )
    page.get_by_role("button", name="Upload").click()

    # then the columns are mapped by their Russian headers, with the first rows below
    expect(page.locator("#mapping-form")).to_be_visible()
    expect(page.locator("select[name=col_0]")).to_have_value("last_name")
    expect(page.locator("select[name=col_3]")).to_have_value("phone:mobile")
    expect(page.locator("select[name=col_6]")).to_have_value("")
    expect(page.get_by_text("Перезвонить в мае")).to_be_visible()

    # when she imports the manager's comment as notes and checks the rows
    page.locator("select[name=col_6]").select_option("notes")
    screenshot("2-mapping")
    page.get_by_role("button", name="Check the rows").click()

    # then the check shows the row with the malformed phone, and nothing is saved yet
    bad = page.locator("#row-errors tr[data-row='3']", has_text="12345")
    expect(bad).to_be_visible()
    expect(bad).to_contain_text("Телефон")
    expect(bad).to_contain_text("12345")
    expect(page.locator("[data-count=created]").first).to_have_text("2")
    assert not Contact.objects.exists()
    screenshot("3-check")

    # when she chooses to import the valid rows only
    page.get_by_label("Import valid rows only").check()
    page.get_by_role("button", name="Import", exact=True).click()
    screenshot("4-progress")

    # then the progress, polled every second, reaches done with the summary
    expect(page.locator("#job-state[data-status=done]")).to_be_visible(timeout=30_000)
    expect(page.locator("#import-result [data-count=created]")).to_have_text("2")
    expect(page.locator("#import-result [data-count=errors]")).to_have_text("1")
    expect(page.locator("#import-result [role=progressbar]")).to_have_attribute(
        "aria-valuenow", "100"
    )
    screenshot("5-done")
    job = Job.objects.get()
    assert job.status == Job.Status.DONE
    assert sorted(Contact.objects.values_list("last_name", flat=True)) == ["Иванов", "Сидорова"]
    assert Contact.objects.get(last_name="Иванов").notes == "Перезвонить в мае"

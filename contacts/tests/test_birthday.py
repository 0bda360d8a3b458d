"""A birthday in the future or before 1900 is refused with a field message at every door:
the form, the API and the import (all through the services' validation)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from contacts.models import Contact
from contacts.tests.io_support import check, csv_bytes, upload
from contacts.tests.test_views import contact_post
from contacts.validators import validate_birthday

pytestmark = pytest.mark.django_db

FUTURE = "A birthday cannot be in the future."
TOO_EARLY = "A birthday cannot be before 1900."


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_the_validator_takes_today_and_1900_and_refuses_past_them():
    today = timezone.localdate()
    validate_birthday(today)
    validate_birthday(dt.date(1900, 1, 1))
    validate_birthday(None)
    with pytest.raises(ValidationError, match=FUTURE):
        validate_birthday(today + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match=TOO_EARLY):
        validate_birthday(dt.date(1899, 12, 31))


@pytest.mark.parametrize(
    ("birthday", "message"), [("2099-01-01", FUTURE), ("1890-05-01", TOO_EARLY)]
)
def test_the_form_shows_the_message_on_the_field(client, manager, birthday, message):
    client.force_login(manager)

    response = client.post(reverse("contacts:contact-create"), contact_post(birthday=birthday))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("birthday", "message"), [("2099-01-01", FUTURE), ("1890-05-01", TOO_EARLY)]
)
def test_the_api_answers_400_with_the_field(api_client_for, manager, birthday, message):
    api = api_client_for(manager)

    response = api.post(
        "/api/v1/contacts/",
        {"last_name": "Петров", "birthday": birthday},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"]["birthday"] == [message]
    assert not Contact.objects.exists()


def test_the_api_takes_a_real_birthday(api_client_for, manager):
    response = api_client_for(manager).post(
        "/api/v1/contacts/", {"last_name": "Петров", "birthday": "1990-03-07"}, format="json"
    )

    assert response.status_code == 201
    assert Contact.objects.get().birthday == dt.date(1990, 3, 7)


def test_an_update_cannot_move_a_birthday_into_the_future(api_client_for, manager):
    api = api_client_for(manager)
    pk = api.post("/api/v1/contacts/", {"last_name": "Петров"}, format="json").json()["id"]

    response = api.patch(f"/api/v1/contacts/{pk}/", {"birthday": "2099-01-01"}, format="json")

    assert response.status_code == 400
    assert Contact.objects.get().birthday is None


def test_the_import_check_reports_the_rows_birthday(head, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    data = csv_bytes(
        [
            ["Фамилия", "Имя", "Дата рождения"],
            ["Смирнова", "Анна", "01.01.2099"],
            ["Петров", "Пётр", "07.03.1990"],
        ]
    )

    job = check(head, upload(head, data))

    # the person is kept and the impossible birthday left out, said on the row's column
    assert (job.created_count, job.error_count) == (2, 0)
    [note] = job.errors
    assert (note["row"], note["field"], note.get("warning")) == (2, "Дата рождения", True)
    assert FUTURE in note["message"]

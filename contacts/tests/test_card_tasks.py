"""Tasks from the card: "call back tomorrow" set on the contact or company card (htmx) or
through the API, shown in the card's open tasks, moved on merge and back on undo."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from contacts import services
from contacts.tests.factories import CompanyFactory, ContactFactory
from crm.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _tomorrow() -> str:
    due = timezone.localtime() + dt.timedelta(days=1)
    return due.strftime("%Y-%m-%dT10:00")


def _about(party) -> list[Task]:
    return list(
        Task.objects.filter(object_id=str(party.pk), content_type__model=party._meta.model_name)
    )


def test_a_manager_sets_a_task_on_the_contact_card(client, manager):
    # given a client of the manager's, whose card offers the quick task form
    contact = ContactFactory(owner=manager)
    client.force_login(manager)
    card = client.get(contact.get_absolute_url()).content.decode()
    assert reverse("contacts:contact-task-add", args=[contact.pk]) in card

    # when the manager asks to call back tomorrow
    response = client.post(
        reverse("contacts:contact-task-add", args=[contact.pk]),
        {"task-title": "Перезвонить завтра", "task-due_at": _tomorrow(), "task-assignee": ""},
        HTTP_HX_REQUEST="true",
    )

    # then the open-tasks block comes back with the task, which is theirs and about the client
    assert response.status_code == 200
    assert "Перезвонить завтра" in response.content.decode()
    (task,) = _about(contact)
    assert (task.assignee, task.created_by, task.status) == (manager, manager, Task.Status.OPEN)
    assert "Перезвонить завтра" in client.get(contact.get_absolute_url()).content.decode()


def test_a_task_on_the_company_card(client, manager):
    company = CompanyFactory(owner=manager)
    client.force_login(manager)
    url = reverse("contacts:company-task-add", args=[company.pk])
    assert url in client.get(company.get_absolute_url()).content.decode()

    response = client.post(
        url, {"task-title": "Отправить КП", "task-due_at": _tomorrow()}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    (task,) = _about(company)
    assert task.title == "Отправить КП"
    assert "Отправить КП" in client.get(company.get_absolute_url()).content.decode()


def test_without_htmx_the_form_goes_back_to_the_card(client, manager):
    contact = ContactFactory(owner=manager)
    client.force_login(manager)

    response = client.post(
        reverse("contacts:contact-task-add", args=[contact.pk]),
        {"task-title": "Перезвонить", "task-due_at": _tomorrow()},
    )

    assert response.status_code == 302
    assert response["Location"] == contact.get_absolute_url()
    assert len(_about(contact)) == 1


def test_a_task_without_title_or_due_time_shows_the_errors_in_place(client, manager):
    contact = ContactFactory(owner=manager)
    client.force_login(manager)

    response = client.post(
        reverse("contacts:contact-task-add", args=[contact.pk]),
        {"task-title": "", "task-due_at": "завтра"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert "Enter a valid date/time." in html
    assert not Task.objects.exists()


def test_a_task_for_someone_one_cannot_give_tasks_to_is_refused(client, manager, manager2):
    contact = ContactFactory(owner=manager)
    client.force_login(manager)

    response = client.post(
        reverse("contacts:contact-task-add", args=[contact.pk]),
        {"task-title": "Чужому", "task-due_at": _tomorrow(), "task-assignee": manager2.pk},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 400
    assert not Task.objects.exists()


def test_another_teams_client_gets_no_task(client, manager, manager2):
    contact = ContactFactory(owner=manager2)
    client.force_login(manager)

    response = client.post(
        reverse("contacts:contact-task-add", args=[contact.pk]),
        {"task-title": "Чужой клиент", "task-due_at": _tomorrow()},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 404
    assert not Task.objects.exists()


# --- the API -------------------------------------------------------------------------------


def test_the_api_makes_a_task_about_a_contact(api_client_for, client, manager):
    contact = ContactFactory(owner=manager)
    api = api_client_for(manager)

    response = api.post(
        "/api/v1/tasks/",
        {
            "title": "Перезвонить",
            "due_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
            "subject": {"type": "contacts.contact", "id": contact.pk},
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["subject_type"], body["object_id"]) == ("contacts.contact", str(contact.pk))
    assert "subject" not in body
    client.force_login(manager)
    assert "Перезвонить" in client.get(contact.get_absolute_url()).content.decode()


def test_the_api_makes_a_task_about_a_company(api_client_for, manager):
    company = CompanyFactory(owner=manager)

    response = api_client_for(manager).post(
        "/api/v1/tasks/",
        {
            "title": "Отправить КП",
            "due_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
            "subject": {"type": "contacts.company", "id": company.pk},
        },
        format="json",
    )

    assert response.status_code == 201
    assert len(_about(company)) == 1


@pytest.mark.parametrize(
    "subject",
    [
        {"type": "contacts.contact", "id": "OTHER"},
        {"type": "contacts.contact", "id": 999_999_999},
        {"type": "crm.user", "id": 1},
        {"type": "contacts.contact"},
        "contacts.contact:1",
    ],
)
def test_the_api_refuses_a_subject_one_cannot_see_with_400(
    api_client_for, manager, manager2, subject
):
    other = ContactFactory(owner=manager2)
    if isinstance(subject, dict) and subject.get("id") == "OTHER":
        subject = {**subject, "id": other.pk}

    response = api_client_for(manager).post(
        "/api/v1/tasks/",
        {
            "title": "Чужой",
            "due_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
            "subject": subject,
        },
        format="json",
    )

    assert response.status_code == 400
    assert all(key.startswith("subject") for key in response.json()["fields"])
    assert not Task.objects.exists()


def test_the_api_does_not_move_a_task_to_another_subject(api_client_for, manager):
    first, second = ContactFactory(owner=manager), ContactFactory(owner=manager)
    api = api_client_for(manager)
    due = (timezone.now() + dt.timedelta(days=1)).isoformat()
    made = api.post(
        "/api/v1/tasks/",
        {"title": "X", "due_at": due, "subject": {"type": "contacts.contact", "id": first.pk}},
        format="json",
    ).json()

    response = api.patch(
        f"/api/v1/tasks/{made['id']}/",
        {"subject": {"type": "contacts.contact", "id": second.pk}},
        format="json",
    )

    assert response.status_code == 400
    assert Task.objects.get().object_id == str(first.pk)


# --- merge and undo ------------------------------------------------------------------------


def test_a_task_set_on_the_card_follows_a_merge_and_comes_back_on_undo(client, head, manager):
    # given two cards of one person, a task set on the one that will be merged away
    keep = ContactFactory(owner=manager, last_name="Петров")
    drop = ContactFactory(owner=manager, last_name="Петров")
    client.force_login(manager)
    client.post(
        reverse("contacts:contact-task-add", args=[drop.pk]),
        {"task-title": "Перезвонить Петрову", "task-due_at": _tomorrow()},
        HTTP_HX_REQUEST="true",
    )

    # when the head merges them, the task is in the kept card's open tasks
    merge = services.contact_merge(actor=head, keep=keep, drop=drop)
    assert Task.objects.get().object_id == str(keep.pk)
    assert "Перезвонить Петрову" in client.get(keep.get_absolute_url()).content.decode()

    # and when the merge is undone, it goes back
    services.contact_merge_undo(actor=head, merge=merge)
    assert Task.objects.get().object_id == str(drop.pk)
    assert "Перезвонить Петрову" not in client.get(keep.get_absolute_url()).content.decode()


@pytest.mark.parametrize("due", ["1900-10-10T05:20:55Z", "9999-12-31T23:00:00Z"])
def test_a_due_time_out_of_any_calendar_is_refused(api_client_for, manager, due):
    response = api_client_for(manager).post(
        "/api/v1/tasks/", {"title": "Когда-то", "due_at": due}, format="json"
    )

    assert response.status_code == 400
    assert "due_at" in response.json()["fields"]
    assert not Task.objects.exists()

"""Staff pages of the core, through the test client with every middleware."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from crm.models import Notification, Task
from crm.tests.factories import NotificationFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _local(when: dt.datetime, user) -> str:
    """A time as the user types it into a datetime-local field, in their own time zone."""
    return when.astimezone(zoneinfo.ZoneInfo(user.time_zone)).strftime("%Y-%m-%dT%H:%M")


def _tomorrow(hour: int = 10) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=1)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def test_create_a_task_from_the_task_page(client, manager):
    client.force_login(manager)
    due, remind = _tomorrow(15), _tomorrow(14)

    response = client.post(
        "/tasks/",
        {
            "title": "Call Ivanov",
            "due_at": _local(due, manager),
            "remind_at": _local(remind, manager),
            "priority": 2,
        },
    )

    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.title, task.assignee, task.due_at, task.remind_at) == (
        "Call Ivanov",
        manager,
        due,
        remind,
    )
    page = client.get(response["Location"])
    assert "Call Ivanov" in page.content.decode()


def test_task_form_errors_are_shown_and_nothing_is_saved(client, manager):
    client.force_login(manager)
    due = _tomorrow(15)

    response = client.post(
        "/tasks/",
        {
            "title": "Send the offer",
            "due_at": _local(due, manager),
            "remind_at": _local(due + dt.timedelta(hours=1), manager),
            "priority": 2,
        },
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["remind_at"] == ["The reminder must not be later than the due time."]
    assert "The reminder must not be later than the due time." in response.content.decode()
    assert not Task.objects.exists()


def test_empty_title_is_a_form_error(client, manager):
    client.force_login(manager)

    response = client.post(
        "/tasks/", {"title": "", "due_at": _local(_tomorrow(), manager), "priority": 2}
    )

    assert response.status_code == 400
    assert "title" in response.context["form"].errors
    assert not Task.objects.exists()


def test_a_manager_cannot_pick_another_manager_as_assignee(client, manager, manager2):
    client.force_login(manager)

    response = client.post(
        "/tasks/",
        {
            "title": "Yours",
            "due_at": _local(_tomorrow(), manager),
            "assignee": manager2.pk,
            "priority": 2,
        },
    )

    assert response.status_code == 400
    assert "assignee" in response.context["form"].errors
    assert not Task.objects.exists()


def test_another_managers_task_page_is_not_found(client, manager, manager2):
    theirs = TaskFactory(assignee=manager)
    client.force_login(manager2)

    assert client.get(f"/tasks/{theirs.pk}/").status_code == 404
    assert client.post(f"/tasks/{theirs.pk}/status/", {"status": "done"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Task.Status.OPEN


def test_task_detail_shows_the_task_and_saves_an_edit(client, manager):
    task = TaskFactory(assignee=manager, title="Old title")
    client.force_login(manager)

    page = client.get(f"/tasks/{task.pk}/")
    assert page.status_code == 200
    assert "Old title" in page.content.decode()

    response = client.post(
        f"/tasks/{task.pk}/",
        {"title": "New title", "due_at": _local(task.due_at, manager), "priority": 3},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.priority) == ("New title", 3)


def test_a_rejected_edit_keeps_the_stored_task(client, manager):
    task = TaskFactory(assignee=manager, title="Keep me")
    client.force_login(manager)

    response = client.post(
        f"/tasks/{task.pk}/", {"title": "", "due_at": _local(task.due_at, manager), "priority": 2}
    )

    assert response.status_code == 400
    task.refresh_from_db()
    assert task.title == "Keep me"
    assert "Keep me" in response.content.decode()


def test_mark_done_with_htmx_returns_the_row(client, manager):
    task = TaskFactory(assignee=manager, title="Call Ivanov")
    client.force_login(manager)

    response = client.post(f"/tasks/{task.pk}/status/", {"status": "done"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="task-{task.pk}"' in html
    assert "<html" not in html
    task.refresh_from_db()
    assert task.status == Task.Status.DONE


def test_unknown_status_is_refused(client, manager):
    task = TaskFactory(assignee=manager)
    client.force_login(manager)

    response = client.post(f"/tasks/{task.pk}/status/", {"status": "archived"})

    assert response.status_code == 400
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN


def test_the_bell_counts_unread_notifications(client, manager, manager2):
    NotificationFactory.create_batch(3, recipient=manager, title="Reminder: call")
    NotificationFactory(recipient=manager, read_at=timezone.now())
    NotificationFactory.create_batch(2, recipient=manager2)
    client.force_login(manager)

    response = client.get("/notifications/bell/")

    assert response.status_code == 200
    assert 'data-unread="3"' in response.content.decode()
    assert "Reminder: call" in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_marking_all_read_returns_to_the_notification_page(client, manager):
    NotificationFactory.create_batch(2, recipient=manager)
    client.force_login(manager)

    response = client.post("/notifications/read/")

    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_marking_read_does_not_redirect_off_site(client, manager):
    client.force_login(manager)

    response = client.post("/notifications/read/", {"next": "https://evil.example/"})

    assert response["Location"] == "/notifications/"


def test_a_bad_notification_id_is_a_400(client, manager):
    client.force_login(manager)

    assert client.post("/notifications/read/", {"id": "x"}).status_code == 400


def test_notification_links_open_the_staff_task_page(client, head, manager):
    from crm import services

    task = services.task_create(
        actor=head, title="Call Petrov", due_at=_tomorrow(), assignee=manager
    )
    client.force_login(manager)

    url = Notification.objects.get(recipient=manager).url
    response = client.get(url)

    assert url == f"/tasks/{task.pk}/"
    assert response.status_code == 200
    assert response.templates[0].name == "crm/tasks/detail.html"


def test_search_finds_visible_tasks_only(client, manager, manager2):
    TaskFactory(assignee=manager, title="Call Romashka LLC")
    TaskFactory(assignee=manager2, title="Call Romashka about the invoice")
    client.force_login(manager)

    response = client.get("/search/", {"q": "romashka"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Call Romashka LLC" in html
    assert "about the invoice" not in html


def test_unknown_area_is_404(client, manager):
    client.force_login(manager)

    assert client.get("/area/nowhere/").status_code == 404
    assert client.get("/area/tickets/").status_code == 200


def test_mail_sink_is_for_admins(client, manager, admin_user):
    client.force_login(manager)
    assert client.get("/mail-sink/").status_code in (302, 403)

    client.force_login(admin_user)
    assert client.get("/mail-sink/").status_code == 200


# --- where a form sends the person afterwards ----------------------------------------------

OFF_SITE = [
    "https://evil.example/phish",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "http://testserver@evil.example/",
    "https:evil.example",
    " //evil.example",
]


def _redirect_doors(task):
    """(url, form data, where it goes without a next) of every view that follows ``next``."""
    return [
        ("/availability/", {"availability": "away"}, "/"),
        (f"/tasks/{task.pk}/status/", {"status": "done"}, "/tasks/"),
        ("/notifications/read/", {}, "/notifications/"),
        ("/language/", {"language": "ru"}, "/"),
    ]


@pytest.mark.parametrize("target", OFF_SITE)
def test_no_form_redirects_off_site(client, manager, target):
    client.force_login(manager)
    task = TaskFactory(assignee=manager, created_by=manager)

    for url, data, fallback in _redirect_doors(task):
        response = client.post(url, {**data, "next": target}, HTTP_REFERER=target)

        assert response.status_code == 302, url
        assert response["Location"] == fallback, (url, response["Location"])


def test_forms_return_to_a_page_of_this_site(client, manager):
    client.force_login(manager)
    task = TaskFactory(assignee=manager, created_by=manager)

    for url, data, _fallback in _redirect_doors(task):
        response = client.post(url, {**data, "next": "/contacts/?q=a&page=2"})

        assert response["Location"] == "/contacts/?q=a&page=2", url


def test_over_https_a_plain_http_next_is_refused(client, manager):
    client.force_login(manager)

    response = client.post(
        "/availability/",
        {"availability": "away", "next": "http://testserver/tasks/"},
        secure=True,
    )

    assert response["Location"] == "/"


def test_the_menu_marks_only_the_entry_of_the_page(client, head):
    client.force_login(head)

    html = client.get("/deals/forecast/").content.decode()

    assert html.count('aria-current="page"') == 1
    assert 'href="/deals/forecast/" class="active"' in html

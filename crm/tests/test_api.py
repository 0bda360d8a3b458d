"""The REST API through the whole stack: authentication, tasks, notifications, errors, schema."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.utils import timezone

from crm.models import ApiToken, Notification, Role, Task
from crm.tests.factories import NotificationFactory, TaskFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
TASKS_URL = "/api/v1/tasks/"
NOTIFICATIONS_URL = "/api/v1/notifications/"


def _in(hours: float) -> str:
    return (timezone.now() + dt.timedelta(hours=hours)).isoformat()


def _assert_error_shape(body: dict, status: int) -> None:
    assert set(body) == {"status", "code", "detail", "fields"}
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]


# --- authentication ------------------------------------------------------------------------


def test_token_is_issued_for_email_and_password(api_client, manager, password):
    response = api_client.post(
        TOKEN_URL, {"email": manager.email, "password": password}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    token = ApiToken.objects.get(user=manager)
    assert body["id"] == token.pk
    assert body["token"].startswith(token.prefix)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api_client.get("/api/v1/me/").json()["email"] == manager.email


def test_token_email_is_case_insensitive(api_client, manager, password):
    response = api_client.post(
        TOKEN_URL, {"email": manager.email.upper(), "password": password}, format="json"
    )

    assert response.status_code == 200
    assert ApiToken.objects.get(user=manager).prefix == response.json()["token"][:8]


def test_each_login_gives_a_new_token_and_both_work(api_client, client, manager, password):
    body = {"email": manager.email, "password": password}

    first = api_client.post(TOKEN_URL, body, format="json").json()["token"]
    second = api_client.post(TOKEN_URL, {**body, "name": "CI"}, format="json").json()["token"]

    assert first != second
    assert list(ApiToken.objects.filter(user=manager).values_list("name", flat=True)) == [
        "CI",
        "API token",
    ]
    for key in (first, second):
        assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_wrong_password_gives_no_token(api_client, manager):
    response = api_client.post(
        TOKEN_URL, {"email": manager.email, "password": "nope"}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    _assert_error_shape(body, 400)
    assert body["code"] == "invalid"
    assert body["fields"]["non_field_errors"] == ["Wrong e-mail or password."]
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_token(api_client, manager, password):
    manager.is_active = False
    manager.save()

    response = api_client.post(
        TOKEN_URL, {"email": manager.email, "password": password}, format="json"
    )

    assert response.status_code == 400
    assert "non_field_errors" in response.json()["fields"]


def test_token_request_without_email_names_the_field(api_client):
    response = api_client.post(TOKEN_URL, {"password": "secret"}, format="json")

    assert response.status_code == 400
    body = response.json()
    _assert_error_shape(body, 400)
    assert body["fields"]["email"] == ["This field is required."]


def test_token_authenticates_requests(api_client_for, manager):
    client = api_client_for(manager, token=True)

    response = client.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["email"] == manager.email
    assert response.json()["roles"] == [Role.MANAGER]


def test_a_bad_token_is_refused(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get(TASKS_URL)

    assert response.status_code in (401, 403)
    body = response.json()
    _assert_error_shape(body, response.status_code)
    assert body["code"] == "authentication_failed"
    assert body["fields"] == {}


@pytest.mark.parametrize("url", [TASKS_URL, NOTIFICATIONS_URL, "/api/v1/me/", "/api/v1/users/"])
def test_anonymous_requests_are_refused_in_the_documented_format(api_client, url):
    response = api_client.get(url)

    assert response.status_code in (401, 403)
    body = response.json()
    _assert_error_shape(body, response.status_code)
    assert body["code"] == "not_authenticated"
    assert body["fields"] == {}


def test_session_login_works_for_the_api(api_client_for, manager):
    response = api_client_for(manager).get("/api/v1/me/")

    assert response.status_code == 200


def test_me_can_change_own_language_but_not_email(api_client_for, manager):
    client = api_client_for(manager, token=True)

    response = client.patch(
        "/api/v1/me/", {"language": "ru", "email": "evil@example.com"}, format="json"
    )

    assert response.status_code == 200
    manager.refresh_from_db()
    assert (manager.language, manager.email) == ("ru", "manager@example.com")


def test_me_changes_go_through_the_profile_service(api_client_for, manager):
    client = api_client_for(manager, token=True)

    # an unknown time zone is refused by the service, in the API's error format
    refused = client.patch("/api/v1/me/", {"time_zone": "Mars/Olympus"}, format="json")
    assert refused.status_code == 400
    _assert_error_shape(refused.json(), 400)
    assert list(refused.json()["fields"]) == ["time_zone"]

    # a known one is saved and answered
    saved = client.patch(
        "/api/v1/me/", {"time_zone": "Asia/Yekaterinburg", "first_name": "Ира"}, format="json"
    )
    assert saved.status_code == 200
    assert (saved.json()["time_zone"], saved.json()["first_name"]) == ("Asia/Yekaterinburg", "Ира")
    manager.refresh_from_db()
    assert (manager.time_zone, manager.first_name) == ("Asia/Yekaterinburg", "Ира")


def test_the_profile_service_refuses_changing_someone_else(manager, manager2, admin_user):
    from django.core.exceptions import PermissionDenied, ValidationError

    from crm.services import user_profile_update

    with pytest.raises(PermissionDenied):
        user_profile_update(actor=manager2, user=manager, language="en")
    with pytest.raises(ValidationError):
        user_profile_update(actor=manager, user=manager, email="evil@example.com")

    user_profile_update(actor=admin_user, user=manager, availability="away")
    manager.refresh_from_db()
    assert manager.availability == "away"


# --- tasks: create -------------------------------------------------------------------------


def test_create_task_for_oneself(api_client_for, manager):
    client = api_client_for(manager, token=True)
    due = _in(5)

    response = client.post(
        TASKS_URL,
        {"title": "Call Ivanov", "due_at": due, "remind_at": _in(4), "priority": 3},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    task = Task.objects.get()
    assert body["id"] == task.pk
    assert body["title"] == "Call Ivanov"
    assert body["assignee"] == manager.pk
    assert body["created_by"] == manager.pk
    assert body["status"] == "open"
    assert body["priority"] == 3
    assert body["is_overdue"] is False
    assert task.assignee == manager


def test_head_creates_a_task_for_their_manager(api_client_for, head, manager):
    response = api_client_for(head, token=True).post(
        TASKS_URL, {"title": "Call Petrov", "due_at": _in(5), "assignee": manager.pk}, format="json"
    )

    assert response.status_code == 201
    assert Task.objects.get().assignee == manager
    assert Notification.objects.get().recipient == manager


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "", "due_at": "in-future"}, "title"),
        ({"title": "   ", "due_at": "in-future"}, "title"),
        ({"due_at": "in-future"}, "title"),
        ({"title": "Call", "due_at": "tomorrow-ish"}, "due_at"),
        ({"title": "Call"}, "due_at"),
        ({"title": "Call", "due_at": "in-future", "remind_at": "after-due"}, "remind_at"),
        ({"title": "Call", "due_at": "in-future", "priority": 9}, "priority"),
        ({"title": "Call", "due_at": "in-future", "assignee": 987654}, "assignee"),
    ],
)
def test_bad_task_input_is_refused_with_field_messages(api_client_for, manager, payload, field):
    placeholders = {"in-future": _in(5), "after-due": _in(6)}
    payload = {k: placeholders.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}

    response = api_client_for(manager, token=True).post(TASKS_URL, payload, format="json")

    assert response.status_code == 400
    body = response.json()
    _assert_error_shape(body, 400)
    assert body["code"] == "invalid"
    assert body["fields"][field]
    assert all(isinstance(m, str) and m for m in body["fields"][field])
    assert not Task.objects.exists()


def test_manager_cannot_give_a_task_to_another_manager_through_the_api(
    api_client_for, manager, manager2
):
    response = api_client_for(manager, token=True).post(
        TASKS_URL, {"title": "Yours", "due_at": _in(5), "assignee": manager2.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"]["assignee"] == ["You cannot give tasks to this person."]
    assert not Task.objects.exists()
    assert not Notification.objects.exists()


def test_update_a_task(api_client_for, manager):
    task = TaskFactory(assignee=manager, title="Old", remind_at=None)
    client = api_client_for(manager, token=True)

    response = client.patch(f"{TASKS_URL}{task.pk}/", {"title": "New"}, format="json")

    assert response.status_code == 200
    assert response.json()["title"] == "New"
    task.refresh_from_db()
    assert task.title == "New"


def test_update_with_a_reminder_after_due_is_refused(api_client_for, manager):
    task = TaskFactory(assignee=manager)

    response = api_client_for(manager, token=True).patch(
        f"{TASKS_URL}{task.pk}/",
        {"remind_at": (task.due_at + dt.timedelta(hours=1)).isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert "remind_at" in response.json()["fields"]
    task.refresh_from_db()
    assert task.remind_at is None


def test_status_cannot_be_written_through_the_task_fields(api_client_for, manager):
    task = TaskFactory(assignee=manager)

    api_client_for(manager, token=True).patch(
        f"{TASKS_URL}{task.pk}/", {"status": "done"}, format="json"
    )

    task.refresh_from_db()
    assert task.status == Task.Status.OPEN


# --- tasks: status action ------------------------------------------------------------------


def test_status_action_marks_a_task_done(api_client_for, manager):
    task = TaskFactory(assignee=manager)

    response = api_client_for(manager, token=True).post(
        f"{TASKS_URL}{task.pk}/status/", {"status": "done"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert response.json()["completed_at"] is not None
    task.refresh_from_db()
    assert task.status == Task.Status.DONE


def test_status_action_refuses_an_unknown_status(api_client_for, manager):
    task = TaskFactory(assignee=manager)

    response = api_client_for(manager, token=True).post(
        f"{TASKS_URL}{task.pk}/status/", {"status": "archived"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"]["status"]
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN


# --- tasks: scoping ------------------------------------------------------------------------


def test_list_shows_only_the_users_tasks(api_client_for, manager, manager2):
    mine = TaskFactory(assignee=manager2)
    TaskFactory.create_batch(3, assignee=manager)

    response = api_client_for(manager2, token=True).get(TASKS_URL)

    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [mine.pk]


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("get", "", None),
        ("patch", "", {"title": "Mine now"}),
        ("put", "", {"title": "Mine now", "due_at": "2030-01-01T10:00:00Z"}),
        ("post", "status/", {"status": "done"}),
    ],
)
def test_another_managers_task_is_not_found(
    api_client_for, manager, manager2, method, suffix, payload
):
    theirs = TaskFactory(assignee=manager, title="Theirs")
    client = api_client_for(manager2, token=True)

    response = getattr(client, method)(f"{TASKS_URL}{theirs.pk}/{suffix}", payload, format="json")

    assert response.status_code == 404
    body = response.json()
    _assert_error_shape(body, 404)
    assert body["code"] == "not_found"
    theirs.refresh_from_db()
    assert (theirs.title, theirs.status) == ("Theirs", Task.Status.OPEN)


def test_head_sees_the_teams_tasks_in_the_api(api_client_for, head, manager, manager2):
    theirs = TaskFactory(assignee=manager)
    TaskFactory(assignee=manager2)

    response = api_client_for(head, token=True).get(TASKS_URL)

    assert [t["id"] for t in response.json()["results"]] == [theirs.pk]


# --- tasks: filters, ordering, pagination --------------------------------------------------


def test_filter_by_status(api_client_for, manager):
    open_task = TaskFactory(assignee=manager)
    TaskFactory(assignee=manager, status=Task.Status.DONE)

    response = api_client_for(manager, token=True).get(TASKS_URL, {"status": "open"})

    assert [t["id"] for t in response.json()["results"]] == [open_task.pk]


def test_filter_overdue(api_client_for, manager):
    now = timezone.now()
    overdue = TaskFactory(assignee=manager, due_at=now - dt.timedelta(hours=1))
    TaskFactory(assignee=manager, due_at=now - dt.timedelta(hours=1), status=Task.Status.DONE)
    TaskFactory(assignee=manager, due_at=now + dt.timedelta(hours=1))
    client = api_client_for(manager, token=True)

    response = client.get(TASKS_URL, {"overdue": "true"})

    results = response.json()["results"]
    assert [t["id"] for t in results] == [overdue.pk]
    assert results[0]["is_overdue"] is True
    assert len(client.get(TASKS_URL, {"overdue": "false"}).json()["results"]) == 3


def test_filter_by_an_unknown_status_is_a_field_error(api_client_for, manager):
    response = api_client_for(manager, token=True).get(TASKS_URL, {"status": "archived"})

    assert response.status_code == 400
    assert response.json()["fields"]["status"]


def test_ordering(api_client_for, manager):
    now = timezone.now()
    late = TaskFactory(assignee=manager, due_at=now + dt.timedelta(days=3), priority=1)
    early = TaskFactory(assignee=manager, due_at=now + dt.timedelta(days=1), priority=4)
    middle = TaskFactory(assignee=manager, due_at=now + dt.timedelta(days=2), priority=2)
    client = api_client_for(manager, token=True)

    def ids(**params):
        return [t["id"] for t in client.get(TASKS_URL, params).json()["results"]]

    assert ids() == [middle.pk, early.pk, late.pk]  # newest first by default
    assert ids(ordering="due_at") == [early.pk, middle.pk, late.pk]
    assert ids(ordering="-due_at") == [late.pk, middle.pk, early.pk]
    assert ids(ordering="-priority") == [early.pk, middle.pk, late.pk]


def test_cursor_pagination_walks_every_task_once(api_client_for, manager):
    # given more tasks than fit on a page
    created = {t.pk for t in TaskFactory.create_batch(8, assignee=manager)}
    client = api_client_for(manager, token=True)

    # when the client follows the next links
    seen: list[int] = []
    url, params, pages = TASKS_URL, {"page_size": 3}, 0
    while url:
        response = client.get(url, params)
        assert response.status_code == 200
        body = response.json()
        seen += [t["id"] for t in body["results"]]
        url, params, pages = body["next"], None, pages + 1
        assert pages < 10

    # then every task came exactly once, in three pages
    assert pages == 3
    assert len(seen) == len(set(seen))
    assert set(seen) == created
    assert seen == sorted(seen, reverse=True)


def test_cursor_pagination_next_link_keeps_the_ordering(api_client_for, manager):
    now = timezone.now()
    tasks = [TaskFactory(assignee=manager, due_at=now + dt.timedelta(hours=i)) for i in range(5)]
    client = api_client_for(manager, token=True)

    first = client.get(TASKS_URL, {"page_size": 2, "ordering": "due_at"}).json()
    assert first["previous"] is None
    assert urlsplit(first["next"]).path == TASKS_URL
    second = client.get(first["next"]).json()

    assert [t["id"] for t in first["results"] + second["results"]] == [t.pk for t in tasks[:4]]


def test_a_method_a_viewset_does_not_serve_is_405_not_403(api_client_for, manager):
    task = TaskFactory(assignee=manager)
    notification = NotificationFactory(recipient=manager)
    client = api_client_for(manager, token=True)

    assert client.delete(f"{TASKS_URL}{task.pk}/").status_code == 405
    assert client.put(f"{NOTIFICATIONS_URL}{notification.pk}/", {}).status_code == 405
    assert Task.objects.filter(pk=task.pk).exists()


def test_a_tampered_cursor_is_a_clean_400(api_client_for, manager):
    response = api_client_for(manager, token=True).get(TASKS_URL, {"cursor": "garbage"})

    assert response.status_code == 400
    _assert_error_shape(response.json(), 400)
    assert list(response.json()["fields"]) == ["cursor"]


@pytest.mark.parametrize("position", ["abc", "2026-13-45", "1.5e999"])
def test_a_cursor_whose_position_does_not_fit_the_ordering_is_a_400(
    api_client_for, manager, position
):
    # given a well-formed cursor (DRF's base64 of a query string) with a made-up position
    import base64

    TaskFactory.create_batch(3, assignee=manager)
    cursor = base64.b64encode(f"o=0&r=0&p={position}".encode()).decode()
    client = api_client_for(manager, token=True)

    # when it pages by id, or by due time
    by_id = client.get(TASKS_URL, {"cursor": cursor})
    by_due = client.get(TASKS_URL, {"cursor": cursor, "ordering": "due_at"})

    # then both are a clean 400, never a server error
    for response in (by_id, by_due):
        assert response.status_code == 400, response.content[:300]
        _assert_error_shape(response.json(), 400)


# --- notifications -------------------------------------------------------------------------


def test_notifications_list_shows_own_newest_first(api_client_for, manager, manager2):
    older = NotificationFactory(recipient=manager, title="older")
    newer = NotificationFactory(recipient=manager, title="newer")
    NotificationFactory(recipient=manager2)

    response = api_client_for(manager, token=True).get(NOTIFICATIONS_URL)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [n["id"] for n in results] == [newer.pk, older.pk]
    assert results[0]["is_read"] is False
    assert set(results[0]) == {
        "id",
        "kind",
        "title",
        "body",
        "url",
        "created_at",
        "read_at",
        "is_read",
    }


def test_notifications_unread_filter(api_client_for, manager):
    unread = NotificationFactory(recipient=manager)
    NotificationFactory(recipient=manager, read_at=timezone.now())

    response = api_client_for(manager, token=True).get(NOTIFICATIONS_URL, {"unread": "true"})

    assert [n["id"] for n in response.json()["results"]] == [unread.pk]


def test_read_action_marks_the_given_notifications(api_client_for, manager, manager2):
    first, second = NotificationFactory.create_batch(2, recipient=manager)
    theirs = NotificationFactory(recipient=manager2)
    client = api_client_for(manager, token=True)

    response = client.post(
        f"{NOTIFICATIONS_URL}read/", {"ids": [first.pk, theirs.pk]}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"marked": 1}
    first.refresh_from_db()
    second.refresh_from_db()
    theirs.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    assert theirs.read_at is None


def test_read_action_without_ids_marks_all(api_client_for, manager):
    NotificationFactory.create_batch(3, recipient=manager)

    response = api_client_for(manager, token=True).post(
        f"{NOTIFICATIONS_URL}read/", {}, format="json"
    )

    assert response.json() == {"marked": 3}
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_read_action_refuses_bad_ids(api_client_for, manager):
    response = api_client_for(manager, token=True).post(
        f"{NOTIFICATIONS_URL}read/", {"ids": ["x"]}, format="json"
    )

    assert response.status_code == 400
    assert "ids.0" in response.json()["fields"] or "ids" in response.json()["fields"]


def test_another_users_notification_is_not_found(api_client_for, manager, manager2):
    theirs = NotificationFactory(recipient=manager)

    response = api_client_for(manager2, token=True).get(f"{NOTIFICATIONS_URL}{theirs.pk}/")

    assert response.status_code == 404


# --- users and teams -----------------------------------------------------------------------


def test_manager_lists_only_themselves_as_assignable(api_client_for, manager, manager2):
    response = api_client_for(manager, token=True).get("/api/v1/users/")

    assert [u["email"] for u in response.json()["results"]] == [manager.email]


def test_head_lists_everyone(api_client_for, head, manager, manager2):
    response = api_client_for(head, token=True).get("/api/v1/users/")

    emails = {u["email"] for u in response.json()["results"]}
    assert {head.email, manager.email, manager2.email} <= emails


def test_api_root_lists_the_endpoints(api_client_for, manager):
    response = api_client_for(manager, token=True).get("/api/v1/")

    assert response.status_code == 200
    links = response.json()
    assert urlsplit(links["tasks"]).path == TASKS_URL
    assert urlsplit(links["notifications"]).path == NOTIFICATIONS_URL


# --- schema and docs -----------------------------------------------------------------------


def test_schema_is_served(api_client_for, manager):
    response = api_client_for(manager, token=True).get("/api/schema/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "openapi:" in text
    assert "/api/v1/tasks/" in text


def test_schema_generates_without_warnings(tmp_path):
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )

    assert not GENERATOR_STATS
    assert "/api/v1/auth/token/" in (tmp_path / "schema.yml").read_text()


def test_api_docs_use_only_local_assets(client, manager):
    client.force_login(manager)
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://", html), "the docs page must not load anything from a CDN"
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    static_assets = [a for a in assets if a.startswith("/static/")]
    assert any(a.endswith(".js") for a in static_assets)
    assert any(a.endswith(".css") for a in static_assets)
    for asset in static_assets:
        assert finders.find(asset.removeprefix("/static/").split("?")[0]), (
            f"{asset} is not a static file"
        )


def test_users_of_each_role_can_use_the_task_api(api_client_for, operator, supervisor, marketer):
    for user in (operator, supervisor, marketer):
        client = api_client_for(user, token=True)
        created = client.post(TASKS_URL, {"title": "Mine", "due_at": _in(1)}, format="json")
        assert created.status_code == 201
        listed = client.get(TASKS_URL).json()["results"]
        assert created.json()["id"] in [t["id"] for t in listed]

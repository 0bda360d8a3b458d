"""Lists answer with a fixed number of queries however many rows there are: no N+1."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm.models import Role
from crm.tests.factories import NotificationFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

ROWS = 60


@pytest.fixture
def busy_manager(manager, head, team_a):
    """A manager with 60 tasks (half of them from the head, spread from overdue to next week),
    60 notifications, and team-mates to choose from when giving a task."""
    now = timezone.now()
    for i in range(ROWS):
        TaskFactory(
            assignee=manager,
            created_by=head if i % 2 else manager,
            due_at=now + dt.timedelta(hours=4 * (i - ROWS // 2)),
            remind_at=None,
            priority=1 + i % 4,
        )
        NotificationFactory(recipient=manager, url=f"/tasks/{i}/", read_at=now if i % 3 else None)
    UserFactory.create_batch(5, role=Role.MANAGER, team=team_a)
    return manager


def test_api_task_list(api_client_for, busy_manager, django_assert_max_num_queries):
    client = api_client_for(busy_manager, token=True)

    # 1. the token with its user (one join)
    # 2. the user's role groups (scoping the tasks)
    # 3. one page of tasks with assignee, author and subject type joined in
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/tasks/", {"page_size": ROWS})

    assert response.status_code == 200
    assert len(response.json()["results"]) == ROWS


def test_api_task_list_of_a_head(api_client_for, head, busy_manager, django_assert_max_num_queries):
    client = api_client_for(head, token=True)

    # 1. token and user, 2. role groups, 3. the team's tasks
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/tasks/", {"page_size": ROWS, "ordering": "due_at"})

    assert len(response.json()["results"]) == ROWS


def test_api_notification_list(api_client_for, busy_manager, django_assert_max_num_queries):
    client = api_client_for(busy_manager, token=True)

    # 1. the token with its user
    # 2. one page of notifications
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/notifications/", {"page_size": ROWS})

    assert response.status_code == 200
    assert len(response.json()["results"]) == ROWS


def test_api_user_list(api_client_for, head, busy_manager, django_assert_max_num_queries):
    client = api_client_for(head, token=True)

    # 1. token and user, 2. the head's role groups, 3. the users with their teams,
    # 4. the role groups of every listed user (one prefetch)
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/users/")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 7  # the head, the manager, five team-mates


def test_task_page(client, busy_manager, django_assert_max_num_queries):
    client.force_login(busy_manager)

    # 1. the session
    # 2. the signed-in user
    # 3. their role groups (whom they may give tasks to; the layout's role labels reuse it)
    # 4. the agenda: open tasks with their authors in one query
    # 5. the people in the form's "assignee" choice
    with django_assert_max_num_queries(5):
        response = client.get("/tasks/")

    assert response.status_code == 200
    assert response.content.decode().count('class="task') >= ROWS


def test_task_page_of_a_head(client, head, busy_manager, django_assert_max_num_queries):
    TaskFactory.create_batch(ROWS, assignee=head, created_by=busy_manager)
    client.force_login(head)

    # session, user, role groups, agenda, assignee choices
    with django_assert_max_num_queries(5):
        response = client.get("/tasks/")

    assert response.status_code == 200


def test_home_page(client, busy_manager, django_assert_max_num_queries):
    client.force_login(busy_manager)

    # 1. the session
    # 2. the signed-in user
    # 3. the agenda: open tasks with their authors
    # 4. the five latest notifications
    # 5. the user's role groups, shown in the user menu
    with django_assert_max_num_queries(5):
        response = client.get("/")

    assert response.status_code == 200


def test_notification_bell(client, busy_manager, django_assert_max_num_queries):
    client.force_login(busy_manager)

    # 1. the session
    # 2. the signed-in user
    # 3. the unread count
    # 4. the latest notifications
    with django_assert_max_num_queries(4):
        response = client.get("/notifications/bell/")

    assert response.status_code == 200


def test_notification_page(client, busy_manager, django_assert_max_num_queries):
    client.force_login(busy_manager)

    # 1. the session, 2. the user, 3. the latest hundred notifications,
    # 4. the user's role groups, shown in the user menu
    with django_assert_max_num_queries(4):
        response = client.get("/notifications/")

    assert response.status_code == 200

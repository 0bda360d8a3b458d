"""Who sees which tasks, and whom they may give tasks to."""

from __future__ import annotations

import pytest

from crm import selectors
from crm.models import Role
from crm.tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(head, head2, manager, manager2, operator, supervisor, marketer, admin_user):
    """One task per person, each written for themselves, keyed by the person's fixture name."""
    people = {
        "head": head,
        "head2": head2,
        "manager": manager,
        "manager2": manager2,
        "operator": operator,
        "supervisor": supervisor,
        "marketer": marketer,
        "admin_user": admin_user,
    }
    return {
        name: TaskFactory(assignee=user, title=f"task of {name}") for name, user in people.items()
    }


def _visible(user) -> set[str]:
    return {t.title.removeprefix("task of ") for t in selectors.tasks_visible_to(user)}


def test_manager_sees_only_their_own_tasks(manager, tasks):
    assert _visible(manager) == {"manager"}


def test_manager_sees_a_task_they_gave_to_someone_else(admin_user, manager, manager2, tasks):
    TaskFactory(assignee=manager2, created_by=manager, title="task of given-away")

    assert _visible(manager) == {"manager", "given-away"}
    assert "given-away" in _visible(manager2)


def test_other_manager_does_not_see_the_first_managers_tasks(manager2, tasks):
    assert _visible(manager2) == {"manager2"}


def test_head_sees_their_teams_tasks_and_their_own(head, tasks):
    assert _visible(head) == {"head", "manager"}


def test_second_head_sees_the_second_team(head2, tasks):
    assert _visible(head2) == {"head2", "manager2"}


def test_admin_sees_every_task(admin_user, tasks):
    assert _visible(admin_user) == set(tasks)


def test_superuser_without_the_admin_group_sees_every_task(tasks):
    root = UserFactory(is_superuser=True)

    assert _visible(root) == set(tasks)


def test_supervisor_sees_operators_tasks_and_their_own(supervisor, tasks):
    assert _visible(supervisor) == {"supervisor", "operator"}


def test_operator_and_marketer_see_their_own(operator, marketer, tasks):
    assert _visible(operator) == {"operator"}
    assert _visible(marketer) == {"marketer"}


def test_visible_tasks_are_not_duplicated_for_a_user_with_several_roles(team_a, tasks, manager):
    # A head who is also a supervisor matches some tasks by two rules at once.
    both = UserFactory(roles=[Role.HEAD, Role.SUPERVISOR], team=team_a)
    team_a.head = both
    team_a.save()

    titles = [t.title for t in selectors.tasks_visible_to(both)]

    # the first head is a member of team A, now headed by ``both``
    assert sorted(titles) == ["task of head", "task of manager", "task of operator"]


def test_users_assignable_by_each_role(
    admin_user, head, manager, manager2, operator, supervisor, team_a
):
    colleague = UserFactory(role=Role.MANAGER, team=team_a)
    inactive = UserFactory(role=Role.MANAGER, team=team_a, is_active=False)

    assert set(selectors.users_assignable_by(manager)) == {manager}
    assert set(selectors.users_assignable_by(operator)) == {operator}
    assert set(selectors.users_assignable_by(head)) == {head, manager, colleague}
    everyone = {admin_user, head, manager, manager2, operator, supervisor, colleague}
    assert everyone <= set(selectors.users_assignable_by(admin_user))
    assert inactive not in set(selectors.users_assignable_by(admin_user))
    assert everyone <= set(selectors.users_assignable_by(supervisor))


def test_tasks_agenda_splits_open_tasks_by_time(manager, manager2):
    import datetime as dt

    from django.utils import timezone

    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    overdue = TaskFactory(assignee=manager, due_at=now - dt.timedelta(hours=1))
    today = TaskFactory(assignee=manager, due_at=now + dt.timedelta(hours=3))
    upcoming = TaskFactory(assignee=manager, due_at=now + dt.timedelta(days=2))
    TaskFactory(assignee=manager, due_at=now - dt.timedelta(hours=1), status="done")
    TaskFactory(assignee=manager2, due_at=now - dt.timedelta(hours=1))

    agenda = selectors.tasks_agenda(manager, now=now)

    assert agenda == {"overdue": [overdue], "today": [today], "upcoming": [upcoming]}

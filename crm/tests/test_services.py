"""Task verbs: what they accept, what they refuse, and whom a task may be given to."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crm import services
from crm.models import Notification, Role, Task
from crm.tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def _in(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


# --- task_create ---------------------------------------------------------------------------


def test_task_create_for_oneself(manager):
    task = services.task_create(actor=manager, title="  Call Ivanov  ", due_at=_in(5))

    task.refresh_from_db()
    assert task.title == "Call Ivanov"
    assert task.assignee == manager
    assert task.created_by == manager
    assert task.status == Task.Status.OPEN
    # nobody to tell: the manager wrote it for themselves
    assert not Notification.objects.exists()


@pytest.mark.parametrize("title", ["", "   ", None])
def test_task_create_refuses_an_empty_title(manager, title):
    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=manager, title=title, due_at=_in(5))

    assert "title" in exc.value.message_dict
    assert not Task.objects.exists()


def test_task_create_refuses_a_reminder_after_the_due_time(manager):
    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=manager, title="Send the offer", due_at=_in(2), remind_at=_in(3))

    assert "remind_at" in exc.value.message_dict
    assert not Task.objects.exists()


def test_task_create_accepts_a_reminder_at_the_due_time(manager):
    due = _in(2)

    task = services.task_create(actor=manager, title="Send the offer", due_at=due, remind_at=due)

    assert task.remind_at == task.due_at


def test_task_create_reports_every_invalid_field_at_once(manager):
    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=manager, title="", due_at=_in(1), remind_at=_in(2))

    assert set(exc.value.message_dict) == {"title", "remind_at"}


def test_task_create_with_a_subject_points_at_it(manager, manager2):
    task = services.task_create(
        actor=manager, title="Check the card", due_at=_in(1), subject=manager2
    )

    assert task.subject == manager2


# --- whom a task may be given to -----------------------------------------------------------


def test_manager_cannot_give_a_task_to_another_manager(manager, manager2):
    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=manager, title="Yours now", due_at=_in(1), assignee=manager2)

    assert "assignee" in exc.value.message_dict
    assert not Task.objects.exists()
    assert not Notification.objects.exists()


def test_manager_cannot_give_a_task_to_a_colleague_in_the_same_team(manager, team_a):
    colleague = UserFactory(role=Role.MANAGER, team=team_a)

    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=manager, title="Yours now", due_at=_in(1), assignee=colleague)

    assert "assignee" in exc.value.message_dict


def test_head_gives_a_task_to_their_manager_who_is_notified(head, manager):
    task = services.task_create(actor=head, title="Call Petrov", due_at=_in(1), assignee=manager)

    assert task.assignee == manager
    assert task.created_by == head
    notification = Notification.objects.get()
    assert notification.recipient == manager
    assert notification.kind == "task-assigned"
    assert "Call Petrov" in notification.title
    assert notification.url == f"/tasks/{task.pk}/"  # the staff page, not the API


def test_head_cannot_give_a_task_to_another_team(head, manager2):
    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=head, title="Call Petrov", due_at=_in(1), assignee=manager2)

    assert "assignee" in exc.value.message_dict
    assert not Task.objects.exists()


def test_head_of_a_team_without_being_its_member_still_assigns_within_it(team_a, manager):
    # given a head who heads team A but whose own team field is empty
    outside_head = UserFactory(role=Role.HEAD)
    team_a.head = outside_head
    team_a.save()

    # when / then
    task = services.task_create(
        actor=outside_head, title="Call Petrov", due_at=_in(1), assignee=manager
    )
    assert task.assignee == manager


def test_head_without_a_team_cannot_give_tasks_to_people_without_a_team(operator, marketer):
    # A head with no team of their own is not the head of "everyone without a team".
    lone_head = UserFactory(role=Role.HEAD)

    for person in (operator, marketer):
        with pytest.raises(ValidationError) as exc:
            services.task_create(actor=lone_head, title="Hi", due_at=_in(1), assignee=person)
        assert "assignee" in exc.value.message_dict
    assert not Task.objects.exists()


def test_admin_gives_tasks_to_anyone(admin_user, manager, manager2, operator, marketer):
    for person in (manager, manager2, operator, marketer):
        services.task_create(actor=admin_user, title="Check", due_at=_in(1), assignee=person)

    assert Task.objects.filter(created_by=admin_user).count() == 4
    assert Notification.objects.filter(kind="task-assigned").count() == 4


def test_supervisor_gives_tasks_to_operators(supervisor, operator):
    task = services.task_create(
        actor=supervisor, title="Listen to call 42", due_at=_in(1), assignee=operator
    )

    assert task.assignee == operator


def test_nobody_gives_tasks_to_a_deactivated_user(admin_user, manager):
    manager.is_active = False
    manager.save()

    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=admin_user, title="Check", due_at=_in(1), assignee=manager)

    assert "assignee" in exc.value.message_dict


# --- task_update ---------------------------------------------------------------------------


def test_task_update_changes_the_fields(manager):
    task = TaskFactory(assignee=manager)
    new_due = _in(48)

    services.task_update(
        actor=manager, task=task, title=" Renamed ", due_at=new_due, priority=Task.Priority.HIGH
    )

    task.refresh_from_db()
    assert (task.title, task.due_at, task.priority) == ("Renamed", new_due, Task.Priority.HIGH)


def test_task_update_refuses_an_empty_title_and_saves_nothing(manager):
    task = TaskFactory(assignee=manager, title="Keep me")

    with pytest.raises(ValidationError) as exc:
        services.task_update(actor=manager, task=task, title="  ", description="changed too")

    assert "title" in exc.value.message_dict
    stored = Task.objects.get(pk=task.pk)
    assert (stored.title, stored.description) == ("Keep me", "")


def test_task_update_refuses_a_reminder_after_the_due_time_and_saves_nothing(manager):
    task = TaskFactory(assignee=manager, due_at=_in(10), remind_at=_in(5))
    before = Task.objects.get(pk=task.pk)

    with pytest.raises(ValidationError) as exc:
        services.task_update(actor=manager, task=task, remind_at=_in(11))

    assert "remind_at" in exc.value.message_dict
    stored = Task.objects.get(pk=task.pk)
    assert stored.remind_at == before.remind_at


def test_task_update_refuses_moving_due_before_the_reminder(manager):
    due = _in(10)
    task = TaskFactory(assignee=manager, due_at=due, remind_at=_in(5))

    with pytest.raises(ValidationError) as exc:
        services.task_update(actor=manager, task=task, due_at=_in(4))

    assert "remind_at" in exc.value.message_dict
    assert Task.objects.get(pk=task.pk).due_at == due


def test_task_update_rejects_fields_that_are_not_editable(manager):
    task = TaskFactory(assignee=manager)

    with pytest.raises(ValueError, match="status"):
        services.task_update(actor=manager, task=task, status=Task.Status.DONE)


def test_manager_cannot_edit_another_managers_task(manager, manager2):
    task = TaskFactory(assignee=manager2, title="Theirs")

    with pytest.raises(PermissionDenied):
        services.task_update(actor=manager, task=task, title="Mine now")

    assert Task.objects.get(pk=task.pk).title == "Theirs"


def test_manager_cannot_hand_their_task_to_another_manager(manager, manager2):
    task = TaskFactory(assignee=manager)

    with pytest.raises(ValidationError) as exc:
        services.task_update(actor=manager, task=task, assignee=manager2)

    assert "assignee" in exc.value.message_dict
    assert Task.objects.get(pk=task.pk).assignee == manager


def test_head_reassigns_within_the_team(head, manager, team_a):
    colleague = UserFactory(role=Role.MANAGER, team=team_a)
    task = TaskFactory(assignee=manager)

    services.task_update(actor=head, task=task, assignee=colleague)

    assert Task.objects.get(pk=task.pk).assignee == colleague


def test_moving_a_reminder_makes_it_due_again(manager):
    # given a reminder that was already sent
    task = TaskFactory(assignee=manager, due_at=_in(10), remind_at=_in(-1), reminded_at=_in(-1))

    # when it is moved
    services.task_update(actor=manager, task=task, remind_at=_in(1))

    # then it will be sent again at its new time
    task.refresh_from_db()
    assert task.reminded_at is None
    assert services.reminders_send_due(now=_in(2)) == 1
    assert Notification.objects.filter(recipient=manager, kind="task-reminder").count() == 1


def test_editing_other_fields_keeps_a_sent_reminder_sent(manager):
    sent_at = _in(-1)
    task = TaskFactory(assignee=manager, due_at=_in(10), remind_at=_in(-1), reminded_at=sent_at)

    services.task_update(actor=manager, task=task, title="Renamed", remind_at=task.remind_at)

    task.refresh_from_db()
    assert task.reminded_at == sent_at
    assert services.reminders_send_due() == 0


# --- task_set_status -----------------------------------------------------------------------


def test_done_records_completion_and_reopening_clears_it(manager):
    task = TaskFactory(assignee=manager)

    services.task_set_status(actor=manager, task=task, status=Task.Status.DONE)
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert task.completed_at is not None

    services.task_set_status(actor=manager, task=task, status=Task.Status.OPEN)
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN
    assert task.completed_at is None


def test_unknown_status_is_refused(manager):
    task = TaskFactory(assignee=manager)

    with pytest.raises(ValidationError) as exc:
        services.task_set_status(actor=manager, task=task, status="archived")

    assert "status" in exc.value.message_dict
    assert Task.objects.get(pk=task.pk).status == Task.Status.OPEN


def test_manager_cannot_close_another_managers_task(manager, manager2):
    task = TaskFactory(assignee=manager2)

    with pytest.raises(PermissionDenied):
        services.task_set_status(actor=manager, task=task, status=Task.Status.DONE)

    assert Task.objects.get(pk=task.pk).status == Task.Status.OPEN


def test_a_done_task_is_not_reminded(manager):
    task = TaskFactory(assignee=manager, due_at=_in(10), remind_at=_in(-1))
    services.task_set_status(actor=manager, task=task, status=Task.Status.DONE)

    assert services.reminders_send_due() == 0
    assert not Notification.objects.exists()


# --- notifications -------------------------------------------------------------------------


def test_notification_create_is_once_per_event(manager):
    first = services.notification_create(recipient=manager, title="Hi", dedupe_key="event:1")
    again = services.notification_create(recipient=manager, title="Hi", dedupe_key="event:1")

    assert first is not None
    assert again is None
    assert Notification.objects.count() == 1


def test_notifications_mark_read_touches_only_own(manager, manager2):
    mine = [
        services.notification_create(recipient=manager, title=f"n{i}", dedupe_key=f"e:{i}")
        for i in range(3)
    ]
    theirs = services.notification_create(recipient=manager2, title="x", dedupe_key="e:x")

    assert services.notifications_mark_read(user=manager, ids=[mine[0].pk, theirs.pk]) == 1
    assert services.notifications_mark_read(user=manager) == 2
    theirs.refresh_from_db()
    assert theirs.read_at is None

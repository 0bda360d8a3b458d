"""Roles are groups whose permissions are defined in code and synced after every migrate."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from crm.models import Role
from crm.roles import role_permissions, roles_sync
from crm.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _names(group: Group) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN], ids=str)
def test_role_group_has_exactly_the_permissions_in_code(role):
    group = Group.objects.get(name=role.value)

    assert _names(group) == role_permissions(role.value)


def test_admin_group_has_every_permission():
    group = Group.objects.get(name=Role.ADMIN)

    assert group.permissions.count() == Permission.objects.count()


def test_sync_restores_a_removed_permission_and_removes_an_extra_one():
    # given a group edited by hand
    managers = Group.objects.get(name=Role.MANAGER)
    managers.permissions.remove(Permission.objects.get(codename="add_task"))
    managers.permissions.add(
        Permission.objects.get(codename="view_accesslog", content_type__app_label="crm")
    )

    # when the roles are synced (every migrate does it)
    roles_sync()

    # then the group matches the code again
    assert _names(managers) == role_permissions(Role.MANAGER)


def test_permissions_reach_users_through_their_role():
    manager = UserFactory(role=Role.MANAGER)
    supervisor = UserFactory(role=Role.SUPERVISOR)

    assert manager.has_perm("crm.add_task")
    assert not manager.has_perm("crm.view_accesslog")
    assert supervisor.has_perm("crm.view_accesslog")
    assert manager.has_role(Role.MANAGER)
    assert not manager.has_role(Role.HEAD, Role.ADMIN)


def test_a_superuser_counts_as_admin_without_the_group():
    root = UserFactory(is_superuser=True)

    assert root.has_role(Role.ADMIN)
    assert not root.has_role(Role.MANAGER)


def test_role_labels_are_human_readable():
    person = UserFactory(roles=[Role.OPERATOR, Role.SUPERVISOR])

    assert person.role_labels == ["Operator", "Supervisor"]

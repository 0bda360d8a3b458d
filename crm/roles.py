"""Roles as groups with their permissions, defined in code.

Each app adds the permissions its screens need with ``grant(role, [...])`` in its
``AppConfig.ready()``; ``roles_sync()`` (run after every migrate, and by the first data
migration) makes the groups in the database match this table exactly.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import Role

_ALL = "__all__"

ROLE_PERMISSIONS: dict[str, set[str]] = defaultdict(set)


def grant(role: str, permissions: list[str]) -> None:
    """Give ``role`` the permissions named "app_label.codename"."""
    ROLE_PERMISSIONS[role].update(permissions)


grant(Role.ADMIN, [_ALL])
_TASKS = ["crm.view_task", "crm.add_task", "crm.change_task"]
grant(Role.HEAD, [*_TASKS, "crm.view_user", "crm.view_team", "crm.change_team"])
grant(Role.MANAGER, _TASKS)
grant(Role.OPERATOR, _TASKS)
grant(Role.SUPERVISOR, [*_TASKS, "crm.view_user", "crm.view_team", "crm.view_accesslog"])
grant(Role.MARKETER, _TASKS)


def _permissions(names: set[str]) -> list[Permission]:
    if _ALL in names:
        return list(Permission.objects.all())
    wanted = {tuple(n.split(".", 1)) for n in names}
    labels = {app for app, _ in wanted}
    return [
        p
        for p in Permission.objects.filter(content_type__app_label__in=labels).select_related(
            "content_type"
        )
        if (p.content_type.app_label, p.codename) in wanted
    ]


@transaction.atomic
def roles_sync() -> None:
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set(_permissions(ROLE_PERMISSIONS[role.value]))


def role_allows(user, permission: str) -> bool:
    """Whether one of ``user``'s roles grants ``permission``, read from the table above.

    For the layout (which menu entries to show) on every page: it costs no query beyond the
    user's roles, which the page loads anyway. Views still check ``user.has_perm``.
    """
    if user.is_superuser:
        return True
    return any(
        _ALL in ROLE_PERMISSIONS[role] or permission in ROLE_PERMISSIONS[role]
        for role in user.roles
    )

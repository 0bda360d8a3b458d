"""Roles as groups with their permissions, defined in code.

``ROLE_GRANTS`` holds, for each app, the permissions its screens need per role; each app
registers its grants from its ``AppConfig.ready()``. ``roles_sync()`` (run after every migrate,
and by the first data migration) makes the groups in the database match the union exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import Role
from .registry import Registry

_ALL = "__all__"

# One entry per app: {role: permissions named "app_label.codename"}.
Grants = Mapping[str, Iterable[str]]
ROLE_GRANTS: Registry[Grants] = Registry("role grants")


def role_permissions(role: str) -> set[str]:
    """What every app grants ``role``."""
    return {p for grants in ROLE_GRANTS for p in grants.get(role, ())}


def role_grants_register() -> None:
    """The core's permissions; called from ``CrmConfig.ready()``."""
    tasks = ["crm.view_task", "crm.add_task", "crm.change_task"]
    ROLE_GRANTS.register(
        "crm",
        {
            Role.ADMIN: [_ALL],
            Role.HEAD: [*tasks, "crm.view_user", "crm.view_team", "crm.change_team"],
            Role.MANAGER: tasks,
            Role.OPERATOR: tasks,
            Role.SUPERVISOR: [*tasks, "crm.view_user", "crm.view_team", "crm.view_accesslog"],
            Role.MARKETER: tasks,
        },
        order=0,
    )


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
        group.permissions.set(_permissions(role_permissions(role.value)))


def role_allows(user, permission: str) -> bool:
    """Whether one of ``user``'s roles grants ``permission``, read from ``ROLE_GRANTS``.

    For the layout (which menu entries to show) on every page: it costs no query beyond the
    user's roles, which the page loads anyway. Views still check ``user.has_perm``.
    """
    if user.is_superuser:
        return True
    for role in user.roles:
        granted = role_permissions(role)
        if _ALL in granted or permission in granted:
            return True
    return False

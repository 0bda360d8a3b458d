"""The staff UI's navigation: a registry that each app adds its areas to.

Areas not built yet point at an honest "coming soon" page; an app that builds the area
replaces the entry with ``nav_register`` under the same key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    icon: str
    order: int
    url_kwargs: dict = field(default_factory=dict)
    permission: str | None = None


_REGISTRY: dict[str, NavItem] = {}


def nav_register(item: NavItem) -> None:
    _REGISTRY[item.key] = item


def navigation_for(user) -> list[NavItem]:
    from .roles import role_allows

    return sorted(
        (i for i in _REGISTRY.values() if i.permission is None or role_allows(user, i.permission)),
        key=lambda i: i.order,
    )


for _order, (_key, _label, _icon) in enumerate(
    [
        ("contacts", _("Contacts"), "users"),
        ("deals", _("Deals"), "funnel"),
        ("tickets", _("Tickets"), "inbox"),
        ("knowledgebase", _("Knowledge base"), "book"),
        ("marketing", _("Marketing"), "megaphone"),
        ("reports", _("Reports"), "chart"),
    ],
    start=2,
):
    nav_register(
        NavItem(_key, _label, "area-coming", _icon, _order * 10, url_kwargs={"area": _key})
    )
nav_register(NavItem("home", _("Home"), "home", "home", 0))
nav_register(NavItem("tasks", _("My tasks"), "task-list", "check", 10))
nav_register(NavItem("settings", _("Settings"), "settings", "gear", 90))

"""The staff UI's navigation: ``NAVIGATION``, a registry each app adds its areas to.

This is the one list of areas. Areas no app has built yet are registered here and point at an
honest "coming soon" page; the app that builds an area registers its own entry under the same
key from its ``AppConfig.ready()`` (contacts does), and the placeholder goes from this list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .registry import Registry
from .roles import role_allows

COMING_SOON = "area-coming"


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    url_kwargs: dict = field(default_factory=dict)
    # Shown only to roles that have it; the page itself still checks.
    permission: str | None = None
    # Not shown to roles that have this one: they reach the page from another entry.
    unless: str | None = None

    @property
    def is_coming_soon(self) -> bool:
        return self.url_name == COMING_SOON


NAVIGATION: Registry[NavItem] = Registry("navigation")


def navigation_for(user) -> list[NavItem]:
    return [
        i
        for i in NAVIGATION
        if (i.permission is None or role_allows(user, i.permission))
        and not (i.unless and role_allows(user, i.unless))
    ]


def navigation_register() -> None:
    """The core's entries and the areas still to come; called from ``CrmConfig.ready()``."""
    NAVIGATION.register("home", NavItem(_("Home"), "home", "home"), order=0)
    NAVIGATION.register("tasks", NavItem(_("My tasks"), "task-list", "check"), order=10)
    # 20 is the customer base (contacts/navigation.py).
    for order, (key, label, icon) in enumerate(
        [
            ("deals", _("Deals"), "funnel"),
            ("tickets", _("Tickets"), "inbox"),
            ("knowledgebase", _("Knowledge base"), "book"),
            ("marketing", _("Marketing"), "megaphone"),
            ("reports", _("Reports"), "chart"),
        ],
        start=3,
    ):
        item = NavItem(label, COMING_SOON, icon, url_kwargs={"area": key})
        NAVIGATION.register(key, item, order=order * 10)
    NAVIGATION.register("settings", NavItem(_("Settings"), "settings", "gear"), order=90)

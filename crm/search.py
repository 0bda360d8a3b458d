"""The global search box: ``SEARCH_PROVIDERS``, a registry each app adds its own search to.

A provider is ``fn(user, query) -> SearchGroup | None``; it must scope results to what the
user may see (use the app's selector) and answer with a bounded number of rows. Groups appear
by ascending ``order`` (clients first, then the rest).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .registry import Registry
from .selectors import tasks_visible_to


@dataclass
class SearchHit:
    title: str
    url: str
    subtitle: str = ""


@dataclass
class SearchGroup:
    label: str
    hits: list[SearchHit] = field(default_factory=list)


Provider = Callable[[object, str], SearchGroup | None]
SEARCH_PROVIDERS: Registry[Provider] = Registry("search providers")


def search_text(query: str | None, *, limit: int = 100) -> str:
    """What a search box sent, bounded, without the NUL bytes PostgreSQL text cannot hold
    (a pasted "\x00" must find nothing, not fail)."""
    return (query or "").replace("\x00", "").strip()[:limit]


def search_all(user, query: str) -> list[SearchGroup]:
    query = search_text(query)
    if not query:
        return []
    groups = []
    for provider in SEARCH_PROVIDERS:
        group = provider(user, query)
        if group is not None and group.hits:
            groups.append(group)
    return groups


def _search_tasks(user, query: str) -> SearchGroup:
    tasks = tasks_visible_to(user).filter(title__icontains=query).order_by("-due_at")[:10]
    return SearchGroup(
        label=str(_("Tasks")),
        hits=[
            SearchHit(title=t.title, url=t.get_absolute_url(), subtitle=str(t.assignee))
            for t in tasks
        ],
    )


def search_providers_register() -> None:
    """The core's own search; called from ``CrmConfig.ready()``."""
    SEARCH_PROVIDERS.register("tasks", _search_tasks, order=900)

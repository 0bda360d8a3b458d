"""One shape for every extension point: a named, ordered table that apps fill at startup.

A lower app never imports a higher one (see docs/decisions.md); where it needs something from
the apps built on it — a menu entry, a search, demo data, a block on the client's card — it
offers a ``Registry`` and each app registers its entries from its ``AppConfig.ready()``, by
calling one ``<point>_register()`` function of its own module. Nothing registers as a side
effect of being imported, so what is registered does not depend on which modules happened to
be imported first.

The extension points (the registry, what an entry is, the function that fills it):

- ``crm.navigation.NAVIGATION``: an area of the menu (``NavItem``); ``navigation_register()``.
- ``crm.search.SEARCH_PROVIDERS``: one search of the global box; ``search_providers_register()``.
- ``crm.roles.ROLE_GRANTS``: one app's permissions for each role; ``role_grants_register()``.
- ``crm.demo.DEMO_LOADERS``: a demo data set; ``demo_loaders_register()``.
- ``contacts.hooks.CARD_BLOCKS``: a block on the client's card; ``card_blocks_register()``.
- ``contacts.hooks.MERGE_MOVERS``: records that follow a merged contact;
  ``merge_movers_register()``.
- ``crm.task_subjects.TASK_SUBJECTS``: a kind of record a task can be about, with the selector
  that scopes it; ``task_subjects_register()``.
- ``crm.jobs.kinds.JOB_KINDS``: a kind of long job with a progress bar (``JobKind``);
  ``job_kinds_register()``, through ``job_kind_register(kind)``, which checks the kind.

Entries come out by ascending ``order``, then by key, whatever order the apps started in.
Registering a key again replaces the entry (``ready()`` may run more than once in tests), which
is also how an app takes over an entry of a lower one.

In a test, ``with registry.override(): registry.register(...)`` (or the ``registry_override``
fixture) changes a registry for the duration of the block and restores it afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar, overload

T = TypeVar("T")

DEFAULT_ORDER = 100


@dataclass(frozen=True)
class _Entry(Generic[T]):
    item: T
    order: int


class Registry(Generic[T]):
    """Named entries in a stable order: ``register``, ``get``, ``items``, iteration."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: dict[str, _Entry[T]] = {}

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {', '.join(self.keys())}>"

    @overload
    def register(self, key: str, item: T, *, order: int = DEFAULT_ORDER) -> T: ...

    @overload
    def register(self, key: str, *, order: int = DEFAULT_ORDER) -> Callable[[T], T]: ...

    def register(self, key, item=None, *, order=DEFAULT_ORDER):
        """Add ``item`` under ``key``, replacing what was there; without ``item``, a decorator
        that registers the function it decorates."""
        if item is None:

            def decorator(function: T) -> T:
                self.register(key, function, order=order)
                return function

            return decorator
        self._entries[key] = _Entry(item=item, order=order)
        return item

    def unregister(self, key: str) -> None:
        """Take ``key`` out (a test's override of an extension point)."""
        self._entries.pop(key, None)

    def get(self, key: str, default: T | None = None) -> T | None:
        entry = self._entries.get(key)
        return default if entry is None else entry.item

    def items(self) -> list[tuple[str, T]]:
        ordered = sorted(self._entries.items(), key=lambda kv: (kv[1].order, kv[0]))
        return [(key, entry.item) for key, entry in ordered]

    def keys(self) -> list[str]:
        return [key for key, _item in self.items()]

    def __iter__(self) -> Iterator[T]:
        return iter([item for _key, item in self.items()])

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    @contextmanager
    def override(self, *, clear: bool = False) -> Iterator[Registry[T]]:
        """Change the registry inside the block (``clear`` starts it empty); on the way out
        it holds exactly what it held before, whatever the block registered."""
        saved = dict(self._entries)
        if clear:
            self._entries.clear()
        try:
            yield self
        finally:
            self._entries.clear()
            self._entries.update(saved)

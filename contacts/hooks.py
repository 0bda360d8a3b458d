"""Extension points of the customer base, filled from ``AppConfig.ready()`` (see crm/registry.py).

- ``CARD_BLOCKS``: a block on the client's card (the open tasks about the client today; deals,
  tickets and invoices next). A provider is ``fn(contact, user) -> CardBlock | None``; blocks
  appear by the ``order`` they were registered with.
- ``MERGE_MOVERS``: records that move to the kept contact on a merge, and back on undo.

Which contacts a user may see is decided in ``contacts/selectors.py`` alone; an app that widens
it (the contacts of a manager's deals) will add its rule there with its first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crm.registry import Registry


@dataclass
class CardBlock:
    """What a provider returns: a title, the template that renders the block and its context
    (the template also gets ``contact``, ``user`` and ``block``)."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


CardBlockProvider = Callable[[Any, Any], CardBlock | None]  # (contact, user) -> block
CARD_BLOCKS: Registry[CardBlockProvider] = Registry("card blocks")


def card_blocks(contact, user) -> list[CardBlock]:
    """The blocks of ``contact``'s card that ``user`` sees, in order; a provider answers
    None when it has nothing to show them."""
    return [b for b in (provider(contact, user) for provider in CARD_BLOCKS) if b is not None]


@dataclass(frozen=True)
class MergeMover:
    """Moves one kind of record from the dropped contact to the kept one, and back on undo.

    ``move(kept, dropped) -> list of moved primary keys`` and
    ``undo(kept, dropped, ids) -> None``.
    """

    move: Callable[[Any, Any], list]
    undo: Callable[[Any, Any, list], None]


MERGE_MOVERS: Registry[MergeMover] = Registry("merge movers")


def merge_movers() -> dict[str, MergeMover]:
    return dict(MERGE_MOVERS.items())

"""Extension points that apps built on contacts fill in from their ``AppConfig.ready()``.

- ``card_block_register``: a block on the 360° card (deals, tickets, invoices…).
- ``merge_register``: records of another app that move to the kept contact on a merge.
- ``visibility_register``: extra contacts a user may see (e.g. the contacts of their deals).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q


@dataclass
class CardBlock:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


CardBlockProvider = Callable[[Any, Any], CardBlock | None]  # (contact, user) -> block
_CARD_BLOCKS: dict[str, CardBlockProvider] = {}


def card_block_register(key: str, provider: CardBlockProvider) -> None:
    _CARD_BLOCKS[key] = provider


def card_blocks(contact, user) -> list[CardBlock]:
    blocks = [b for b in (p(contact, user) for p in _CARD_BLOCKS.values()) if b is not None]
    return sorted(blocks, key=lambda b: b.order)


@dataclass(frozen=True)
class MergeMover:
    """Moves one kind of record from the dropped contact to the kept one, and back on undo.

    ``move(kept, dropped) -> list of moved primary keys`` and
    ``undo(kept, dropped, ids) -> None``.
    """

    move: Callable[[Any, Any], list]
    undo: Callable[[Any, Any, list], None]


_MERGE_MOVERS: dict[str, MergeMover] = {}


def merge_register(key: str, mover: MergeMover) -> None:
    _MERGE_MOVERS[key] = mover


def merge_movers() -> dict[str, MergeMover]:
    return dict(_MERGE_MOVERS)


VisibilityRule = Callable[[Any], Q | None]  # (user) -> extra Q over Contact
_VISIBILITY: dict[str, VisibilityRule] = {}


def visibility_register(key: str, rule: VisibilityRule) -> None:
    _VISIBILITY[key] = rule


def visibility_extra(user) -> Q | None:
    extra = None
    for rule in _VISIBILITY.values():
        q = rule(user)
        if q is not None:
            extra = q if extra is None else extra | q
    return extra

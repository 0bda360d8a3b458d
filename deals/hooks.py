"""Extension points of sales, filled from ``AppConfig.ready()`` (see crm/registry.py).

- ``DEAL_CARD_BLOCKS``: a block on the deal's card (product lines, invoices, automation runs);
  a provider is ``fn(deal, user) -> DealCardBlock | None`` and blocks appear by ``order``.
- ``LEAD_CARD_BLOCKS``: the same for the lead's card (why it was assigned to whom).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crm.registry import Registry


@dataclass
class DealCardBlock:
    """A title, the template that renders the block and its context (the template also gets
    ``deal``, ``user`` and ``block``)."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


DealCardBlockProvider = Callable[[Any, Any], DealCardBlock | None]  # (deal, user) -> block
DEAL_CARD_BLOCKS: Registry[DealCardBlockProvider] = Registry("deal card blocks")


def deal_card_blocks(deal, user) -> list[DealCardBlock]:
    return [b for b in (provider(deal, user) for provider in DEAL_CARD_BLOCKS) if b is not None]


LEAD_CARD_BLOCKS: Registry[DealCardBlockProvider] = Registry("lead card blocks")


def lead_card_blocks(lead, user) -> list[DealCardBlock]:
    return [b for b in (provider(lead, user) for provider in LEAD_CARD_BLOCKS) if b is not None]

"""Sales on the client's card and around it: the contact's deals (``contacts.hooks``), the
records that follow a merged contact, deals as task subjects, deals in the global search."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _

from contacts.hooks import CARD_BLOCKS, MERGE_MOVERS, CardBlock, MergeMover
from crm.search import SEARCH_PROVIDERS, SearchGroup, SearchHit
from crm.task_subjects import TASK_SUBJECTS

from .selectors.deals import deals_of_contact, deals_visible_to

DEAL_HITS = 6


def contact_deals_block(contact, user) -> CardBlock | None:
    """The client's deals that ``user`` may see, with their stage and amount."""
    if not user.has_perm("deals.view_deal"):
        return None
    create_url = ""
    if user.has_perm("deals.add_deal"):
        create_url = f"{reverse('deals:deal-create')}?contact={contact.pk}"
    return CardBlock(
        title=_("Deals"),
        template="deals/deal/_contact_block.html",
        context={"deals": deals_of_contact(user, contact), "create_url": create_url},
    )


def _move_contact_fk(model_label: str):
    """Move ``model``'s ``contact`` from the dropped contact to the kept one, and back."""

    def model() -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(model_label)

    def move(kept, dropped) -> list:
        ids = list(model().objects.filter(contact=dropped).values_list("pk", flat=True))
        model().objects.filter(pk__in=ids).update(contact=kept)
        return ids

    def undo(kept, dropped, ids: list) -> None:
        model().objects.filter(pk__in=ids).update(contact=dropped)

    return MergeMover(move, undo)


def search_deals(user, query: str) -> SearchGroup | None:
    if not user.has_perm("deals.view_deal"):
        return None
    deals = list(
        deals_visible_to(user)
        .filter(title__icontains=query)
        .select_related("stage", "contact")
        .order_by("-created_at", "-id")[:DEAL_HITS]
    )
    if not deals:
        return None
    return SearchGroup(
        label=_("Deals"),
        hits=[
            SearchHit(
                title=d.title,
                url=d.get_absolute_url(),
                subtitle=" · ".join(str(p) for p in (d.stage, d.contact) if p),
            )
            for d in deals
        ],
    )


def blocks_register() -> None:
    """Called from ``DealsConfig.ready()``."""
    CARD_BLOCKS.register("deals", contact_deals_block, order=20)
    MERGE_MOVERS.register("deals", _move_contact_fk("deals.Deal"))
    MERGE_MOVERS.register("leads", _move_contact_fk("deals.Lead"))
    MERGE_MOVERS.register("invoices", _move_contact_fk("deals.Invoice"))
    TASK_SUBJECTS.register("deals.deal", deals_visible_to)
    SEARCH_PROVIDERS.register("deals", search_deals, order=30)

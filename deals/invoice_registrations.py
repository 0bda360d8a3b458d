"""The deal card's blocks of products and invoices, and the invoices' tasks.

``invoices_register()`` is called from ``DealsConfig.ready()``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .hooks import DEAL_CARD_BLOCKS, DealCardBlock


def lines_block_context(deal, user) -> dict:
    from .forms_invoices import DealLineAddForm
    from .services.products import amounts_of, lines_total

    lines = list(deal.lines.all())
    for line in lines:
        line.qty_display = f"{line.quantity.normalize():f}"
    rows = [(line, amounts_of(line)) for line in lines]
    return {
        "rows": rows,
        "totals": lines_total(a for _line, a in rows),
        "add_form": DealLineAddForm(),
        "can_edit": user.has_perm("deals.change_dealline"),
        "can_add": user.has_perm("deals.add_dealline"),
        "can_remove": user.has_perm("deals.delete_dealline"),
    }


def deal_lines_block(deal, user) -> DealCardBlock | None:
    if not user.has_perm("deals.view_dealline"):
        return None
    return DealCardBlock(
        title=str(_("Products")),
        template="deals/products/_deal_lines.html",
        context=lines_block_context(deal, user),
    )


def deal_invoices_block(deal, user) -> DealCardBlock | None:
    if not user.has_perm("deals.view_invoice"):
        return None
    from .selectors.invoices import invoices_visible_to

    invoices = list(invoices_visible_to(user).filter(deal=deal).order_by("-year", "-number"))
    return DealCardBlock(
        title=str(_("Invoices")),
        template="deals/invoices/_deal_invoices.html",
        context={
            "invoices": invoices,
            "can_create": user.has_perm("deals.add_invoice"),
        },
    )


def invoices_register() -> None:
    from . import tasks_invoices  # noqa: F401  (the worker learns the invoices' tasks)

    DEAL_CARD_BLOCKS.register("deals.products", deal_lines_block, order=20)
    DEAL_CARD_BLOCKS.register("deals.invoices", deal_invoices_block, order=30)

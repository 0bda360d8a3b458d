"""Sales' areas in the staff UI's menu (crm/navigation.py)."""

from django.utils.translation import gettext_lazy as _

from crm.navigation import NAVIGATION, NavItem


def navigation_register() -> None:
    """Called from ``DealsConfig.ready()``; "deals" takes the place the core kept for it."""
    NAVIGATION.register(
        "deals",
        NavItem(_("Deals"), "deals:board-default", "funnel", permission="deals.view_deal"),
        order=30,
    )
    NAVIGATION.register(
        "leads",
        NavItem(_("Leads"), "deals:lead-list", "inbox", permission="deals.view_lead"),
        order=25,
    )
    # Operators take requests by phone: they write leads down but do not list them; whoever
    # lists leads starts a new one from the list.
    NAVIGATION.register(
        "lead-new",
        NavItem(
            _("New lead"),
            "deals:lead-create",
            "plus",
            permission="deals.add_lead",
            unless="deals.view_lead",
        ),
        order=26,
    )
    NAVIGATION.register(
        "invoices",
        NavItem(_("Invoices"), "deals:invoice-list", "file", permission="deals.view_invoice"),
        order=32,
    )
    NAVIGATION.register(
        "products",
        NavItem(_("Products"), "deals:product-list", "box", permission="deals.view_product"),
        order=34,
    )
    NAVIGATION.register(
        "forecast",
        NavItem(_("Forecast"), "deals:forecast", "chart", permission="deals.view_forecast"),
        order=36,
    )

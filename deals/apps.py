from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from . import (
            blocks,
            demo,
            invoice_registrations,
            lead_registrations,
            navigation,
            robots,
            roles,
            routing,
        )

        # Sales' entries in the extension points (crm/registry.py): each module registers one
        # part — role grants, menu, demo data, the blocks of the contact and deal cards, the
        # lead as an item the routing engine assigns, the events and actions of robots, the
        # product lines and invoices on the deal's card.
        roles.role_grants_register()
        navigation.navigation_register()
        demo.demo_loaders_register()
        blocks.blocks_register()
        routing.routing_kinds_register()
        robots.automation_register()
        invoice_registrations.invoices_register()
        lead_registrations.leads_register()

"""The customer base in the staff UI's navigation."""

from django.utils.translation import gettext_lazy as _

from crm.navigation import NAVIGATION, NavItem


def navigation_register() -> None:
    """Called from ``ContactsConfig.ready()``."""
    # Operators open any caller's card (from search or a call) but do not browse the base.
    NAVIGATION.register(
        "contacts",
        NavItem(
            _("Contacts"), "contacts:contact-list", "users", permission="contacts.list_contact"
        ),
        order=20,
    )

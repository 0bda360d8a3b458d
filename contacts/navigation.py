"""The customer base in the staff UI's navigation (replaces the "coming soon" entry)."""

from django.utils.translation import gettext_lazy as _

from crm.navigation import NavItem, nav_register

# Operators open any caller's card (from search or a call) but do not browse the base.
nav_register(
    NavItem(
        "contacts",
        _("Contacts"),
        "contacts:contact-list",
        "users",
        20,
        permission="contacts.list_contact",
    )
)

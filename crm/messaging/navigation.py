"""Messages in the staff UI's navigation."""

from django.utils.translation import gettext_lazy as _

from crm.navigation import NAVIGATION, NavItem


def navigation_register() -> None:
    """Called from ``MessagingConfig.ready()``: next to the settings, for those who edit
    templates."""
    NAVIGATION.register(
        "messaging",
        NavItem(
            _("Messages"),
            "messaging:template-list",
            "mail",
            permission="messaging.view_messagetemplate",
        ),
        order=85,
    )

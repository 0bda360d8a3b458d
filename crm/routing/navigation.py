"""Lead distribution in the staff UI's menu (crm/navigation.py), for those who set it."""

from django.utils.translation import gettext_lazy as _

from crm.navigation import NAVIGATION, NavItem


def navigation_register() -> None:
    """Called from ``RoutingConfig.ready()``."""
    NAVIGATION.register(
        "routing",
        NavItem(
            _("Lead distribution"),
            "routing:rule-list",
            "users",
            permission="routing.view_routingrule",
        ),
        order=85,
    )

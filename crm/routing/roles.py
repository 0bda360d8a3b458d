"""What each role may do with routing (see crm/roles.py): heads of sales set the rules and
people's routing profiles and read the assignment log; admins have everything."""

from crm.models import Role
from crm.roles import ROLE_GRANTS


def role_grants_register() -> None:
    """Called from ``RoutingConfig.ready()``."""
    ROLE_GRANTS.register(
        "routing",
        {
            Role.HEAD: [
                "routing.view_routingrule",
                "routing.add_routingrule",
                "routing.change_routingrule",
                "routing.delete_routingrule",
                "routing.view_routingprofile",
                "routing.change_routingprofile",
                "routing.view_assignment",
            ],
        },
    )

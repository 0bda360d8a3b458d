"""Who may do what with rules and runs (see crm/roles.py): a head of sales sets up robots and
triggers; whoever works with objects reads their runs (the selector says which)."""

from crm.models import Role
from crm.roles import ROLE_GRANTS

RULES = [f"automation.{verb}_automationrule" for verb in ("view", "add", "change", "delete")]
RUNS = ["automation.view_automationrun"]


def role_grants_register() -> None:
    ROLE_GRANTS.register(
        "automation",
        {
            Role.HEAD: [*RULES, *RUNS],
            Role.MANAGER: RUNS,
            Role.SUPERVISOR: RUNS,
        },
    )

"""Who may do what with messages (see crm/roles.py)."""

from crm.models import Role
from crm.roles import ROLE_GRANTS

# Writing templates and keeping the suppression list: those who speak to clients in bulk.
EDITORS = [
    "messaging.view_messagetemplate",
    "messaging.add_messagetemplate",
    "messaging.change_messagetemplate",
    "messaging.delete_messagetemplate",
    "messaging.view_suppression",
    "messaging.add_suppression",
    "messaging.delete_suppression",
    "messaging.view_outboundmessage",
]
# Sending a message from a template (an invoice, a reply): everyone who works with clients.
SEND = ["messaging.add_outboundmessage"]


def role_grants_register() -> None:
    """Called from ``MessagingConfig.ready()``."""
    ROLE_GRANTS.register(
        "messaging",
        {
            Role.HEAD: [*EDITORS, *SEND],
            Role.MARKETER: [*EDITORS, *SEND],
            Role.MANAGER: SEND,
            Role.OPERATOR: SEND,
        },
    )

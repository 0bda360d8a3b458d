"""What each role may do in the customer base (see crm/roles.py)."""

from crm.models import Role
from crm.roles import ROLE_GRANTS


def role_grants_register() -> None:
    """Called from ``ContactsConfig.ready()``."""
    crud = [
        f"contacts.{verb}_{model}"
        for model in (
            "contact",
            "company",
            "phone",
            "email",
            "interaction",
            "consent",
            "purchase",
        )
        for verb in ("view", "add", "change")
    ]
    ROLE_GRANTS.register(
        "contacts",
        {
            Role.HEAD: [
                *crud,
                "contacts.list_contact",
                "contacts.export_contact",
                "contacts.merge_contact",
                "contacts.import_contact",
                "contacts.view_customfield",
            ],
            Role.MANAGER: [
                *crud,
                "contacts.list_contact",
                "contacts.export_contact",
                "contacts.view_customfield",
            ],
            # Operators open and update any caller, but cannot list or export the base.
            Role.OPERATOR: [*crud, "contacts.view_customfield"],
            Role.SUPERVISOR: [
                "contacts.view_contact",
                "contacts.view_company",
                "contacts.view_interaction",
                "contacts.list_contact",
                "contacts.view_customfield",
            ],
            Role.MARKETER: [
                "contacts.view_contact",
                "contacts.view_company",
                "contacts.view_consent",
                "contacts.list_contact",
                "contacts.export_contact",
                "contacts.view_customfield",
            ],
        },
    )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from crm.models import Role
        from crm.roles import grant

        # Imported for what they register: demo data, navigation and search.
        from . import demo, hooks, navigation, search_provider  # noqa: F401
        from .services import merge_movers_register

        merge_movers_register()

        from crm.jobs.kinds import job_kinds

        from .imports.steps import CONTACT_IMPORT

        job_kinds.register(CONTACT_IMPORT)

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
        grant(
            Role.HEAD,
            [
                *crud,
                "contacts.list_contact",
                "contacts.export_contact",
                "contacts.merge_contact",
                "contacts.import_contact",
                "contacts.view_customfield",
            ],
        )
        grant(
            Role.MANAGER,
            [
                *crud,
                "contacts.list_contact",
                "contacts.export_contact",
                "contacts.view_customfield",
            ],
        )
        # Operators open and update any caller, but cannot list or export the base.
        grant(Role.OPERATOR, [*crud, "contacts.view_customfield"])
        grant(
            Role.SUPERVISOR,
            [
                "contacts.view_contact",
                "contacts.view_company",
                "contacts.view_interaction",
                "contacts.list_contact",
                "contacts.view_customfield",
            ],
        )
        grant(
            Role.MARKETER,
            [
                "contacts.view_contact",
                "contacts.view_company",
                "contacts.view_consent",
                "contacts.list_contact",
                "contacts.export_contact",
                "contacts.view_customfield",
            ],
        )

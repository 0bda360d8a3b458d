from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from .blocks import card_blocks_register, task_subjects_register
        from .demo import demo_loaders_register
        from .imports.steps import job_kinds_register
        from .messaging_guards import messaging_guards_register
        from .navigation import navigation_register
        from .roles import role_grants_register
        from .search_provider import search_providers_register
        from .services import merge_movers_register

        # The customer base's entries in the extension points (crm/registry.py).
        role_grants_register()
        navigation_register()
        search_providers_register()
        demo_loaders_register()
        card_blocks_register()
        task_subjects_register()
        merge_movers_register()
        job_kinds_register()
        messaging_guards_register()

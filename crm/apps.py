from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM core")

    def ready(self) -> None:
        from . import signals  # noqa: F401 (connects the post-migrate role sync)
        from .demo import demo_loaders_register
        from .navigation import navigation_register
        from .roles import role_grants_register
        from .search import search_providers_register

        # The core's entries in the extension points (crm/registry.py).
        role_grants_register()
        navigation_register()
        search_providers_register()
        demo_loaders_register()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "crm.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from .roles import role_grants_register

        role_grants_register()

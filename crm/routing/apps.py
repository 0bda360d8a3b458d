from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "crm.routing"
    label = "routing"
    verbose_name = _("Routing")

    def ready(self) -> None:
        from . import demo, roles, schedule

        roles.role_grants_register()
        demo.demo_loaders_register()
        schedule.celery_register()

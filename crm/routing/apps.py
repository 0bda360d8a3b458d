from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "crm.routing"
    label = "routing"
    verbose_name = _("Routing")

    def ready(self) -> None:
        from . import demo, navigation, roles, schedule

        roles.role_grants_register()
        navigation.navigation_register()
        demo.demo_loaders_register()
        schedule.celery_register()

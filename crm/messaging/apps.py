from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "crm.messaging"
    label = "messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        from .demo import demo_loaders_register
        from .guards import send_guards_register
        from .navigation import navigation_register
        from .rendering import message_variables_register
        from .roles import role_grants_register

        # Messages' entries in the extension points (crm/registry.py) and their own.
        role_grants_register()
        navigation_register()
        demo_loaders_register()
        send_guards_register()
        message_variables_register()

from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def _sync_roles(sender, app_config=None, **kwargs) -> None:
    """Keep the role groups equal to crm/roles.py after every migrate."""
    if app_config is not None and app_config.label == "crm":
        from .roles import roles_sync

        roles_sync()

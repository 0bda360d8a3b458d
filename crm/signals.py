from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def _sync_roles(sender, app_config=None, **kwargs) -> None:
    """Keep the role groups equal to crm/roles.py after every migrate.

    It runs after each app's own post-migrate work, so the permissions of an app added later
    exist by the time its turn comes; syncing more than once is cheap and harmless.
    """
    from .roles import roles_sync

    roles_sync()

from django.conf import settings
from django.db.models.signals import post_migrate, post_save, pre_save
from django.dispatch import receiver


@receiver(post_migrate)
def _sync_roles(sender, app_config=None, **kwargs) -> None:
    """Keep the role groups equal to crm/roles.py after every migrate.

    It runs after each app's own post-migrate work, so the permissions of an app added later
    exist by the time its turn comes; syncing more than once is cheap and harmless.
    """
    from .roles import roles_sync

    roles_sync()


_WATCHED = {"password", "is_active"}


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def _note_credential_change(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    """Before a user is saved, note whether their password hash changes or they are
    deactivated, whatever the door: the password change and reset pages, the admin,
    ``set_password`` in a service or a shell. Comparing the stored hash catches them all;
    watching ``set_password`` alone would miss a hash written by the admin or a fixture."""
    instance._revoke_tokens = False
    if raw or instance.pk is None:
        return
    if update_fields is not None and not _WATCHED & set(update_fields):
        return  # last_login, availability, …: nothing to compare, no query spent
    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    instance._revoke_tokens = before["password"] != instance.password or (
        before["is_active"] and not instance.is_active
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _revoke_tokens_on_credential_change(sender, instance, created=False, **kwargs) -> None:
    """A new password or a deactivation ends every API token of the account: a token made
    with the old password, or by someone who has left, must not outlive them."""
    if getattr(instance, "_revoke_tokens", False):
        instance._revoke_tokens = False
        from .services import api_tokens_revoke_all

        api_tokens_revoke_all(user=instance)

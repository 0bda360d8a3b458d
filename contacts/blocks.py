"""The customer base's own blocks on the client's card (``hooks.CARD_BLOCKS``)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from crm.models import Task
from crm.selectors import tasks_visible_to

from .hooks import CARD_BLOCKS, CardBlock
from .models import Contact

OPEN_TASKS_SHOWN = 10


def open_tasks_block(contact: Contact, user) -> CardBlock | None:
    """The open tasks about the client that ``user`` may see, soonest first; nothing when
    there are none, so a card without tasks stays as short as it was."""
    if not user.has_perm("crm.view_task"):
        return None
    tasks = list(
        tasks_visible_to(user).filter(
            content_type=ContentType.objects.get_for_model(Contact),
            object_id=str(contact.pk),
            status=Task.Status.OPEN,
        )[:OPEN_TASKS_SHOWN]
    )
    if not tasks:
        return None
    return CardBlock(
        title=_("Open tasks"), template="contacts/_block_tasks.html", context={"tasks": tasks}
    )


def card_blocks_register() -> None:
    """Called from ``ContactsConfig.ready()``."""
    CARD_BLOCKS.register("tasks", open_tasks_block, order=10)

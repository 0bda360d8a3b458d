"""The customer base's own blocks on the client's card (``hooks.CARD_BLOCKS``), and the kinds
of its records a task can be about (``crm.task_subjects.TASK_SUBJECTS``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from crm.quick_tasks import QuickTaskForm, task_default_due
from crm.task_subjects import TASK_SUBJECTS

from . import selectors
from .hooks import CARD_BLOCKS, CardBlock
from .models import Company, Contact


def tasks_block_context(party: Contact | Company, user, form=None) -> dict:
    """What the open-tasks block shows: the tasks, and the quick form for a person who may
    add tasks (``form`` when it comes back with errors)."""
    can_add = user.has_perm("crm.add_task")
    kind = "contact" if isinstance(party, Contact) else "company"
    if can_add and form is None:
        form = QuickTaskForm(initial={"due_at": task_default_due()})
    return {
        "tasks": selectors.open_tasks_about(user, party),
        "task_form": form if can_add else None,
        "task_url": reverse(f"contacts:{kind}-task-add", args=[party.pk]),
    }


def open_tasks_block(contact: Contact, user) -> CardBlock | None:
    """The open tasks about the client that ``user`` may see, soonest first, with the form
    that adds one."""
    if not user.has_perm("crm.view_task"):
        return None
    return CardBlock(
        title=_("Open tasks"),
        template="contacts/_block_tasks.html",
        context=tasks_block_context(contact, user),
    )


def card_blocks_register() -> None:
    """Called from ``ContactsConfig.ready()``."""
    CARD_BLOCKS.register("tasks", open_tasks_block, order=10)


def task_subjects_register() -> None:
    """Tasks can be about contacts and companies, those the person may see; called from
    ``ContactsConfig.ready()``."""
    TASK_SUBJECTS.register("contacts.contact", selectors.contacts_visible_to)
    TASK_SUBJECTS.register("contacts.company", selectors.companies_visible_to)

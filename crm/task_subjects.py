"""What a task can be about: the kinds of record the apps built on the core register.

A task links to any record (``Task.subject``), but a person may attach one only to a record
they can see. The core does not know the records of the apps above it, so each app registers
its kinds with the selector that scopes them (``task_subjects_register()`` from its
``AppConfig.ready()``), and the API and the pages resolve a subject through
``task_subject_find`` — a record the person cannot see is answered like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from .models import User
from .registry import Registry

SubjectSelector = Callable[[User], QuerySet]  # user -> the records of the kind they may see

# Keyed by "app_label.model", the form the API's ``subject_type`` answers with.
TASK_SUBJECTS: Registry[SubjectSelector] = Registry("task subjects")


def task_subject_find(user: User, kind: str, pk: int) -> Model:
    """The record ``kind``:``pk`` that a task of ``user``'s may be about.

    Raises ValidationError (keyed by ``subject``) for an unknown kind and for a record that
    does not exist or that ``user`` cannot see — the same message, so nothing is given away.
    """
    selector = TASK_SUBJECTS.get(kind)
    if selector is None:
        raise ValidationError(
            {
                "subject": [
                    _("A task cannot be about “%(kind)s”; it can be about: %(kinds)s.")
                    % {"kind": kind, "kinds": ", ".join(TASK_SUBJECTS.keys())}
                ]
            }
        )
    try:
        return selector(user).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise ValidationError(
            {"subject": [_("There is no such record, or you cannot see it.")]}
        ) from None

"""Custom field definitions: the extra fields admins add to contacts or companies.

Only admins change them (``contacts.add/change/delete_customfield``, which only the admin
role holds): a definition changes what every form, filter, import and API answer accepts.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import User

from ..models import CustomField


def _check(actor: User, verb: str) -> None:
    if not actor.has_perm(f"contacts.{verb}_customfield"):
        raise PermissionDenied(_("Only administrators change custom fields."))


def _save(field: CustomField) -> CustomField:
    # full_clean: the definition's own rules (choices for choice fields…) and one code per
    # target, answered as field errors rather than an IntegrityError.
    field.full_clean()
    field.save()
    return field


@transaction.atomic
def custom_field_create(*, actor: User, **data: Any) -> CustomField:
    _check(actor, "add")
    return _save(CustomField(**data))


@transaction.atomic
def custom_field_update(*, actor: User, field: CustomField, **changes: Any) -> CustomField:
    """Change a definition; values already stored stay as they are (a renamed code does not
    rewrite them: deactivate and add a new field instead)."""
    _check(actor, "change")
    for name, value in changes.items():
        setattr(field, name, value)
    return _save(field)


@transaction.atomic
def custom_field_delete(*, actor: User, field: CustomField) -> None:
    _check(actor, "delete")
    field.delete()

"""The reads of messages: templates, the suppression list and the log, for whoever may see
them (the people who write templates: heads of sales, marketers, admins)."""

from __future__ import annotations

from django.db.models import QuerySet

from crm.models import User

from .models import MessageTemplate, OutboundMessage, Suppression
from .rendering import MESSAGE_VARIABLES, Variable


def templates_visible_to(user: User) -> QuerySet[MessageTemplate]:
    qs = MessageTemplate.objects.select_related("updated_by")
    return qs if user.has_perm("messaging.view_messagetemplate") else qs.none()


def template_by_code(code: str) -> MessageTemplate | None:
    """The active template robots and mailings name, or None."""
    return MessageTemplate.objects.filter(code=code, is_active=True).first()


def suppressions_visible_to(user: User) -> QuerySet[Suppression]:
    qs = Suppression.objects.select_related("created_by")
    return qs if user.has_perm("messaging.view_suppression") else qs.none()


def messages_visible_to(user: User) -> QuerySet[OutboundMessage]:
    """The log of outbound messages. Those who may read it see all of it, as heads of sales
    and marketers see the whole client base (contacts.selectors.can_see_all_contacts)."""
    qs = OutboundMessage.objects.select_related("template", "actor", "content_type")
    return qs if user.has_perm("messaging.view_outboundmessage") else qs.none()


def messages_of(obj) -> QuerySet[OutboundMessage]:
    """The messages sent about one record (a deal, an invoice), newest first."""
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(obj)
    return OutboundMessage.objects.filter(content_type=content_type, object_id=str(obj.pk))


def message_variables() -> list[tuple[str, Variable]]:
    return MESSAGE_VARIABLES.items()

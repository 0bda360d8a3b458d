"""The messages API: templates, the suppression list, the log (read only). Every queryset
comes from a selector and every write calls a service."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins
from rest_framework.filters import OrderingFilter

from crm.api.bases import ScopedViewSet
from crm.api.permissions import model_permissions

from .. import selectors, services
from ..models import MessageTemplate, OutboundMessage, Suppression
from . import serializers as s


class MessageTemplateViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Message templates; saving checks the template's syntax and the names it uses."""

    serializer_class = s.MessageTemplateSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_fields = ["purpose", "channel", "language", "is_active", "code"]
    ordering_fields = ["name", "code", "updated_at", "id"]
    ordering = ["name", "id"]
    permission_map = model_permissions(MessageTemplate)
    selector = staticmethod(selectors.templates_visible_to)
    create_service = staticmethod(services.template_create)
    update_service = staticmethod(services.template_update)
    delete_service = staticmethod(services.template_delete)
    service_instance_name = "template"


class SuppressionViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
):
    """The suppression list: no message goes to these addresses."""

    serializer_class = s.SuppressionSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_fields = ["reason"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-id"]
    permission_map = model_permissions(Suppression)
    selector = staticmethod(selectors.suppressions_visible_to)
    create_service = staticmethod(services.suppression_add)
    delete_service = staticmethod(services.suppression_remove)
    service_instance_name = "suppression"


class OutboundMessageViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The log of outbound messages, newest first."""

    serializer_class = s.OutboundMessageSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_fields = ["status", "template_code", "purpose", "object_id"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-id"]
    permission_map = model_permissions(OutboundMessage)
    selector = staticmethod(selectors.messages_visible_to)

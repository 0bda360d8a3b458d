"""Rules (for heads of sales and admins) and runs (read-only, of the objects one may see)."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins

from crm.api.bases import ScopedViewSet
from crm.api.permissions import model_permissions

from .. import selectors, services
from ..models import AutomationRule, AutomationRun
from .serializers import AutomationRuleSerializer, AutomationRunSerializer


class AutomationRuleViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Robots and triggers: an event (or a time condition), conditions and ordered actions.
    A rule that has run cannot be deleted: set `is_active` to false."""

    serializer_class = AutomationRuleSerializer
    permission_map = model_permissions(AutomationRule)
    selector = staticmethod(selectors.rules_visible_to)
    create_service = staticmethod(services.rule_create)
    update_service = staticmethod(services.rule_update)
    delete_service = staticmethod(services.rule_delete)
    service_instance_name = "rule"
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["event", "is_active"]

    def get_queryset(self):
        return super().get_queryset().order_by("id")


class AutomationRunViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """What the rules did, on the objects the user may see."""

    serializer_class = AutomationRunSerializer
    permission_map = model_permissions(AutomationRun)
    selector = staticmethod(selectors.runs_visible_to)
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["status", "rule", "object_id"]

    def get_queryset(self):
        return super().get_queryset().order_by("-created_at", "-id")


routes = [
    ("automation/rules", AutomationRuleViewSet, "automation-rule"),
    ("automation/runs", AutomationRunViewSet, "automation-run"),
]

"""The routing API: rules (heads of sales and admins manage them) and the assignment log."""

from __future__ import annotations

import django_filters
from rest_framework import mixins, serializers

from crm.api.bases import ScopedViewSet
from crm.api.permissions import model_permissions
from crm.models import Team, User

from . import selectors, services
from .conditions import condition_text
from .kinds import ROUTING_KINDS
from .models import Assignment, RoutingRule


class RoutingRuleSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(max_length=64)
    conditions = serializers.JSONField(required=False)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    people = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False
    )
    conditions_text = serializers.SerializerMethodField()

    class Meta:
        model = RoutingRule
        fields = [
            "id",
            "kind",
            "name",
            "order",
            "conditions",
            "conditions_text",
            "team",
            "people",
            "strategy",
            "cap",
            "take_within_minutes",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_conditions_text(self, rule: RoutingRule) -> list[str]:
        kind = ROUTING_KINDS.get(rule.kind)
        return [condition_text(kind, c) for c in rule.conditions]

    def service_arguments(self) -> dict:
        """The fields sent; the service checks the kind, the conditions and the target."""
        return dict(self.validated_data)


class AssignmentSerializer(serializers.ModelSerializer):
    reason = serializers.CharField(source="reason_text", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "kind",
            "item_id",
            "user",
            "rule",
            "strategy",
            "reason",
            "assigned_at",
            "due_at",
            "reassigned_from",
            "is_current",
            "taken_at",
        ]
        read_only_fields = fields


class RuleFilter(django_filters.FilterSet):
    class Meta:
        model = RoutingRule
        fields = ["kind", "is_active", "team"]


class AssignmentFilter(django_filters.FilterSet):
    class Meta:
        model = Assignment
        fields = ["kind", "item_id", "user", "is_current"]


class RoutingRuleViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    serializer_class = RoutingRuleSerializer
    filterset_class = RuleFilter
    permission_map = model_permissions(RoutingRule)
    selector = staticmethod(selectors.rules_visible_to)
    create_service = staticmethod(services.routing_rule_create)
    update_service = staticmethod(services.routing_rule_update)
    delete_service = staticmethod(services.routing_rule_delete)
    service_instance_name = "rule"


class AssignmentViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    permission_map = model_permissions(Assignment)
    selector = staticmethod(selectors.assignments_visible_to)


routes = [
    ("routing/rules", RoutingRuleViewSet, "routing-rule"),
    ("routing/assignments", AssignmentViewSet, "routing-assignment"),
]

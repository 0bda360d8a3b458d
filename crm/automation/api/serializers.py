"""What the automation API reads and accepts; the services check the rest."""

from __future__ import annotations

from rest_framework import serializers

from ..models import AutomationRule, AutomationRun


class AutomationRuleSerializer(serializers.ModelSerializer):
    scope = serializers.JSONField(required=False)
    conditions = serializers.JSONField(required=False)
    actions = serializers.JSONField()

    class Meta:
        model = AutomationRule
        fields = [
            "id",
            "name",
            "event",
            "scope",
            "conditions",
            "delay_minutes",
            "actions",
            "is_active",
            "created_by",
            "updated_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_by", "updated_by", "created_at", "updated_at"]


class AutomationRunSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = AutomationRun
        fields = [
            "id",
            "rule",
            "rule_name",
            "object_type",
            "object_id",
            "occasion",
            "status",
            "due_at",
            "attempts",
            "next_attempt_at",
            "last_error",
            "result",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_object_type(self, run) -> str:
        return run.content_type.app_label + "." + run.content_type.model

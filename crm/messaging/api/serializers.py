"""What the messages API reads and accepts: the shape here, the rules in the services."""

from __future__ import annotations

from rest_framework import serializers

from ..masking import address_for, text_for
from ..models import MessageTemplate, OutboundMessage, Suppression


class MessageTemplateSerializer(serializers.ModelSerializer):
    updated_by = serializers.StringRelatedField()

    class Meta:
        model = MessageTemplate
        fields = [
            "id",
            "code",
            "name",
            "channel",
            "purpose",
            "language",
            "subject",
            "body",
            "is_active",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = ["updated_at", "updated_by"]


class MaskedAddressField(serializers.CharField):
    """An address as the requesting user may see it (masked for marketers)."""

    def to_representation(self, value):
        return address_for(self.context["request"].user, value)


class SuppressionSerializer(serializers.ModelSerializer):
    address = MaskedAddressField(max_length=254)
    created_by = serializers.StringRelatedField()

    class Meta:
        model = Suppression
        fields = ["id", "address", "reason", "comment", "created_at", "created_by"]
        read_only_fields = ["created_at", "created_by"]


class MaskedTextField(serializers.CharField):
    """A message's text: addresses and phones written in it masked for those who get masks."""

    def to_representation(self, value):
        return text_for(self.context["request"].user, value)


class OutboundMessageSerializer(serializers.ModelSerializer):
    to = MaskedAddressField()
    subject = MaskedTextField()
    body = MaskedTextField()
    related_type = serializers.SerializerMethodField()

    class Meta:
        model = OutboundMessage
        fields = [
            "id",
            "key",
            "template",
            "template_code",
            "channel",
            "purpose",
            "language",
            "to",
            "subject",
            "body",
            "status",
            "attempts",
            "last_error",
            "created_at",
            "sent_at",
            "related_type",
            "object_id",
        ]
        read_only_fields = fields

    def get_related_type(self, message) -> str | None:
        ct = message.content_type
        return f"{ct.app_label}.{ct.model}" if ct else None

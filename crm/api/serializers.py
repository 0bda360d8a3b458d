from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import ApiToken, Notification, Task, Team, User
from ..task_subjects import task_subject_find
from .errors import ApiError


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def validate(self, attrs):
        # The plain HttpRequest: the lockout marks it, and its middleware reads the mark there.
        request = self.context["request"]._request
        user = authenticate(request, username=attrs["email"], password=attrs["password"])
        if user is None:
            if getattr(request, "axes_locked_out", False):
                raise ApiError(
                    _("Too many failed sign-ins: try again later."),
                    code="locked_out",
                    status_code=429,
                    fields={},
                )
            raise serializers.ValidationError(
                {"non_field_errors": [_("Wrong e-mail or password.")]}, code="authorization"
            )
        attrs["user"] = user
        return attrs


class ApiTokenSerializer(serializers.ModelSerializer):
    valid_until = serializers.DateTimeField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "valid_until"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "expires_at"]
        extra_kwargs = {"name": {"required": False, "allow_blank": True}}


class TokenResponseSerializer(ApiTokenSerializer):
    """A new token: ``token`` is its key, shown this once and never stored."""

    token = serializers.CharField(read_only=True)

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "head", "visibility"]


class UserSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "full_name",
            "team",
            "availability",
            "language",
            "time_zone",
            "roles",
        ]
        read_only_fields = ["id", "email", "team", "roles"]

    def get_roles(self, obj: User) -> list[str]:
        return sorted(g.name for g in obj.groups.all())


class MeSerializer(UserSerializer):
    pass


class TaskSubjectSerializer(serializers.Serializer):
    type = serializers.CharField(
        max_length=100,
        help_text="What kind of record: contacts.contact, contacts.company, …",
    )
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class TaskSerializer(serializers.ModelSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )
    subject = TaskSubjectSerializer(
        write_only=True,
        required=False,
        help_text="The record the task is about, one the user may see: "
        '{"type": "contacts.contact", "id": 12}. Given when the task is made; it cannot be '
        "changed later. Reads answer it as `subject_type` and `object_id`.",
    )
    subject_type = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "description",
            "assignee",
            "created_by",
            "due_at",
            "remind_at",
            "reminded_at",
            "priority",
            "status",
            "completed_at",
            "subject",
            "subject_type",
            "object_id",
            "is_overdue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "created_by",
            "reminded_at",
            "status",
            "completed_at",
            "object_id",
            "created_at",
            "updated_at",
        ]

    def validate_subject(self, value: dict):
        """The record itself, looked up among those the user may see."""
        if self.instance is not None:
            raise serializers.ValidationError(_("What a task is about cannot be changed."))
        try:
            return task_subject_find(self.context["request"].user, value["type"], value["id"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["subject"]) from None

    def get_subject_type(self, obj: Task) -> str | None:
        ct = obj.content_type
        return f"{ct.app_label}.{ct.model}" if ct else None


class TaskStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Task.Status.choices)


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class NotificationReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)

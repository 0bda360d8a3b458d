from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from .. import selectors, services
from ..models import Task, User
from .authentication import ApiTokenAuthentication
from .bases import ScopedMixin, ScopedViewSet
from .serializers import (
    ApiTokenSerializer,
    MeSerializer,
    NotificationReadSerializer,
    NotificationSerializer,
    TaskSerializer,
    TaskStatusSerializer,
    TeamSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UserSerializer,
)


def _new_token_answer(token, key: str, *, status_code: int) -> Response:
    data = TokenResponseSerializer(token).data
    data["token"] = key
    return Response(data, status=status_code)


class TokenObtainView(APIView):
    """``POST``: exchange an e-mail and password for a new API token (``Authorization: Token
    <key>``); the key is in the answer only. ``DELETE``: revoke the token the request is
    authenticated with (signing out of the API)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def _exchanging(self) -> bool:
        # The exchange takes a password, not a session or a token; revoking takes the token.
        return getattr(self.request, "method", None) == "POST"

    def get_authenticators(self):
        return [] if self._exchanging() else [ApiTokenAuthentication()]

    def get_permissions(self):
        return [AllowAny()] if self._exchanging() else [IsAuthenticated()]

    @extend_schema(
        request=TokenRequestSerializer, responses={200: TokenResponseSerializer}, auth=[{}]
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, key = services.api_token_create(
            actor=user, user=user, name=serializer.validated_data.get("name", "")
        )
        # 200 as before tokens were created per request: existing clients check for it.
        return _new_token_answer(token, key, status_code=status.HTTP_200_OK)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        services.api_token_revoke(actor=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenViewSet(
    ScopedViewSet, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin
):
    """The signed-in person's API tokens: list them, make a named one (its key is in the
    answer only), revoke one."""

    serializer_class = ApiTokenSerializer
    # Oneself: everyone manages their own tokens; the selector gives each only theirs.
    permission_map = {"GET": None, "POST": None, "DELETE": None}
    selector = staticmethod(selectors.api_tokens_of)
    service_instance_name = "token"
    delete_service = staticmethod(services.api_token_revoke)

    @extend_schema(request=ApiTokenSerializer, responses={201: TokenResponseSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = services.api_token_create(
            actor=request.user, user=request.user, name=serializer.validated_data.get("name", "")
        )
        return _new_token_answer(token, key, status_code=status.HTTP_201_CREATED)


class MeView(ScopedMixin, APIView):
    # Oneself: any signed-in user reads and changes their own profile.
    permission_map = {"GET": None, "PATCH": None}

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = User.objects.prefetch_related("groups").get(pk=request.user.pk)
        return Response(MeSerializer(user).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request):
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_profile_update(
            actor=request.user, user=request.user, **serializer.validated_data
        )
        return Response(MeSerializer(user).data)


class UserViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = UserSerializer
    filterset_fields = ["team", "availability", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    ordering_fields = ["id", "email", "last_name"]
    # Pickers of every role read it; the selector decides whom each role sees.
    permission_map = {"GET": None}
    selector = staticmethod(selectors.users_visible_to)


class TeamViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = TeamSerializer
    search_fields = ["name"]
    ordering_fields = ["id", "name"]
    permission_map = {"GET": None}
    selector = staticmethod(selectors.teams_visible_to)


class TaskFilter(django_filters.FilterSet):
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lte")
    due_after = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="gte")
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Task
        fields = ["status", "priority", "assignee", "created_by", "object_id"]

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

        if value:
            return queryset.filter(status=Task.Status.OPEN, due_at__lt=timezone.now())
        return queryset


class TaskViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """Tasks the user may see; writes go through the task services."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    search_fields = ["title", "description"]
    ordering_fields = ["id", "due_at", "priority", "created_at"]
    ordering = ["-id"]
    # Every role has tasks of its own: the selector scopes what is read, the task services
    # refuse what the user may not change (and no permission query is spent per request).
    permission_map = dict.fromkeys(("GET", "POST", "PUT", "PATCH", "status"), None)
    selector = staticmethod(selectors.tasks_visible_to)
    create_service = staticmethod(services.task_create)
    update_service = staticmethod(services.task_update)

    @extend_schema(request=TaskStatusSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """Mark the task done, cancelled or open again."""
        task = self.get_object()
        body = TaskStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.task_set_status(
            actor=request.user, task=task, status=body.validated_data["status"]
        )
        return Response(TaskSerializer(task).data)


class NotificationViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = NotificationSerializer
    filterset_fields = ["kind"]
    ordering_fields = ["id", "created_at"]
    # Everyone has their own notifications; the selector gives each only theirs.
    permission_map = {"GET": None, "read": None}
    selector = staticmethod(selectors.notifications_for)

    def get_queryset(self):
        qs = super().get_queryset()
        unread = self.request.query_params.get("unread")
        if unread in ("1", "true", "True"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(
        request=NotificationReadSerializer,
        responses={200: OpenApiResponse(description="How many were marked read")},
    )
    @action(detail=False, methods=["post"])
    def read(self, request):
        """Mark the given notifications (all when `ids` is absent) as read."""
        body = NotificationReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = services.notifications_mark_read(
            user=request.user, ids=body.validated_data.get("ids")
        )
        return Response({"marked": count}, status=status.HTTP_200_OK)

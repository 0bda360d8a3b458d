"""The base every app's API is written on.

A viewset names its selector (the rows the user may see), its services (the writes) and the
permission each method needs; the base does the rest — authentication and the role check,
the schema guard, paging, errors, the acting user passed to every service::

    class DealViewSet(ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, mixins.UpdateModelMixin):
        serializer_class = DealSerializer
        filterset_class = DealFilter
        permission_map = model_permissions(Deal)
        selector = staticmethod(selectors.deals_visible_to)
        create_service = staticmethod(services.deal_create)
        update_service = staticmethod(services.deal_update)

``get_queryset()`` returns ``selector(user)`` (the FilterSet only narrows it); create calls
``create_service(actor=user, **arguments)``, update ``update_service(actor=user,
<model_name>=instance, **arguments)``, destroy ``delete_service(actor=user,
<model_name>=instance)``, where ``arguments`` are the serializer's ``service_arguments()``
when it has one, else its validated data. Put ``ScopedViewSet`` first among the bases, before
DRF's mixins, so that its ``perform_*`` are the ones that run.

``SearchListMixin`` adds ``?search=``: one page of ranked matches from the viewset's
``search_service``, which also counts and records it. ``list_service`` counts and records
every page of a plain list the same way the staff UI's list does (reading in bulk is an export
whatever the door: past the daily cap the service raises and the page is refused).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from ..http import client_ip
from .permissions import PermissionMap, RolePermission


def schema_guard(view) -> bool:
    """True while drf-spectacular builds the schema: there is no user to scope by then."""
    return getattr(view, "swagger_fake_view", False)


class ScopedMixin:
    """The role check and the schema guard, for any API view (``APIView`` included)."""

    permission_classes = [RolePermission]
    permission_map: PermissionMap = {}
    # Set on lists of a client base: without this permission a list must be narrowed by one
    # of ``list_narrowed_by`` (see RolePermission).
    list_permission: str | None = None
    list_narrowed_by: tuple[str, ...] = ()

    def schema_guard(self) -> bool:
        return schema_guard(self)


class ScopedViewSet(ScopedMixin, viewsets.GenericViewSet):
    """A viewset over one selector, writing through named services."""

    lookup_value_regex = "[0-9]+"
    selector: Callable[..., QuerySet]
    create_service: Callable[..., Model] | None = None
    update_service: Callable[..., Model] | None = None
    delete_service: Callable[..., Any] | None = None
    # The keyword the update and delete services take the record by; the model's name
    # ("task", "company") when not set.
    service_instance_name: str | None = None
    # Set on lists of personal data: ``list_service(user=, model=, count=, ip_address=)`` counts
    # and records every page before it is shown, and raises past the user's daily cap.
    list_service: Callable[..., None] | None = None

    @property
    def model(self) -> type[Model]:
        return self.get_serializer_class().Meta.model

    def _instance_keyword(self) -> str:
        return self.service_instance_name or self.model._meta.model_name

    def paginate_queryset(self, queryset):
        """The page, counted and recorded by ``list_service`` before anything of it is shown:
        reading personal data in bulk is an export whatever the door, so a page past the
        person's daily cap is refused (the service raises) rather than answered."""
        page = super().paginate_queryset(queryset)
        if page is not None and self.list_service is not None:
            self.list_service(
                user=self.request.user,
                model=self.model,
                count=len(page),
                ip_address=client_ip(self.request),
            )
        return page

    def get_queryset(self) -> QuerySet:
        if self.schema_guard():
            return self.model._default_manager.none()
        return self.selector(self.request.user)

    def service_arguments(self, serializer) -> dict[str, Any]:
        arguments = getattr(serializer, "service_arguments", None)
        return arguments() if arguments is not None else dict(serializer.validated_data)

    def read_back(self, instance: Model) -> Model:
        """What a write answers with; override to read it again with its relations."""
        return instance

    def perform_create(self, serializer) -> None:
        assert self.create_service is not None, f"{type(self).__name__} names no create_service"
        instance = self.create_service(
            actor=self.request.user, **self.service_arguments(serializer)
        )
        serializer.instance = self.read_back(instance)

    def perform_update(self, serializer) -> None:
        assert self.update_service is not None, f"{type(self).__name__} names no update_service"
        instance = self.update_service(
            actor=self.request.user,
            **{self._instance_keyword(): serializer.instance},
            **self.service_arguments(serializer),
        )
        serializer.instance = self.read_back(instance)

    def perform_destroy(self, instance: Model) -> None:
        assert self.delete_service is not None, f"{type(self).__name__} names no delete_service"
        self.delete_service(actor=self.request.user, **{self._instance_keyword(): instance})


class SearchListMixin:
    """``?search=`` answers one page of the best matches, ranked, narrowed by the filters.

    ``search_service(user=, query=, within=, limit=, ranked=, ip_address=) -> list`` finds,
    counts and records the search; the viewset's ``list_service``, when set, counts and
    records every plain list page. Without ``list_permission``, a user gets ``search_limit`` matches
    (enough to find one client, too few to page through everyone); with it, ``page_size`` up
    to ``search_limit_max``.
    """

    search_param = "search"
    search_limit = 20
    search_limit_max = 100
    search_service: Callable[..., list]

    def _search_limit(self, request: Request) -> int:
        permission = getattr(self, "list_permission", None)
        if permission and not request.user.has_perm(permission):
            return self.search_limit
        try:
            requested = int(request.query_params.get("page_size", self.search_limit))
        except ValueError:
            return self.search_limit
        return max(1, min(requested, self.search_limit_max))

    def list(self, request: Request, *args, **kwargs) -> Response:
        query = request.query_params.get(self.search_param, "").strip()
        if not query:
            return super().list(request, *args, **kwargs)  # the page is counted as it is taken
        rows = self.search_service(
            user=request.user,
            query=query,
            within=self.filter_queryset(self.get_queryset()),
            limit=self._search_limit(request),
            ranked=not request.query_params.get("ordering"),
            ip_address=client_ip(request),
        )
        data = self.get_serializer(rows, many=True).data
        return Response({"next": None, "previous": None, "results": data})

"""The contacts API. Every queryset comes from a selector (already scoped to the user), filters
only narrow it, and every write calls a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.bases import ScopedMixin, ScopedViewSet, SearchListMixin
from crm.api.errors import ApiError
from crm.api.permissions import model_permissions
from crm.http import client_ip

from .. import filters, selectors, services
from ..models import Company, Consent, Contact, CustomField, Email, Interaction, Phone, Purchase
from ..validators import mask_phone
from . import serializers as s

# How many matches a search answers with: operators, who may not list the base, get the
# first page of matches only, enough to find a caller and too few to page through everyone.
SEARCH_LIMIT = SearchListMixin.search_limit
SEARCH_LIMIT_MAX = SearchListMixin.search_limit_max
LOOKUP_LIMIT = 10

SEARCH_PARAMETER = OpenApiParameter(
    "search",
    OpenApiTypes.STR,
    description="A phone in any format, an e-mail, a name (typos allowed), a company or an INN. "
    f"Answers one page of the best matches (at most {SEARCH_LIMIT} without the permission to "
    f"list the base, otherwise up to `page_size`, at most {SEARCH_LIMIT_MAX}).",
)


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


class ContactsApi(ScopedViewSet):
    """The customer base's viewsets: listing any of it without narrowing needs the
    permission to list the base; phones and e-mails come masked to the roles that see them
    masked."""

    filter_backends = [DjangoFilterBackend, OrderingFilter]
    list_permission = "contacts.list_contact"

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        context["masked"] = selectors.masked_fields_for(user) if user.is_authenticated else set()
        return context


class OneContactListMixin:
    """Lists of a contact's records (phones, timeline, consents…). For a user who may not list
    the base, ``?contact=<id>`` is a look at that client's card and is logged as one: reading
    cards through their parts must count towards the mass-viewing alert as well."""

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        user = request.user
        try:
            pk = int(request.query_params.get("contact", ""))
        except ValueError:
            return response
        if not user.has_perm(self.list_permission):
            contact = selectors.contacts_visible_to(user).filter(pk=pk).first()
            if contact is not None:
                services.contact_viewed(user=user, contact=contact, ip_address=client_ip(request))
        return response


# --- companies and contacts ----------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[SEARCH_PARAMETER]),
    retrieve=extend_schema(description="One company; every look is written to the access log."),
    create=extend_schema(responses={201: s.CompanySerializer}),
)
class CompanyViewSet(
    ContactsApi,
    SearchListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Companies the user may see, with their phones, e-mails, tags and custom fields.

    Custom fields filter as `?custom.<code>=value` (and `custom.<code>__gte` / `__lte` for
    numbers and dates)."""

    serializer_class = s.CompanySerializer
    filterset_class = filters.CompanyFilter
    ordering_fields = ["name", "created_at", "id"]
    ordering = "-id"
    permission_map = model_permissions(Company)
    list_narrowed_by = ("search",)
    selector = staticmethod(selectors.company_list)
    search_service = staticmethod(services.companies_find)
    list_service = staticmethod(services.client_base_listed)
    create_service = staticmethod(services.company_create)
    update_service = staticmethod(services.company_update)
    delete_service = staticmethod(services.company_delete)

    def read_back(self, company: Company) -> Company:
        # With its phones, e-mails and tags as they are now.
        return self.get_queryset().filter(pk=company.pk).first() or company

    def retrieve(self, request, *args, **kwargs):
        company = self.get_object()
        services.company_viewed(user=request.user, company=company, ip_address=client_ip(request))
        return Response(self.get_serializer(company).data)


@extend_schema_view(
    list=extend_schema(
        parameters=[SEARCH_PARAMETER],
        description="Contacts the user may see. Needs the permission to list the base unless "
        "`search` is given. Custom fields filter as `?custom.<code>=value` (and "
        "`custom.<code>__gte` / `__lte` for numbers and dates).",
    ),
    retrieve=extend_schema(description="One contact; every look is written to the access log."),
    create=extend_schema(
        parameters=[
            OpenApiParameter(
                "allow_duplicate",
                OpenApiTypes.BOOL,
                description="Create even when the phone or e-mail belongs to another contact.",
            )
        ],
        responses={
            201: s.ContactSerializer,
            400: OpenApiResponse(
                description="Invalid fields; or (`code` = `duplicate`) the phone or e-mail "
                "already belongs to the contacts listed in `duplicates`."
            ),
        },
    ),
)
class ContactViewSet(
    ContactsApi,
    SearchListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """People. A person is not deleted through the API: erasing personal data is its own
    procedure (152-FZ art. 21, GDPR art. 17), which keeps the evidence of consents."""

    serializer_class = s.ContactSerializer
    filterset_class = filters.ContactFilter
    ordering_fields = ["last_name", "created_at", "lifetime_value", "id"]
    ordering = "-id"
    permission_map = model_permissions(Contact)
    list_narrowed_by = ("search",)
    selector = staticmethod(selectors.contact_list)
    search_service = staticmethod(services.contacts_find)
    list_service = staticmethod(services.client_base_listed)
    update_service = staticmethod(services.contact_update)

    def get_queryset(self):
        return super().get_queryset().prefetch_related("consents")

    def get_object(self) -> Contact:
        try:
            contact = selectors.contact_card(self.request.user, int(self.kwargs["pk"]))
        except (ObjectDoesNotExist, ValueError):
            raise Http404 from None
        self.check_object_permissions(self.request, contact)
        return contact

    def read_back(self, contact: Contact) -> Contact:
        try:
            return selectors.contact_card(self.request.user, contact.pk)
        except ObjectDoesNotExist:  # given to someone whose contacts this user does not see
            return contact

    def retrieve(self, request, *args, **kwargs):
        contact = self.get_object()
        services.contact_viewed(user=request.user, contact=contact, ip_address=client_ip(request))
        return Response(self.get_serializer(contact).data)

    def perform_create(self, serializer):
        try:
            contact = services.contact_create(
                actor=self.request.user,
                allow_duplicate=_truthy(self.request.query_params.get("allow_duplicate")),
                **serializer.service_arguments(),
            )
        except services.DuplicateContactError as exc:
            raise self._duplicates(exc) from None
        serializer.instance = self.read_back(contact)

    def _duplicates(self, exc: services.DuplicateContactError) -> ApiError:
        """Name the duplicates the user may open; the others only by their number."""
        visible, _hidden = selectors.contacts_split_by_visibility(self.request.user, exc.duplicates)
        names = ", ".join(
            f"{c} (#{c.pk})" if c in visible else f"#{c.pk}" for c in exc.duplicates[:5]
        )
        message = _("A contact with this phone or e-mail already exists: %(names)s") % {
            "names": names
        }
        return ApiError(message, code="duplicate", duplicates=[c.pk for c in exc.duplicates])


@extend_schema(
    parameters=[
        OpenApiParameter(
            "phone", OpenApiTypes.STR, required=True, description="The number in any format."
        )
    ],
    responses={200: s.LookupSerializer},
)
class ContactLookupView(ScopedMixin, APIView):
    """Caller-ID: who is calling from this number, with what a screen pop shows.

    A fixed number of queries however long the callers' history; the lookup is written to
    the access log."""

    permission_map = {"GET": "contacts.view_contact"}

    def get(self, request):
        query = s.LookupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        phone = query.validated_data["phone"]
        matches = services.contacts_lookup(
            user=request.user, phone=phone, limit=LOOKUP_LIMIT, ip_address=client_ip(request)
        )
        context = {"request": request}
        if "phone" in selectors.masked_fields_for(request.user):
            phone = mask_phone(phone)
        return Response(
            {
                "phone": phone,
                "matches": s.LookupMatchSerializer(matches, many=True, context=context).data,
            }
        )


# --- phones and e-mails --------------------------------------------------------------------


class _PointViewSet(
    ContactsApi,
    OneContactListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    list_narrowed_by = ("contact", "company")
    ordering_fields = ["id", "created_at"]
    ordering = "-id"
    delete_service = staticmethod(services.contact_point_remove)
    service_instance_name = "point"
    # Paging through phones or e-mails is reading contact details in bulk: counted and capped.
    list_service = staticmethod(services.client_base_listed)

    def _save(self, point, make_primary: bool):
        return self.save_service(
            actor=self.request.user,
            **{self.model._meta.model_name: point},
            make_primary=make_primary,
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        make_primary = data.pop("make_primary", False)
        serializer.instance = self._save(self.model(**data), make_primary)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        make_primary = data.pop("make_primary", False)
        point = serializer.instance
        for key, value in data.items():
            setattr(point, key, value)
        serializer.instance = self._save(point, make_primary)


class PhoneViewSet(_PointViewSet):
    """Phones of the contacts and companies the user may see. Without the permission to list
    the base, a list needs `contact` or `company`."""

    serializer_class = s.PhoneSerializer
    filterset_class = filters.PhoneFilter
    # Removing a phone is editing the card it is on: the roles that change contacts change
    # (and remove) their phones, as the contact's own phone list does.
    permission_map = model_permissions(Phone, DELETE="change")
    selector = staticmethod(selectors.phones_visible_to)
    save_service = staticmethod(services.phone_save)


class EmailViewSet(_PointViewSet):
    """E-mails of the contacts and companies the user may see. Without the permission to list
    the base, a list needs `contact` or `company`."""

    serializer_class = s.EmailSerializer
    filterset_class = filters.EmailFilter
    permission_map = model_permissions(Email, DELETE="change")
    selector = staticmethod(selectors.emails_visible_to)
    save_service = staticmethod(services.email_save)


# --- timeline, purchases, consents ---------------------------------------------------------


class _RecordedMixin:
    """Creating through an idempotent service: the same external id again answers 200 with
    the row already recorded instead of 201 and a duplicate. ``record_service(actor=, **data)``
    answers ``(row, created)``."""

    record_service: Callable[..., tuple[Any, bool]]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row, created = self.record_service(actor=request.user, **serializer.validated_data)
        return self.recorded(row, created)

    def recorded(self, row, created: bool) -> Response:
        if (
            not created
            and not selectors.contacts_visible_to(self.request.user)
            .filter(pk=row.contact_id)
            .exists()
        ):
            # Recorded earlier for a client this user cannot open: say so without showing it.
            raise Conflict()
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(row).data, status=code)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("This record was already made for another client.")
    default_code = "conflict"


@extend_schema_view(
    create=extend_schema(
        responses={
            201: s.InteractionSerializer,
            200: OpenApiResponse(
                s.InteractionSerializer, description="Already recorded: the existing row."
            ),
        }
    )
)
class InteractionViewSet(
    ContactsApi,
    OneContactListMixin,
    _RecordedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
):
    """The timeline: calls, e-mails, chats, notes… of the contacts the user may see. Without
    the permission to list the base, a list needs `contact`."""

    serializer_class = s.InteractionSerializer
    filterset_class = filters.InteractionFilter
    ordering_fields = ["occurred_at", "id"]
    ordering = ["-occurred_at", "-id"]
    permission_map = model_permissions(Interaction)
    list_narrowed_by = ("contact",)
    selector = staticmethod(selectors.interactions_visible_to)
    record_service = staticmethod(services.interaction_add)

    def get_queryset(self):
        return super().get_queryset().select_related("related_type")


@extend_schema_view(
    create=extend_schema(
        responses={
            201: s.PurchaseSerializer,
            200: OpenApiResponse(
                s.PurchaseSerializer, description="Already recorded: the existing purchase."
            ),
        }
    )
)
class PurchaseViewSet(
    ContactsApi,
    OneContactListMixin,
    _RecordedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
):
    """Purchases of the contacts the user may see; recording one refreshes the contact's
    customer value. Without the permission to list the base, a list needs `contact`."""

    serializer_class = s.PurchaseSerializer
    filterset_class = filters.PurchaseFilter
    ordering_fields = ["purchased_at", "amount", "id"]
    ordering = ["-purchased_at", "-id"]
    permission_map = model_permissions(Purchase)
    list_narrowed_by = ("contact",)
    selector = staticmethod(selectors.purchases_visible_to)
    record_service = staticmethod(services.purchase_record)


@extend_schema_view(
    create=extend_schema(
        summary="Grant or withdraw a consent",
        responses={200: s.ConsentSerializer},
    )
)
class ConsentViewSet(
    ContactsApi,
    OneContactListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
):
    """Consents (152-FZ art. 9, GDPR art. 7): one current state per contact and purpose.
    Posting sets it — granted or withdrawn — and keeps the previous state in the history.
    Without the permission to list the base, a list needs `contact`."""

    serializer_class = s.ConsentSerializer
    filterset_class = filters.ConsentFilter
    ordering_fields = ["changed_at", "id"]
    ordering = "-id"
    permission_map = model_permissions(Consent)
    list_narrowed_by = ("contact",)
    selector = staticmethod(selectors.consents_visible_to)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        consent = services.consent_set(actor=request.user, at=data.pop("changed_at", None), **data)
        return Response(self.get_serializer(consent).data, status=status.HTTP_200_OK)


class CustomFieldViewSet(
    ContactsApi,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Custom field definitions: everyone who sees contacts reads them, admins change them."""

    serializer_class = s.CustomFieldSerializer
    filterset_class = filters.CustomFieldFilter
    ordering_fields = ["target", "order", "id"]
    ordering = ["target", "order", "id"]
    pagination_class = None
    list_permission = None  # the definitions are not client data
    permission_map = model_permissions(CustomField)
    selector = staticmethod(selectors.custom_fields_visible_to)
    create_service = staticmethod(services.custom_field_create)
    update_service = staticmethod(services.custom_field_update)
    delete_service = staticmethod(services.custom_field_delete)
    service_instance_name = "field"

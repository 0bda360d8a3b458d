"""The contacts API. Every queryset comes from a selector (already scoped to the user), filters
only narrow it, and every write calls a service."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
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
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.http import client_ip
from crm.models import AccessLog
from crm.services import access_record

from .. import filters, selectors, services
from ..models import Company, Consent, Contact, CustomField, Email, Interaction, Phone, Purchase
from ..validators import mask_phone
from . import serializers as s

# How many matches a search answers with: operators, who may not list the base, get the
# first page of matches only, enough to find a caller and too few to page through everyone.
SEARCH_LIMIT = 20
SEARCH_LIMIT_MAX = 100
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


class RolePermission(permissions.BasePermission):
    """The role's model permission for every method, reads included (DRF's own
    ``DjangoModelPermissions`` lets every read through).

    Listing is listing the client base: without ``contacts.list_contact`` (operators) a list
    answers only when narrowed to one record's worth — a search, or the records of one contact.
    """

    verbs = {
        "GET": "view",
        "HEAD": "view",
        "OPTIONS": "view",
        "POST": "add",
        "PUT": "change",
        "PATCH": "change",
        "DELETE": "delete",
    }

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        model = view.permission_model
        verb = getattr(view, "permission_verbs", {}).get(request.method, self.verbs[request.method])
        if not user.has_perm(f"{model._meta.app_label}.{verb}_{model._meta.model_name}"):
            return False
        narrowing = getattr(view, "list_narrowed_by", None)
        if (
            narrowing is not None
            and getattr(view, "action", None) == "list"
            and not any(request.query_params.get(p, "").strip() for p in narrowing)
            and not user.has_perm("contacts.list_contact")
        ):
            raise exceptions.PermissionDenied(
                gettext_lazy(
                    "Your role cannot list the client base: search for a client, "
                    "or open one client's records."
                )
            )
        return True


class ContactsApiMixin:
    permission_classes = [RolePermission]
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    lookup_value_regex = "[0-9]+"
    permission_model: type = Contact
    permission_verbs: dict[str, str] = {}
    list_narrowed_by: tuple[str, ...] | None = None

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        context["masked"] = selectors.masked_fields_for(user) if user.is_authenticated else set()
        return context

    def schema_guard(self) -> bool:
        return getattr(self, "swagger_fake_view", False)  # schema generation has no user


def _ranked(rows, ids: list[int]) -> list:
    rank = {pk: i for i, pk in enumerate(ids)}
    return sorted(rows, key=lambda row: rank[row.pk])


class SearchListMixin:
    """``?search=`` answers one page of ranked matches from the app's search selector."""

    def search_ids(self, query: str, limit: int) -> list[int]:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        query = request.query_params.get("search", "").strip()
        if not query:
            return super().list(request, *args, **kwargs)
        user = request.user
        limit = SEARCH_LIMIT
        if user.has_perm("contacts.list_contact"):
            try:
                limit = min(
                    int(request.query_params.get("page_size", SEARCH_LIMIT)), SEARCH_LIMIT_MAX
                )
            except ValueError:
                limit = SEARCH_LIMIT
        ids = self.search_ids(query, max(limit, 1))
        rows = list(self.filter_queryset(self.get_queryset().filter(pk__in=ids)))
        if not request.query_params.get("ordering"):
            rows = _ranked(rows, ids)
        access_record(
            user=user,
            action=AccessLog.Action.SEARCH,
            model=self.permission_model,
            record_count=len(rows),
            query=query,
            ip_address=client_ip(request),
        )
        data = self.get_serializer(rows, many=True).data
        return Response({"next": None, "previous": None, "results": data})


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
        if not user.has_perm("contacts.list_contact"):
            contact = selectors.contacts_visible_to(user).filter(pk=pk).first()
            if contact is not None:
                services.contact_viewed(user=user, contact=contact, ip_address=client_ip(request))
        return response


# --- companies and contacts ----------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[SEARCH_PARAMETER]),
    create=extend_schema(responses={201: s.CompanySerializer}),
)
class CompanyViewSet(
    ContactsApiMixin,
    SearchListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Companies the user may see, with their phones, e-mails, tags and custom fields.

    Custom fields filter as `?custom.<code>=value` (and `custom.<code>__gte` / `__lte` for
    numbers and dates)."""

    serializer_class = s.CompanySerializer
    filterset_class = filters.CompanyFilter
    ordering_fields = ["name", "created_at", "id"]
    ordering = "-id"
    permission_model = Company
    list_narrowed_by = ("search",)

    def get_queryset(self):
        if self.schema_guard():
            return Company.objects.none()
        return (
            selectors.companies_visible_to(self.request.user)
            .select_related("owner")
            .prefetch_related(
                Prefetch("phones", queryset=Phone.objects.order_by("-is_primary", "id")),
                Prefetch("emails", queryset=Email.objects.order_by("-is_primary", "id")),
                "tags",
            )
        )

    def search_ids(self, query: str, limit: int) -> list[int]:
        return [c.pk for c in selectors.companies_search(self.request.user, query, limit=limit)]

    def _read(self, company: Company) -> Company:
        # Read back with its phones, e-mails and tags as they are now.
        return self.get_queryset().filter(pk=company.pk).first() or company

    def perform_create(self, serializer):
        company = services.company_create(actor=self.request.user, **serializer.service_arguments())
        serializer.instance = self._read(company)

    def perform_update(self, serializer):
        company = services.company_update(
            actor=self.request.user, company=serializer.instance, **serializer.service_arguments()
        )
        serializer.instance = self._read(company)

    def perform_destroy(self, instance):
        services.company_delete(actor=self.request.user, company=instance)


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
    ContactsApiMixin,
    SearchListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """People. A person is not deleted through the API: erasing personal data is its own
    procedure (152-FZ art. 21, GDPR art. 17), which keeps the evidence of consents."""

    serializer_class = s.ContactSerializer
    filterset_class = filters.ContactFilter
    ordering_fields = ["last_name", "created_at", "lifetime_value", "id"]
    ordering = "-id"
    list_narrowed_by = ("search",)

    def get_queryset(self):
        if self.schema_guard():
            return Contact.objects.none()
        return selectors.contact_list(self.request.user).prefetch_related("consents")

    def search_ids(self, query: str, limit: int) -> list[int]:
        return [c.pk for c in selectors.contacts_search(self.request.user, query, limit=limit)]

    def get_object(self) -> Contact:
        try:
            contact = selectors.contact_card(self.request.user, int(self.kwargs["pk"]))
        except (ObjectDoesNotExist, ValueError):
            raise Http404 from None
        self.check_object_permissions(self.request, contact)
        return contact

    def _read(self, contact: Contact) -> Contact:
        try:
            return selectors.contact_card(self.request.user, contact.pk)
        except ObjectDoesNotExist:  # given to someone whose contacts this user does not see
            return contact

    def retrieve(self, request, *args, **kwargs):
        contact = self.get_object()
        services.contact_viewed(user=request.user, contact=contact, ip_address=client_ip(request))
        return Response(self.get_serializer(contact).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            contact = services.contact_create(
                actor=request.user,
                allow_duplicate=_truthy(request.query_params.get("allow_duplicate")),
                **serializer.service_arguments(),
            )
        except services.DuplicateContactError as exc:
            return self._duplicates(exc)
        return Response(
            self.get_serializer(self._read(contact)).data, status=status.HTTP_201_CREATED
        )

    def _duplicates(self, exc: services.DuplicateContactError) -> Response:
        """Name the duplicates the user may open; the others only by their number."""
        ids = [c.pk for c in exc.duplicates]
        visible = set(
            selectors.contacts_visible_to(self.request.user)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        names = ", ".join(
            f"{c} (#{c.pk})" if c.pk in visible else f"#{c.pk}" for c in exc.duplicates[:5]
        )
        message = _("A contact with this phone or e-mail already exists: %(names)s") % {
            "names": names
        }
        body = {
            "status": status.HTTP_400_BAD_REQUEST,
            "code": "duplicate",
            "detail": message,
            "fields": {"non_field_errors": [message]},
            "duplicates": ids,
        }
        return Response(body, status=status.HTTP_400_BAD_REQUEST)

    def perform_update(self, serializer):
        contact = services.contact_update(
            actor=self.request.user, contact=serializer.instance, **serializer.service_arguments()
        )
        serializer.instance = self._read(contact)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "phone", OpenApiTypes.STR, required=True, description="The number in any format."
        )
    ],
    responses={200: s.LookupSerializer},
)
class ContactLookupView(APIView):
    """Caller-ID: who is calling from this number, with what a screen pop shows.

    A fixed number of queries however long the callers' history; the lookup is written to
    the access log."""

    permission_classes = [RolePermission]
    permission_model = Contact

    def get(self, request):
        query = s.LookupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        phone = query.validated_data["phone"]
        matches = selectors.contact_lookup(request.user, phone, limit=LOOKUP_LIMIT)
        access_record(
            user=request.user,
            action=AccessLog.Action.SEARCH,
            model=Contact,
            record_count=len(matches),
            query=phone,
            ip_address=client_ip(request),
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
    ContactsApiMixin,
    OneContactListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    # Removing a phone is editing the card it is on: the roles that change contacts change
    # (and remove) their phones, as the contact's own phone list does.
    permission_verbs = {"DELETE": "change"}
    list_narrowed_by = ("contact", "company")
    ordering_fields = ["id", "created_at"]
    ordering = "-id"
    model: type[Phone] | type[Email]
    value_field = ""

    def get_queryset(self):
        if self.schema_guard():
            return self.model.objects.none()
        scope = selectors.phones_visible_to if self.model is Phone else selectors.emails_visible_to
        return scope(self.request.user)

    def save(self, point, make_primary: bool):
        saver = services.phone_save if self.model is Phone else services.email_save
        key = "phone" if self.model is Phone else "email"
        return saver(actor=self.request.user, **{key: point}, make_primary=make_primary)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        make_primary = data.pop("make_primary", False)
        serializer.instance = self.save(self.model(**data), make_primary)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        make_primary = data.pop("make_primary", False)
        point = serializer.instance
        for key, value in data.items():
            setattr(point, key, value)
        serializer.instance = self.save(point, make_primary)

    def perform_destroy(self, instance):
        services.contact_point_remove(actor=self.request.user, point=instance)


class PhoneViewSet(_PointViewSet):
    """Phones of the contacts and companies the user may see. Without the permission to list
    the base, a list needs `contact` or `company`."""

    serializer_class = s.PhoneSerializer
    filterset_class = filters.PhoneFilter
    permission_model = Phone
    model = Phone


class EmailViewSet(_PointViewSet):
    """E-mails of the contacts and companies the user may see. Without the permission to list
    the base, a list needs `contact` or `company`."""

    serializer_class = s.EmailSerializer
    filterset_class = filters.EmailFilter
    permission_model = Email
    model = Email


# --- timeline, purchases, consents ---------------------------------------------------------


class _RecordedMixin:
    """Creating through an idempotent service: the same external id again answers 200 with
    the row already recorded instead of 201 and a duplicate."""

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
    ContactsApiMixin,
    OneContactListMixin,
    _RecordedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The timeline: calls, e-mails, chats, notes… of the contacts the user may see. Without
    the permission to list the base, a list needs `contact`."""

    serializer_class = s.InteractionSerializer
    filterset_class = filters.InteractionFilter
    ordering_fields = ["occurred_at", "id"]
    ordering = ["-occurred_at", "-id"]
    permission_model = Interaction
    list_narrowed_by = ("contact",)

    def get_queryset(self):
        if self.schema_guard():
            return Interaction.objects.none()
        return selectors.interactions_visible_to(self.request.user).select_related("related_type")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        interaction, created = services.interaction_add(
            actor=request.user, **serializer.validated_data
        )
        return self.recorded(interaction, created)


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
    ContactsApiMixin,
    OneContactListMixin,
    _RecordedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Purchases of the contacts the user may see; recording one refreshes the contact's
    customer value. Without the permission to list the base, a list needs `contact`."""

    serializer_class = s.PurchaseSerializer
    filterset_class = filters.PurchaseFilter
    ordering_fields = ["purchased_at", "amount", "id"]
    ordering = ["-purchased_at", "-id"]
    permission_model = Purchase
    list_narrowed_by = ("contact",)

    def get_queryset(self):
        if self.schema_guard():
            return Purchase.objects.none()
        return selectors.purchases_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        purchase, created = services.purchase_record(
            actor=request.user, **serializer.validated_data
        )
        return self.recorded(purchase, created)


@extend_schema_view(
    create=extend_schema(
        summary="Grant or withdraw a consent",
        responses={200: s.ConsentSerializer},
    )
)
class ConsentViewSet(
    ContactsApiMixin,
    OneContactListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Consents (152-FZ art. 9, GDPR art. 7): one current state per contact and purpose.
    Posting sets it — granted or withdrawn — and keeps the previous state in the history.
    Without the permission to list the base, a list needs `contact`."""

    serializer_class = s.ConsentSerializer
    filterset_class = filters.ConsentFilter
    ordering_fields = ["changed_at", "id"]
    ordering = "-id"
    permission_model = Consent
    list_narrowed_by = ("contact",)

    def get_queryset(self):
        if self.schema_guard():
            return Consent.objects.none()
        return selectors.consents_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        consent = services.consent_set(actor=request.user, at=data.pop("changed_at", None), **data)
        return Response(self.get_serializer(consent).data, status=status.HTTP_200_OK)


class CustomFieldViewSet(ContactsApiMixin, viewsets.ModelViewSet):
    """Custom field definitions: everyone who sees contacts reads them, admins change them."""

    serializer_class = s.CustomFieldSerializer
    filterset_class = filters.CustomFieldFilter
    ordering_fields = ["target", "order", "id"]
    ordering = ["target", "order", "id"]
    permission_model = CustomField
    pagination_class = None
    queryset = CustomField.objects.order_by("target", "order", "id")

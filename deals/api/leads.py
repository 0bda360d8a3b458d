"""The leads API: leads (create → lead_create with channel "api"; take, junk, assign,
convert) and the web forms heads of sales manage. Rows come from the selectors, writes go
through the services; phones and e-mails come masked to the roles that see them masked."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from contacts import masking
from contacts.models import Source
from contacts.selectors import masked_fields_for
from crm.api.bases import ScopedViewSet
from crm.api.fields import ScopedPrimaryKeyField
from crm.api.permissions import model_permissions
from crm.selectors import users_assignable_by

from ..forms_leads import CHANNEL_CHOICES
from ..models import Lead, Pipeline, Product, Stage, WebForm
from ..selectors import leads as selectors
from ..selectors.deals import pipelines_active
from ..services import leads as services


def _active_products(user):
    return Product.objects.filter(is_active=True)


class LeadSerializer(serializers.ModelSerializer):
    company = serializers.CharField(
        source="company_name", required=False, allow_blank=True, max_length=255
    )
    phone = serializers.CharField(required=False, allow_blank=True, max_length=60)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    message = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    product = ScopedPrimaryKeyField(_active_products, required=False, allow_null=True)
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    deal = serializers.PrimaryKeyRelatedField(read_only=True)
    company_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "phone",
            "email",
            "company",
            "source",
            "channel",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_content",
            "utm_term",
            "product",
            "region",
            "language",
            "message",
            "external_id",
            "status",
            "junk_reason",
            "junk_comment",
            "owner",
            "assigned_at",
            "taken_at",
            "contact",
            "company_id",
            "deal",
            "converted_at",
            "web_form",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "channel",
            "status",
            "junk_reason",
            "junk_comment",
            "owner",
            "assigned_at",
            "taken_at",
            "contact",
            "converted_at",
            "web_form",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        masks = self.context.get("masked")
        data["phone"] = masking.phone_for(data["phone"] or "", masks, as_stored=True)
        data["email"] = masking.email_for(data["email"] or "", masks)
        data["message"] = masking.text_for(data["message"] or "", masks)
        return data

    def service_arguments(self) -> dict:
        data = dict(self.validated_data)
        if "company_name" in data:
            data["company"] = data.pop("company_name")
        if self.instance is not None:
            data.pop("external_id", None)
            return data
        return {"channel": "api", "data": data}


class ConvertSerializer(serializers.Serializer):
    pipeline = serializers.PrimaryKeyRelatedField(
        queryset=Pipeline.objects.none(), required=False, allow_null=True
    )
    stage = serializers.PrimaryKeyRelatedField(
        queryset=Stage.objects.all(), required=False, allow_null=True
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=255)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    new_contact = serializers.BooleanField(required=False, default=False)
    create_company = serializers.BooleanField(required=False, default=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["pipeline"].queryset = pipelines_active()
        return fields

    def validate(self, attrs):
        stage, pipeline = attrs.get("stage"), attrs.get("pipeline")
        if stage is not None and pipeline is not None and stage.pipeline_id != pipeline.pk:
            raise serializers.ValidationError(
                {"stage": [_("The stage belongs to another pipeline.")]}
            )
        if stage is not None and pipeline is None:
            attrs["pipeline"] = stage.pipeline
        return attrs


class JunkSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Lead.JunkReason.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)


class AssignSerializer(serializers.Serializer):
    owner = ScopedPrimaryKeyField(users_assignable_by)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class LeadFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Lead.Status.choices)
    channel = django_filters.ChoiceFilter(choices=CHANNEL_CHOICES)
    source = django_filters.ChoiceFilter(choices=Source.choices)
    owner = django_filters.NumberFilter(field_name="owner_id")
    received_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    received_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Lead
        fields = ["status", "channel", "source", "owner"]


class LeadViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """Leads the user may see: a manager their own, a head of sales the team's and the
    unassigned ones. Operators may create leads (from calls) but not read them back."""

    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["created_at", "id"]
    ordering = "-id"
    permission_map = {
        **model_permissions(Lead),
        "convert": "deals.change_lead",
        "take": "deals.change_lead",
        "junk": "deals.change_lead",
        "assign": "deals.change_lead",
    }
    selector = staticmethod(selectors.lead_list)
    create_service = staticmethod(services.lead_create)
    update_service = staticmethod(services.lead_update)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        context["masked"] = masked_fields_for(user) if user.is_authenticated else set()
        return context

    def _done(self, lead: Lead) -> Response:
        lead = self.get_queryset().filter(pk=lead.pk).first() or lead
        return Response(self.get_serializer(lead).data)

    @extend_schema(request=ConvertSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """Open a deal from the lead (and the contact and company when they are new)."""
        lead = self.get_object()
        body = ConvertSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        services.lead_convert(actor=request.user, lead=lead, **body.validated_data)
        return self._done(lead)

    @extend_schema(request=None, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        lead = self.get_object()
        services.lead_take(actor=request.user, lead=lead)
        return self._done(lead)

    @extend_schema(request=JunkSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def junk(self, request, pk=None):
        lead = self.get_object()
        body = JunkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.lead_junk(actor=request.user, lead=lead, **body.validated_data)
        return self._done(lead)

    @extend_schema(request=AssignSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        lead = self.get_object()
        body = AssignSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        services.lead_assign_to(actor=request.user, lead=lead, **body.validated_data)
        return self._done(lead)


class WebFormSerializer(serializers.ModelSerializer):
    allowed_origins = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=50
    )
    product = ScopedPrimaryKeyField(_active_products, required=False, allow_null=True)

    class Meta:
        model = WebForm
        fields = [
            "id",
            "name",
            "key",
            "allowed_origins",
            "product",
            "success_message",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["key", "created_at"]


class WebFormViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """Web forms (heads of sales): the sites allowed to send each, its product and thanks.
    A form's ``key`` names it in the snippet and the public endpoint."""

    serializer_class = WebFormSerializer
    permission_map = model_permissions(WebForm)
    selector = staticmethod(selectors.web_forms_visible_to)
    create_service = staticmethod(services.web_form_create)
    update_service = staticmethod(services.web_form_update)
    service_instance_name = "web_form"
    ordering = "-id"


routes = [
    ("leads", LeadViewSet, "lead"),
    ("web-forms", WebFormViewSet, "webform"),
]
urlpatterns: list = []

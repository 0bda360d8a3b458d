"""The deals API: deals (every write through the services, the queryset from the selector),
a deal's move to a stage, pipelines with their stages nested."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from contacts.selectors import companies_visible_to, contacts_visible_to
from crm.api.bases import ScopedViewSet
from crm.api.fields import ScopedPrimaryKeyField
from crm.api.permissions import model_permissions

from ..models import Deal, LossReason, Pipeline, Stage
from ..selectors import deals as selectors
from ..services import deals as services


class StageSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, allow_null=True)
    delete = serializers.BooleanField(required=False, default=False, write_only=True)

    class Meta:
        model = Stage
        fields = ["id", "name", "client_label", "probability", "kind", "order", "color", "delete"]
        extra_kwargs = {"probability": {"min_value": 0, "max_value": 100}}


class PipelineSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "order", "is_active", "currency", "stages"]

    def service_arguments(self) -> dict:
        data = dict(self.validated_data)
        pipeline = self.instance
        if pipeline is not None:
            # A partial update keeps what it does not name, the stages included.
            for name in ("name", "order", "is_active", "currency"):
                data.setdefault(name, getattr(pipeline, name))
            data.setdefault(
                "stages",
                [{"id": s.pk, **StageSerializer(s).data} for s in pipeline.stages.all()],
            )
        data["stages"] = [dict(s) for s in data.get("stages", [])]
        return data


class DealSerializer(serializers.ModelSerializer):
    pipeline = serializers.PrimaryKeyRelatedField(queryset=Pipeline.objects.all())
    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all(), required=False)
    # Ids the requester may not see are answered like ids that do not exist.
    owner = ScopedPrimaryKeyField(selectors.deal_owners_for, required=False)
    contact = ScopedPrimaryKeyField(contacts_visible_to, required=False, allow_null=True)
    company = ScopedPrimaryKeyField(companies_visible_to, required=False, allow_null=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    currency = serializers.CharField(max_length=3, required=False)

    class Meta:
        model = Deal
        fields = [
            "id",
            "title",
            "pipeline",
            "stage",
            "owner",
            "contact",
            "company",
            "amount",
            "currency",
            "source",
            "expected_close_date",
            "stage_entered_at",
            "closed_at",
            "loss_reason",
            "loss_comment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "stage_entered_at",
            "closed_at",
            "loss_reason",
            "loss_comment",
            "created_at",
            "updated_at",
        ]

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("pipeline", "stage"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: ["Move the deal with POST /api/v1/deals/<id>/move/."]}
                    )
            attrs.pop("pipeline", None)
            attrs.pop("stage", None)
        return attrs


class MoveSerializer(serializers.Serializer):
    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all())
    loss_reason = serializers.PrimaryKeyRelatedField(
        queryset=LossReason.objects.filter(is_active=True), required=False, allow_null=True
    )
    loss_comment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class DealFilter(filters.FilterSet):
    class Meta:
        model = Deal
        fields = ["pipeline", "stage", "owner", "contact", "company", "source", "currency"]


class DealViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Deals the user may see: a manager their own, a head of sales the team's."""

    serializer_class = DealSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = DealFilter
    permission_map = {**model_permissions(Deal), "move": "deals.change_deal"}
    selector = staticmethod(selectors.deals_visible_to)
    create_service = staticmethod(services.deal_create)
    update_service = staticmethod(services.deal_update)
    delete_service = staticmethod(services.deal_delete)

    def get_queryset(self):
        return super().get_queryset().select_related("pipeline", "stage").order_by("-id")

    @extend_schema(request=MoveSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move the deal to a stage of its pipeline; a lost stage needs ``loss_reason``."""
        deal = self.get_object()
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        deal = services.deal_move_to_stage(
            actor=request.user,
            deal=deal,
            stage=data["stage"],
            loss_reason=data.get("loss_reason"),
            loss_comment=data.get("loss_comment", ""),
        )
        deal.refresh_from_db()
        return Response(DealSerializer(deal, context=self.get_serializer_context()).data)


class PipelineViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """Pipelines with their stages: read by whoever sells, written by heads of sales."""

    serializer_class = PipelineSerializer
    permission_map = model_permissions(Pipeline)
    selector = staticmethod(selectors.pipelines_with_stages)
    create_service = staticmethod(services.pipeline_save)
    update_service = staticmethod(services.pipeline_save)


routes = [
    ("deals", DealViewSet, "deal"),
    ("pipelines", PipelineViewSet, "pipeline"),
]
urlpatterns: list = []

"""The forecast and KPIs (read, scoped as the page is), sales plans and the sales generator's
rules (heads of sales and admins)."""

from __future__ import annotations

from django.http import QueryDict
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from contacts.models import Tag
from crm.api.bases import ScopedMixin, ScopedViewSet
from crm.api.errors import ApiError
from crm.api.fields import ScopedPrimaryKeyField
from crm.api.permissions import model_permissions

from ..forms_forecast import PeriodForm
from ..models import Pipeline, Product, RepeatDealRule, SalesPlan, Stage
from ..selectors import forecast as selectors
from ..services import plans as plan_services
from ..services import repeat as repeat_services

PERIOD_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.STR, description="First month, YYYY-MM."),
    OpenApiParameter("end", OpenApiTypes.STR, description="Last month, YYYY-MM."),
    OpenApiParameter("pipeline", OpenApiTypes.INT, description="Pipeline for conversion."),
]


def _money(value) -> str:
    return str(value) if value is not None else None


def _report(request):
    form = PeriodForm(request.query_params if request.query_params else None)
    if form.is_bound and not form.is_valid():
        fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
        raise ApiError(next(iter(fields.values()))[0], code="invalid", fields=fields)
    pipeline = form.cleaned_data.get("pipeline") if form.is_bound else None
    return selectors.forecast_report(request.user, form.period, pipeline=pipeline)


def _period(report) -> dict:
    return {"start": f"{report.period.first:%Y-%m}", "end": f"{report.period.last:%Y-%m}"}


class ForecastView(ScopedMixin, APIView):
    """The weighted pipeline per month (and per manager), per pipeline, and plan against
    fact. Amounts are decimal strings, each with its currency; never added across currencies.
    Supervisors and marketers get totals only (no ``manager`` key)."""

    permission_map = {"GET": "deals.view_forecast"}

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        report = _report(request)
        per_manager = report.per_manager

        def weighted(row):
            item = {
                "month": f"{row['month']:%Y-%m}",
                "currency": row["currency"],
                "deals": row["deals"],
                "amount": _money(row["amount"]),
                "weighted": _money(row["weighted"]),
            }
            if per_manager:
                item["manager"] = row["owner"]
            return item

        def plan_fact(row):
            item = {
                "month": f"{row['month']:%Y-%m}",
                "currency": row["currency"],
                "plan": _money(row["plan"]),
                "fact": _money(row["fact"]),
                "won_deals": row["deals"],
                "percent": row["percent"],
            }
            if per_manager:
                item["manager"] = row["manager"]
            return item

        return Response(
            {
                "period": _period(report),
                "per_manager": per_manager,
                "weighted": [weighted(r) for r in report.weighted],
                "by_pipeline": [
                    {**r, "amount": _money(r["amount"]), "weighted": _money(r["weighted"])}
                    for r in report.by_pipeline
                ],
                "plan_fact": [plan_fact(r) for r in report.plan_fact],
            }
        )


class KpiView(ScopedMixin, APIView):
    """Per manager: leads received, time to first action (seconds), won deals, activities,
    conversion per stage of the pipeline. Totals only for supervisors and marketers."""

    permission_map = {"GET": "deals.view_forecast"}

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        report = _report(request)
        stages = [{"id": s.pk, "name": s.name, "kind": s.kind} for s in report.stages]
        data = {
            "period": _period(report),
            "per_manager": report.per_manager,
            "pipeline": report.pipeline.pk if report.pipeline else None,
            "stages": stages,
            "conversion": [
                {"stage": pk, **dict(c.items())} for pk, c in report.conversion_total.items()
            ],
        }
        if report.per_manager:
            data["managers"] = [
                {
                    "id": kpi.manager.pk,
                    "name": str(kpi.manager),
                    "leads": kpi.leads,
                    "leads_taken": kpi.taken,
                    "first_action_seconds_median": kpi.wait_median,
                    "first_action_seconds_avg": kpi.wait_avg,
                    "won_deals": kpi.won_deals,
                    "won": {c: str(a) for c, a in kpi.won.items()},
                    "interactions": kpi.interactions,
                    "tasks_done": kpi.tasks,
                    "conversion": [
                        {"stage": pk, **{k: v for k, v in c.items() if k not in ("stage", "owner")}}
                        for pk, c in kpi.conversion.items()
                    ],
                }
                for kpi in report.managers
            ]
        else:
            data["leads"] = report.leads_total
        return Response(data)


# --- plans -----------------------------------------------------------------------------------


class SalesPlanSerializer(serializers.ModelSerializer):
    manager = ScopedPrimaryKeyField(selectors.managers_in_scope)
    month = serializers.DateField(help_text=_("Any day of the month; stored as its first day."))
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)

    class Meta:
        model = SalesPlan
        fields = ["id", "manager", "month", "amount", "currency"]
        read_only_fields = ["id"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, (list, QueryDict)):
            # A plan's person and month are what it is: to move it, delete it and add another.
            for name in ("manager", "month"):
                fields[name].read_only = True
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["manager"] = instance.manager_id
        return data

    def validate(self, attrs):
        # The unique (manager, month) check is the service's, with its message.
        return attrs

    def get_validators(self):
        return []


class SalesPlanViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Plans per manager and month. A head reads and sets their teams' plans, a manager reads
    their own."""

    serializer_class = SalesPlanSerializer
    permission_map = model_permissions(SalesPlan, DELETE="change")
    selector = staticmethod(selectors.plans_visible_to)
    create_service = staticmethod(plan_services.plan_create)
    update_service = staticmethod(plan_services.plan_update)
    delete_service = staticmethod(plan_services.plan_delete)

    def get_queryset(self):
        qs = super().get_queryset().order_by("-month", "manager_id", "id")
        month = self.request.query_params.get("month", "")
        if len(month) == 7:
            qs = qs.filter(month=f"{month}-01")
        return qs


# --- generator rules ---------------------------------------------------------------------------


class RepeatRuleSerializer(serializers.ModelSerializer):
    source_pipeline = serializers.PrimaryKeyRelatedField(queryset=Pipeline.objects.all())
    target_stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all())
    products = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), many=True, required=False
    )
    tags = serializers.PrimaryKeyRelatedField(queryset=Tag.objects.all(), many=True, required=False)
    # No model-level validation here: the service checks the rule as a whole (0 days, a stage
    # of another pipeline) and answers 400 with the field's message.
    after_days = serializers.IntegerField()

    class Meta:
        model = RepeatDealRule
        fields = [
            "id",
            "name",
            "source_pipeline",
            "target_stage",
            "after_days",
            "products",
            "tags",
            "title_template",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class RepeatRuleViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """The sales generator's rules (heads of sales and admins)."""

    serializer_class = RepeatRuleSerializer
    permission_map = model_permissions(RepeatDealRule, DELETE="change")
    selector = staticmethod(
        lambda user: RepeatDealRule.objects.prefetch_related("products", "tags").order_by(
            "name", "id"
        )
    )
    create_service = staticmethod(repeat_services.repeat_rule_create)
    update_service = staticmethod(repeat_services.repeat_rule_update)
    delete_service = staticmethod(repeat_services.repeat_rule_delete)


routes = [
    ("sales-plans", SalesPlanViewSet, "salesplan"),
    ("repeat-rules", RepeatRuleViewSet, "repeatdealrule"),
]
urlpatterns = [
    path("forecast/", ForecastView.as_view(), name="forecast"),
    path("forecast/kpis/", KpiView.as_view(), name="forecast-kpis"),
]

"""The product catalog and deals' product lines over the API (namespace deals-api)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from crm.api.bases import ScopedViewSet
from crm.api.permissions import model_permissions

from ..models import Deal, DealLine, Product, VatRate
from ..selectors.deals import deals_visible_to
from ..selectors.invoices import products_catalog
from ..services import products as services


class ProductSerializer(serializers.ModelSerializer):
    vat_rate = serializers.ChoiceField(choices=VatRate.choices, default=VatRate.TWENTY_TWO)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "sku",
            "description",
            "price",
            "currency",
            "vat_rate",
            "vat_included",
            "unit",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        # SKU uniqueness is the service's to check (one message for every door).
        extra_kwargs = {"sku": {"validators": []}}


def _all_products(user):
    return products_catalog(user, active_only=False)


@extend_schema_view(
    create=extend_schema(description="Add a product; an SKU already used answers 400 on `sku`.")
)
class ProductViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """The catalog: every role that sells reads it, heads of sales change it."""

    serializer_class = ProductSerializer
    permission_map = model_permissions(Product)
    selector = staticmethod(_all_products)
    create_service = staticmethod(services.product_create)
    update_service = staticmethod(services.product_update)

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.query_params.get("active") in ("1", "true"):
            qs = qs.filter(is_active=True)
        return qs


class DealLineSerializer(serializers.ModelSerializer):
    deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.none())
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True
    )
    vat_rate = serializers.ChoiceField(choices=VatRate.choices, required=False)
    net = serializers.SerializerMethodField()
    vat = serializers.SerializerMethodField()
    gross = serializers.SerializerMethodField()

    class Meta:
        model = DealLine
        fields = [
            "id",
            "deal",
            "product",
            "name",
            "quantity",
            "unit",
            "price",
            "discount_percent",
            "vat_rate",
            "vat_included",
            "position",
            "net",
            "vat",
            "gross",
        ]
        read_only_fields = ["position"]
        extra_kwargs = {
            "name": {"required": False},
            "price": {"required": False},
            "unit": {"required": False},
            "vat_included": {"required": False},
            # The ranges are the service's to check, with its own messages.
            "quantity": {"min_value": None, "max_value": None},
            "discount_percent": {"min_value": None, "max_value": None},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["deal"].queryset = deals_visible_to(request.user)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["deal"].read_only = True
            self.fields["product"].read_only = True

    def _amounts(self, line):
        cache = self.context.setdefault("_amounts", {})
        if line.pk not in cache:
            cache[line.pk] = services.amounts_of(line)
        return cache[line.pk]

    def get_net(self, line) -> str:
        return str(self._amounts(line).net)

    def get_vat(self, line) -> str:
        return str(self._amounts(line).vat)

    def get_gross(self, line) -> str:
        return str(self._amounts(line).gross)


def _lines_visible_to(user):
    return DealLine.objects.filter(deal__in=deals_visible_to(user)).select_related("deal")


class DealLineViewSet(
    ScopedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Product lines of the deals the user may see (`?deal=<id>` for one deal's). Every change
    keeps the deal's amount equal to the sum of its lines with VAT."""

    serializer_class = DealLineSerializer
    permission_map = model_permissions(DealLine)
    selector = staticmethod(_lines_visible_to)
    create_service = staticmethod(services.deal_line_add)
    update_service = staticmethod(services.deal_line_update)
    delete_service = staticmethod(services.deal_line_remove)
    service_instance_name = "line"

    def get_queryset(self):
        qs = super().get_queryset()
        deal = self.request.query_params.get("deal", "")
        if deal.isdigit():
            qs = qs.filter(deal_id=int(deal))
        return qs

    def service_arguments(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("position", None)
        return data


routes = [
    ("products", ProductViewSet, "product"),
    ("deal-lines", DealLineViewSet, "deal-line"),
]
urlpatterns: list = []

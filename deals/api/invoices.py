"""Invoices and payments over the API (namespace deals-api)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api.bases import ScopedViewSet
from crm.api.permissions import model_permissions

from ..models import Deal, Invoice, InvoiceLine, Payment
from ..selectors.deals import deals_visible_to
from ..selectors.invoices import invoices_visible_to
from ..services import invoices as services


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "product",
            "name",
            "quantity",
            "unit",
            "price",
            "discount_percent",
            "vat_rate",
            "vat_included",
            "amount",
            "vat_amount",
        ]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.none())
    number = serializers.CharField(source="display_number", read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "year",
            "deal",
            "contact",
            "company",
            "owner",
            "status",
            "issued_on",
            "due_on",
            "currency",
            "subtotal",
            "vat_amount",
            "total",
            "paid_amount",
            "balance",
            "buyer",
            "seller",
            "sent_at",
            "paid_at",
            "lines",
        ]
        read_only_fields = [f for f in fields if f not in ("deal", "due_on")]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["deal"].queryset = deals_visible_to(request.user)


def _invoices(user):
    return invoices_visible_to(user).prefetch_related("lines")


class InvoiceViewSet(
    ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """Invoices of the deals the user may see. POST with a `deal` makes a draft from the
    deal's lines, numbered next in the year; `issue`, `cancel`, `send` and `pdf` act on one.
    `?status=` narrows the list."""

    serializer_class = InvoiceSerializer
    permission_map = model_permissions(Invoice) | {
        "issue": "deals.change_invoice",
        "cancel": "deals.change_invoice",
        "send": "deals.change_invoice",
        "pdf": "deals.view_invoice",
    }
    selector = staticmethod(_invoices)
    create_service = staticmethod(services.invoice_create_from_deal)

    def get_queryset(self):
        qs = super().get_queryset()
        wanted = self.request.query_params.get("status", "")
        if wanted:
            qs = qs.filter(status=wanted)
        return qs

    def _act(self, service):
        invoice = self.get_object()
        service(actor=self.request.user, invoice=invoice)
        return Response(self.get_serializer(self.get_queryset().get(pk=invoice.pk)).data)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """A draft becomes an invoice to pay."""
        return self._act(services.invoice_issue)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an unpaid invoice; it keeps its number."""
        return self._act(services.invoice_cancel)

    @extend_schema(request=None, responses={202: OpenApiResponse(description="Queued")})
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """E-mail the PDF to the buyer (after the commit, retried)."""
        services.invoice_send(actor=request.user, invoice=self.get_object())
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The invoice as a PDF."""
        invoice = self.get_object()
        response = HttpResponse(services.invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="invoice-{invoice.display_number}.pdf"'
        )
        return response


class PaymentSerializer(serializers.ModelSerializer):
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.none())
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        model = Payment
        fields = ["id", "invoice", "amount", "paid_on", "method", "reference", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"paid_on": {"required": False}}
        validators: list = []  # a repeated reference returns the payment already recorded

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["invoice"].queryset = invoices_visible_to(request.user)


def _payments(user):
    return Payment.objects.filter(invoice__in=invoices_visible_to(user))


class PaymentViewSet(
    ScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """Payments against the invoices the user may see (`?invoice=<id>`). More than the balance
    answers 400 on `amount`; the same `reference` again answers the payment already recorded."""

    serializer_class = PaymentSerializer
    permission_map = model_permissions(Payment)
    selector = staticmethod(_payments)
    create_service = staticmethod(services.payment_record)

    def get_queryset(self):
        qs = super().get_queryset()
        invoice = self.request.query_params.get("invoice", "")
        if invoice.isdigit():
            qs = qs.filter(invoice_id=int(invoice))
        return qs


routes = [
    ("invoices", InvoiceViewSet, "invoice"),
    ("payments", PaymentViewSet, "payment"),
]
urlpatterns: list = []

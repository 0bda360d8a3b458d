"""Demo product lines on some deals of the two demo pipelines, and invoices in every status
with their payments. The deals are found by pipeline and stage names; without them (the
pipelines' loader not run) nothing is added."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from deals.models import Deal, Invoice, Product
from deals.services import invoices as invoice_services
from deals.services import products as product_services

# pipeline, stage → the products (SKU, quantity, discount) of the deals found there
PLAN = [
    ("Мебель на заказ", "Договор", [("KUH-KL-01", "3.6", "5"), ("STL-KAM-01", "3.6", "0")]),
    ("Мебель на заказ", "Производство", [("SHK-3D-24", "1", "0"), ("USL-DOST", "1", "0")]),
    ("Мебель на заказ", "Доставка", [("KUH-MD-02", "4.2", "10"), ("USL-DIZ-KUH", "1", "0")]),
    ("Мебель на заказ", "Сделка успешна", [("STO-DUB-01", "1", "0"), ("STU-VEN-01", "6", "0")]),
    ("Опт B2B", "Счёт выставлен", [("OPT-PET-100", "20", "7"), ("OPT-NAP-50", "10", "7")]),
    ("Опт B2B", "Переговоры", [("OPT-RUC-200", "15", "3")]),
    ("Опт B2B", "Сделка успешна", [("OPT-NAP-50", "30", "10")]),
    ("Мебель на заказ", "Дизайн-проект", [("USL-ZAMER", "1", "0"), ("FAS-MDF-EM", "8.5", "0")]),
]
# the invoices made, in order, one per deal above: what then happens to each
OUTCOMES = ["draft", "issued", "partially_paid", "paid", "overdue", "cancelled", "paid", None]


def _deal(pipeline: str, stage: str) -> Deal | None:
    return (
        Deal.objects.filter(pipeline__name=pipeline, stage__name=stage, lines__isnull=True)
        .select_related("owner", "company", "contact")
        .order_by("id")
        .first()
    )


def load(ctx) -> None:
    products = {p.sku: p for p in Product.objects.all()}
    if not products:
        return
    today = ctx.now.date()
    for (pipeline, stage, items), outcome in zip(PLAN, OUTCOMES, strict=True):
        deal = _deal(pipeline, stage)
        if deal is None:
            continue
        for sku, quantity, discount in items:
            if sku in products and products[sku].currency == deal.currency:
                product_services.deal_line_add(
                    actor=None,
                    deal=deal,
                    product=products[sku],
                    quantity=Decimal(quantity),
                    discount_percent=Decimal(discount),
                )
        if outcome is None or not deal.lines.exists():
            continue
        invoice = invoice_services.invoice_create_from_deal(actor=None, deal=deal)
        if outcome == "draft":
            continue
        if outcome == "cancelled":
            invoice_services.invoice_cancel(actor=None, invoice=invoice)
            continue
        invoice_services.invoice_issue(actor=None, invoice=invoice)
        if outcome == "partially_paid":
            invoice_services.payment_record(
                actor=None,
                invoice=invoice,
                amount=(invoice.total * Decimal("0.5")).quantize(Decimal("0.01")),
                method="bank",
                reference=f"demo-{invoice.display_number}-1",
            )
        elif outcome == "paid":
            invoice_services.payment_record(
                actor=None,
                invoice=invoice,
                amount=invoice.total,
                method="bank",
                reference=f"demo-{invoice.display_number}-1",
            )
        elif outcome == "overdue":
            Invoice.objects.filter(pk=invoice.pk).update(
                issued_on=today - dt.timedelta(days=20), due_on=today - dt.timedelta(days=10)
            )
            invoice_services.invoices_mark_overdue(today=today)

"""Invoices and products through the whole stack: pages, htmx blocks and the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deals.invoice_registrations import deal_invoices_block, deal_lines_block
from deals.models import Deal, Invoice, Product
from deals.services import invoices as services
from deals.tests.factories import DealFactory, ProductFactory
from deals.tests.factories_invoices import buyer_company, deal_with_lines, seller_requisites

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(manager):
    seller_requisites()
    deal = deal_with_lines(manager, company=buyer_company())
    invoice = services.invoice_create_from_deal(actor=manager, deal=deal)
    services.invoice_issue(actor=manager, invoice=invoice)
    return invoice


def seed_invoices(owner, count: int, start: int = 100) -> None:
    deal = DealFactory(owner=owner)
    Invoice.objects.bulk_create(
        Invoice(
            year=2026,
            number=start + n,
            deal=deal,
            owner=owner,
            total=Decimal("1000.00"),
            buyer={"name": f"ООО «Клиент {n}»"},
            status=Invoice.Status.ISSUED,
        )
        for n in range(count)
    )


def test_the_list_shows_a_manager_their_own_and_a_head_the_teams(
    client, invoice, manager, manager2, head
):
    seed_invoices(manager2, 2)
    client.force_login(manager)
    page = client.get(reverse("deals:invoice-list")).content.decode()
    assert invoice.display_number in page
    assert "Клиент 0" not in page
    client.force_login(head)
    assert invoice.display_number in client.get(reverse("deals:invoice-list")).content.decode()
    client.force_login(manager2)
    assert client.get(reverse("deals:invoice-detail", args=[invoice.pk])).status_code == 404
    assert client.get(reverse("deals:invoice-pdf", args=[invoice.pk])).status_code == 404


def test_the_list_filters_by_status_and_number(client, invoice, manager):
    seed_invoices(manager, 3)
    client.force_login(manager)
    paid = client.get(reverse("deals:invoice-list"), {"status": "paid"}).content.decode()
    assert invoice.display_number not in paid
    found = client.get(reverse("deals:invoice-list"), {"q": invoice.display_number})
    assert invoice.display_number in found.content.decode()
    assert "Клиент 1" not in found.content.decode()


def test_the_list_answers_in_a_fixed_number_of_queries(client, manager):
    seed_invoices(manager, 3)
    client.force_login(manager)
    client.get(reverse("deals:invoice-list"))  # sessions, content types warmed up
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("deals:invoice-list")).status_code == 200
    seed_invoices(manager, 60, start=1000)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("deals:invoice-list"))
    assert response.content.decode().count("data-invoice=") == 50  # one page
    assert len(many) == len(few) <= 12


def test_the_catalog_answers_in_a_fixed_number_of_queries(client, manager):
    ProductFactory.create_batch(3)
    client.force_login(manager)
    client.get(reverse("deals:product-list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("deals:product-list"))
    ProductFactory.create_batch(60)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("deals:product-list"))
    assert response.content.decode().count("data-product=") == 50
    assert len(many) == len(few) <= 10


def test_the_invoice_page_with_many_lines_and_payments(
    client, manager, django_assert_max_num_queries
):
    seller_requisites()
    deal = deal_with_lines(manager, lines=[("100.00", "1", "0", "22", True)] * 30)
    invoice = services.invoice_create_from_deal(actor=manager, deal=deal)
    services.invoice_issue(actor=manager, invoice=invoice)
    for n in range(10):
        services.payment_record(actor=manager, invoice=invoice, amount="10", reference=f"r{n}")
    client.force_login(manager)
    client.get(invoice.get_absolute_url())
    with django_assert_max_num_queries(12):
        response = client.get(invoice.get_absolute_url())
    page = response.content.decode()
    assert "Три тысячи рублей 00 копеек" in page
    assert page.count("r9") == 1


def test_a_payment_from_the_page_and_an_overpayment_refused(client, invoice, manager):
    client.force_login(manager)
    url = reverse("deals:payment-create", args=[invoice.pk])
    too_much = client.post(url, {"amount": str(invoice.total + 1)})
    assert too_much.status_code == 400
    assert "More than is due" in too_much.content.decode()
    assert client.post(url, {"amount": "500", "reference": "A-1"}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    assert invoice.paid_amount == Decimal("500")


def test_the_pdf_downloads(client, invoice, manager):
    client.force_login(manager)
    response = client.get(reverse("deals:invoice-pdf", args=[invoice.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_create_from_a_deal_then_issue_and_cancel(client, manager):
    seller_requisites()
    deal = deal_with_lines(manager)
    client.force_login(manager)
    response = client.post(reverse("deals:invoice-create"), {"deal": deal.pk})
    invoice = Invoice.objects.get(deal=deal)
    assert response.url == invoice.get_absolute_url()
    client.post(reverse("deals:invoice-issue", args=[invoice.pk]))
    client.post(reverse("deals:invoice-cancel", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CANCELLED


def test_heads_edit_the_catalog_managers_read_it(client, head, manager):
    client.force_login(manager)
    assert client.get(reverse("deals:product-create")).status_code == 403
    client.force_login(head)
    bad = client.post(
        reverse("deals:product-create"),
        {"name": "Стол", "sku": "ST-1", "price": "-5", "currency": "RUB", "vat_rate": "22"},
    )
    assert bad.status_code == 400
    assert not Product.objects.exists()
    ok = client.post(
        reverse("deals:product-create"),
        {
            "name": "Стол",
            "sku": "ST-1",
            "price": "5000",
            "currency": "RUB",
            "vat_rate": "22",
            "unit": "шт",
        },
    )
    assert ok.status_code == 302
    product = Product.objects.get(sku="ST-1")
    twin = client.post(
        reverse("deals:product-create"),
        {
            "name": "Стол 2",
            "sku": "st-1",
            "price": "1",
            "currency": "RUB",
            "vat_rate": "22",
            "unit": "шт",
        },
    )
    assert twin.status_code == 400
    assert "already has this SKU" in twin.content.decode()
    client.post(
        reverse("deals:product-edit", args=[product.pk]),
        {
            "name": "Стол дубовый",
            "sku": "ST-1",
            "price": "5500",
            "currency": "RUB",
            "vat_rate": "none",
            "unit": "шт",
            "is_active": "on",
        },
    )
    product.refresh_from_db()
    assert (product.name, product.price, product.vat_rate) == (
        "Стол дубовый",
        Decimal("5500"),
        "none",
    )


def test_deal_lines_edited_in_place(client, manager, manager2, operator):
    deal = DealFactory(owner=manager, amount=0)
    product = ProductFactory(price=Decimal("1000.00"))
    client.force_login(manager)
    add = reverse("deals:deal-line-add", args=[deal.pk])
    response = client.post(add, {"product": product.pk, "quantity": "2", "discount_percent": "10"})
    assert response.status_code == 200
    assert 'id="deal-lines-' in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("1800.00")
    bad = client.post(add, {"product": product.pk, "quantity": "-1", "discount_percent": "120"})
    assert bad.status_code == 400
    assert deal.lines.count() == 1
    line = deal.lines.get()
    edit = reverse("deals:deal-line-edit", args=[line.pk])
    assert (
        client.post(edit, {"quantity": "1", "price": "1000", "discount_percent": "0"}).status_code
        == 200
    )
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("1000.00")
    refused = client.post(edit, {"quantity": "1", "price": "1000", "discount_percent": "101"})
    assert refused.status_code == 400
    assert "between 0 and 100" in refused.content.decode()
    remove = reverse("deals:deal-line-remove", args=[line.pk])
    client.force_login(manager2)
    assert client.post(remove).status_code == 404
    client.force_login(operator)
    assert client.post(remove).status_code == 403
    client.force_login(manager)
    assert client.post(remove).status_code == 200
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("0.00")


def test_the_deal_card_blocks(invoice, manager, operator, client):
    deal = invoice.deal
    lines = deal_lines_block(deal, manager)
    assert lines is not None
    assert lines.context["totals"].gross == deal.amount
    invoices = deal_invoices_block(deal, manager)
    assert invoices.context["invoices"] == [invoice]
    assert deal_invoices_block(deal, operator) is None
    from django.template.loader import render_to_string

    html = render_to_string(invoices.template, invoices.context | {"deal": deal, "user": manager})
    assert invoice.display_number in html


# --- API -------------------------------------------------------------------------------------


def test_api_invoice_from_a_deal_issue_pay_and_pdf(api_client_for, manager):
    seller_requisites()
    deal = deal_with_lines(manager)
    api = api_client_for(manager)
    created = api.post("/api/v1/invoices/", {"deal": deal.pk}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["total"] == "120000.50"
    assert api.post(f"/api/v1/invoices/{pk}/issue/").json()["status"] == "issued"
    over = api.post("/api/v1/payments/", {"invoice": pk, "amount": "999999"}, format="json")
    assert over.status_code == 400
    assert "amount" in over.json()["fields"]
    paid = api.post(
        "/api/v1/payments/",
        {"invoice": pk, "amount": "120000.50", "reference": "b-1"},
        format="json",
    )
    assert paid.status_code == 201
    assert api.get(f"/api/v1/invoices/{pk}/").json()["status"] == "paid"
    pdf = api.get(f"/api/v1/invoices/{pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": "-1"}, "quantity"),
        ({"discount_percent": "120"}, "discount_percent"),
        ({"vat_rate": "18"}, "vat_rate"),
    ],
)
def test_api_bad_lines_answer_400_on_the_field(api_client_for, manager, body, field):
    deal = DealFactory(owner=manager)
    product = ProductFactory()
    api = api_client_for(manager)
    response = api.post(
        "/api/v1/deal-lines/", {"deal": deal.pk, "product": product.pk} | body, format="json"
    )
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not deal.lines.exists()


def test_api_products_heads_write_sku_unique(api_client_for, head, manager):
    body = {"name": "Шкаф", "sku": "A-1", "price": "100.00", "vat_rate": "22"}
    assert api_client_for(manager).post("/api/v1/products/", body, format="json").status_code == 403
    api = api_client_for(head)
    assert api.post("/api/v1/products/", body, format="json").status_code == 201
    twin = api.post("/api/v1/products/", body | {"name": "Другой"}, format="json")
    assert twin.status_code == 400
    assert "sku" in twin.json()["fields"]
    unknown = api.post("/api/v1/products/", body | {"sku": "B-2", "vat_rate": "18"}, format="json")
    assert "vat_rate" in unknown.json()["fields"]


def test_api_lines_keep_the_deal_amount(api_client_for, manager, manager2):
    deal = DealFactory(owner=manager, amount=0)
    product = ProductFactory(price=Decimal("250.00"))
    api = api_client_for(manager)
    line = api.post(
        "/api/v1/deal-lines/",
        {"deal": deal.pk, "product": product.pk, "quantity": "4"},
        format="json",
    ).json()
    assert line["gross"] == "1000.00"
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("1000.00")
    other = api_client_for(manager2).post(
        "/api/v1/deal-lines/", {"deal": deal.pk, "product": product.pk}, format="json"
    )
    assert other.status_code == 400  # not a deal they can see
    assert (
        api.patch(f"/api/v1/deal-lines/{line['id']}/", {"quantity": "2"}, format="json").status_code
        == 200
    )
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("500.00")
    assert api.delete(f"/api/v1/deal-lines/{line['id']}/").status_code == 204
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("0.00")


def test_api_invoice_list_query_count(api_client_for, manager, django_assert_max_num_queries):
    seed_invoices(manager, 60)
    api = api_client_for(manager, token=True)
    api.get("/api/v1/invoices/")
    with django_assert_max_num_queries(10):
        response = api.get("/api/v1/invoices/")
    assert response.status_code == 200


def test_malformed_input_never_answers_500(client, api_client_for, invoice, manager):
    client.force_login(manager)
    for url in (
        "/deals/invoices/?status=nonsense&page=abc&q=" + "я" * 300,
        "/deals/invoices/?page=99999",
        "/deals/products/?page=-1&q=%00",
    ):
        assert client.get(url).status_code == 200, url
    assert client.post(reverse("deals:invoice-create"), {"deal": "abc"}).status_code == 404
    pay = reverse("deals:payment-create", args=[invoice.pk])
    for amount in ("1e400", "NaN", "", "-0.01", "12,5,5"):
        assert client.post(pay, {"amount": amount}).status_code == 400, amount
    api = api_client_for(manager)
    for amount in ("NaN", "1e400", "-1", "x"):
        response = api.post(
            "/api/v1/payments/", {"invoice": invoice.pk, "amount": amount}, format="json"
        )
        assert response.status_code == 400, amount
    line = api.post(
        "/api/v1/deal-lines/",
        {"deal": invoice.deal_id, "product": ProductFactory().pk, "quantity": "1e20"},
        format="json",
    )
    assert line.status_code == 400
    assert not invoice.payments.exists()


def test_the_blocks_are_registered_on_the_deal_card(registry_override, invoice, manager):
    from deals.hooks import DEAL_CARD_BLOCKS, deal_card_blocks
    from deals.invoice_registrations import invoices_register

    registry_override(DEAL_CARD_BLOCKS, clear=True)
    invoices_register()
    titles = [block.title for block in deal_card_blocks(invoice.deal, manager)]
    assert titles == ["Products", "Invoices"]


def test_the_admin_pages_open(client, admin_user, invoice):
    from deals.models import InvoiceCounter, Payment
    from deals.models.invoices import SellerRequisites

    services.payment_record(actor=None, invoice=invoice, amount="10")
    client.force_login(admin_user)
    for model, obj in (
        (Invoice, invoice),
        (Payment, invoice.payments.first()),
        (InvoiceCounter, InvoiceCounter.objects.first()),
        (SellerRequisites, SellerRequisites.current()),
        (Product, Product.objects.first()),
        (invoice.deal.lines.model, invoice.deal.lines.first()),
    ):
        meta = model._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        assert client.get(base).status_code == 200, base
        assert client.get(f"{base}{obj.pk}/change/").status_code == 200, base

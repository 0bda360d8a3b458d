"""The invoices' and catalog's pages in a real browser, and the pictures of the guide: with
``CRM_DOCS_SCREENSHOTS=1`` they are written to docs/img/, otherwise to var/screenshots/."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from crm.demo import DemoContext
from deals.demo import products as demo_products
from deals.models import Product
from deals.services import invoices as services
from deals.services import products as product_services
from deals.tests.factories import DealFactory
from deals.tests.factories_invoices import buyer_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = (
    Path(settings.BASE_DIR, "docs", "img")
    if os.environ.get("CRM_DOCS_SCREENSHOTS")
    else Path(settings.BASE_DIR, "var", "screenshots", "docs")
)


def _invoice(manager, items, company=None):
    deal = DealFactory(owner=manager, company=company, title="Кухня и шкаф для ООО «Ромашка»")
    for sku, quantity, discount in items:
        product_services.deal_line_add(
            actor=None,
            deal=deal,
            product=Product.objects.get(sku=sku),
            quantity=quantity,
            discount_percent=discount,
        )
    return services.invoice_create_from_deal(actor=None, deal=deal)


def test_invoice_and_catalog_pages(live_server, page, login_as, manager, head):
    demo_products.load(DemoContext(password="x"))
    company = buyer_company()
    for status in ["draft", "issued", "paid", "cancelled", "issued"]:
        invoice = _invoice(manager, [("SHK-2D-16", "1", "0"), ("USL-DOST", "1", "0")])
        if status != "draft":
            if status == "cancelled":
                services.invoice_cancel(actor=None, invoice=invoice)
                continue
            services.invoice_issue(actor=None, invoice=invoice)
        if status == "paid":
            services.payment_record(actor=None, invoice=invoice, amount=invoice.total)
    invoice = _invoice(
        manager,
        [("KUH-KL-01", "3.6", "5"), ("STL-KAM-01", "3.6", "0"), ("USL-DOST", "1", "0")],
        company=company,
    )
    services.invoice_issue(actor=None, invoice=invoice)
    services.payment_record(
        actor=None, invoice=invoice, amount="100000", method="bank", reference="п/п 512"
    )
    OUT.mkdir(parents=True, exist_ok=True)

    def open_as(user, path):
        page.context.clear_cookies()
        login_as(page, user)
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
        )
        response = page.goto(f"{live_server.url}{path}", wait_until="domcontentloaded")
        page.locator("main").wait_for()
        assert response is not None
        assert response.status < 400, f"{path} answered {response.status}"

    open_as(manager, invoice.get_absolute_url())
    assert page.get_by_text("Record payment").first.is_visible()
    page.screenshot(path=str(OUT / "invoice.png"), full_page=True)

    open_as(manager, "/deals/invoices/")
    page.screenshot(path=str(OUT / "invoices.png"), full_page=False)

    open_as(head, "/deals/products/")
    assert page.get_by_text("New product").first.is_visible()
    page.screenshot(path=str(OUT / "products.png"), full_page=False)

    # the PDF's first page, where poppler is installed
    if shutil.which("pdftoppm"):
        pdf = OUT / "invoice.pdf"
        pdf.write_bytes(services.invoice_pdf(invoice))
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(OUT / "invoice-pdf"),
            ],
            check=True,
        )
        pdf.unlink()

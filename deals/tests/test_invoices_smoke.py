import io
import pytest
from pypdf import PdfReader
from deals.services import invoices as s
from deals.tests.factories_invoices import buyer_company, deal_with_lines, seller_requisites

@pytest.mark.django_db
def test_smoke(manager):
    seller_requisites()
    deal = deal_with_lines(manager, company=buyer_company())
    inv = s.invoice_create_from_deal(actor=manager, deal=deal)
    pdf = s.invoice_pdf(inv)
    open("/tmp/inv.pdf", "wb").write(pdf)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    print(text)
    assert "Сто двадцать тысяч рублей 50 копеек" in text

"""An invoice e-mailed through a real Celery worker and a real SMTP server, after the commit."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

import deals.tasks_invoices  # noqa: F401  (the worker runs the tasks this module defines)
from deals.models import Invoice
from deals.services import invoices as services
from deals.tests.factories_invoices import buyer_company, deal_with_lines, seller_requisites


@pytest.mark.django_db(transaction=True)
def test_the_worker_mails_the_pdf_and_marks_the_invoice_sent(manager, smtp_sink, celery_worker):
    seller_requisites()
    deal = deal_with_lines(manager, company=buyer_company())
    invoice = services.invoice_create_from_deal(actor=manager, deal=deal)
    services.invoice_issue(actor=manager, invoice=invoice)

    services.invoice_send(actor=manager, invoice=invoice)

    message = smtp_sink.wait_for(1, to="zakupki@romashka.example.ru", timeout=60)
    assert invoice.display_number in message["subject"]
    [attachment] = list(message.iter_attachments())
    text = PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert "Сто двадцать тысяч рублей 50 копеек" in text
    assert "Здравствуйте" in message.get_body(("plain",)).get_content()


@pytest.mark.django_db
def test_a_retry_after_the_mail_left_does_not_send_it_again(manager, smtp_sink):
    seller_requisites()
    deal = deal_with_lines(manager, company=buyer_company())
    invoice = services.invoice_create_from_deal(actor=manager, deal=deal)
    asked = timezone.now()
    assert services.invoice_email_deliver(invoice_id=invoice.pk, requested_at=asked)
    assert Invoice.objects.get(pk=invoice.pk).sent_at >= asked
    assert not services.invoice_email_deliver(invoice_id=invoice.pk, requested_at=asked)
    assert len(smtp_sink.messages) == 1

"""Invoices through their services: numbers, statuses, payments, the PDF and its e-mail."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

import deals.tasks_invoices  # noqa: F401  (registers the tasks the services name)
from crm.celery import app
from deals import signals
from deals.models import Invoice, InvoiceCounter
from deals.services import invoices as services
from deals.services.invoices import amount_in_words
from deals.tests.factories_invoices import (
    ContactFactory,
    buyer_company,
    deal_with_lines,
    seller_requisites,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(db):
    return seller_requisites()


@pytest.fixture
def deal(manager, seller):
    return deal_with_lines(
        manager,
        company=buyer_company(),
        lines=[("100000.00", "1", "0", "22", True), ("10000.25", "2", "0", "22", True)],
    )


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace("\u00a0", " ")


def test_an_invoice_copies_the_deals_lines_and_both_parties_requisites(manager, deal):
    invoice = services.invoice_create_from_deal(actor=manager, deal=deal)
    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.number == 1
    assert invoice.year == timezone.localdate().year
    assert invoice.owner == manager
    assert [line.name for line in invoice.lines.all()] == [ln.name for ln in deal.lines.all()]
    assert invoice.total == Decimal("120000.50") == deal.amount
    assert invoice.vat_amount == sum(line.vat_amount for line in invoice.lines.all())
    assert invoice.buyer["inn"] == "7736207543"
    assert invoice.buyer["kpp"] == "773601001"
    assert invoice.buyer["email"] == "zakupki@romashka.example.ru"
    assert invoice.seller["bik"] == "044525225"


def test_the_buyer_is_the_person_when_the_deal_has_no_company(manager, seller):
    contact = ContactFactory(last_name="Петров", first_name="Иван", email="petrov@example.ru")
    deal = deal_with_lines(manager, contact=contact)
    invoice = services.invoice_create_from_deal(actor=manager, deal=deal)
    assert invoice.buyer["name"] == "Петров Иван"
    assert invoice.buyer["email"] == "petrov@example.ru"


def test_numbers_follow_each_other_and_restart_each_year(manager, deal):
    first = services.invoice_create_from_deal(actor=manager, deal=deal)
    second = services.invoice_create_from_deal(actor=manager, deal=deal)
    assert (first.number, second.number) == (1, 2)
    InvoiceCounter.objects.create(year=first.year + 1, last_number=0)
    assert InvoiceCounter.objects.get(year=first.year).last_number == 2


def test_nothing_to_invoice_or_no_seller_is_refused(manager, seller):
    empty = deal_with_lines(manager, lines=[])
    with pytest.raises(ValidationError) as caught:
        services.invoice_create_from_deal(actor=manager, deal=empty)
    assert "deal" in caught.value.message_dict
    assert not Invoice.objects.exists()


def test_other_roles_and_teams_cannot_invoice(deal, manager2, operator):
    with pytest.raises(ValidationError):
        services.invoice_create_from_deal(actor=manager2, deal=deal)
    with pytest.raises(PermissionDenied):
        services.invoice_create_from_deal(actor=operator, deal=deal)
    assert not Invoice.objects.exists()


def test_payments_move_the_invoice_to_partly_paid_then_paid(
    manager, deal, django_capture_on_commit_callbacks
):
    invoice = services.invoice_create_from_deal(actor=manager, deal=deal)
    heard = []

    def receiver(sender, invoice, **kwargs):
        heard.append(invoice.pk)

    signals.invoice_paid.connect(receiver)
    try:
        with pytest.raises(ValidationError):  # a draft is not paid yet
            services.payment_record(actor=manager, invoice=invoice, amount="10")
        services.invoice_issue(actor=manager, invoice=invoice)
        with django_capture_on_commit_callbacks(execute=True):
            services.payment_record(
                actor=manager, invoice=invoice, amount="20000.50", reference="p-1"
            )
        assert invoice.status == Invoice.Status.PARTIALLY_PAID
        assert heard == []
        # overpaying is refused, nothing recorded
        with pytest.raises(ValidationError) as caught:
            services.payment_record(actor=manager, invoice=invoice, amount="100000.01")
        assert "amount" in caught.value.message_dict
        # the same bank payment reported again is the one already recorded
        again = services.payment_record(
            actor=manager, invoice=invoice, amount="20000.50", reference="p-1"
        )
        assert invoice.payments.count() == 1
        assert again.reference == "p-1"
        with django_capture_on_commit_callbacks(execute=True):
            services.payment_record(
                actor=manager, invoice=invoice, amount="100000.00", reference="p-2"
            )
    finally:
        signals.invoice_paid.disconnect(receiver)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.paid_at is not None
    assert invoice.paid_amount == invoice.total
    assert invoice.balance == 0
    assert heard == [invoice.pk]


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1.001"])
def test_bad_payment_amounts_are_refused(manager, deal, amount):
    invoice = services.invoice_create_from_deal(actor=manager, deal=deal)
    services.invoice_issue(actor=manager, invoice=invoice)
    with pytest.raises(ValidationError) as caught:
        services.payment_record(actor=manager, invoice=invoice, amount=amount)
    assert "amount" in caught.value.message_dict
    assert not invoice.payments.exists()


def test_overdue_sweep_and_cancel_keeps_the_number(manager, deal):
    late = services.invoice_create_from_deal(actor=manager, deal=deal)
    services.invoice_issue(actor=manager, invoice=late)
    on_time = services.invoice_create_from_deal(actor=manager, deal=deal)
    services.invoice_issue(actor=manager, invoice=on_time)
    draft = services.invoice_create_from_deal(actor=manager, deal=deal)
    later = late.due_on + dt.timedelta(days=1)
    Invoice.objects.filter(pk=on_time.pk).update(due_on=later + dt.timedelta(days=3))
    assert services.invoices_mark_overdue(today=later) == 1
    late.refresh_from_db()
    assert late.status == Invoice.Status.OVERDUE
    # a late invoice paid in part is still late; paid in full it is paid
    services.payment_record(actor=manager, invoice=late, amount="1000")
    assert late.status == Invoice.Status.OVERDUE
    services.payment_record(actor=manager, invoice=late, amount=late.balance)
    assert late.status == Invoice.Status.PAID
    with pytest.raises(ValidationError):
        services.invoice_cancel(actor=manager, invoice=late)
    services.invoice_cancel(actor=manager, invoice=draft)
    draft.refresh_from_db()
    assert draft.status == Invoice.Status.CANCELLED
    assert draft.number == 3
    assert services.invoice_create_from_deal(actor=manager, deal=deal).number == 4


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("120000.50", "Сто двадцать тысяч рублей 50 копеек"),
        ("1.01", "Один рубль 01 копейка"),
        ("2.02", "Два рубля 02 копейки"),
        ("21001.00", "Двадцать одна тысяча один рубль 00 копеек"),
        ("1000000.11", "Один миллион рублей 11 копеек"),
        ("14.24", "Четырнадцать рублей 24 копейки"),
    ],
)
def test_amount_in_words(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_the_pdf_is_a_russian_invoice(manager, deal):
    invoice = services.invoice_create_from_deal(actor=manager, deal=deal)
    text = pdf_text(services.invoice_pdf(invoice))
    assert f"Счёт на оплату № {invoice.display_number}" in text
    for expected in (
        "БИК 044525225",
        "40702810938000012345",
        "30101810400000000225",
        "ИНН 7707083893",
        "ИНН 7736207543",
        "КПП 773601001",
        "Всего к оплате: 120 000,50",
        "В том числе НДС 22%",
        "Всего наименований 2, на сумму 120 000,50 руб.",
        "Сто двадцать тысяч рублей 50 копеек",
        "Иванов И. И.",
        "Петрова А. С.",
    ):
        assert expected in text, expected


def test_the_pdf_of_goods_without_vat_says_so(manager, seller):
    deal = deal_with_lines(manager, lines=[("1500.00", "1", "0", "none", True)])
    invoice = services.invoice_create_from_deal(actor=manager, deal=deal)
    text = pdf_text(services.invoice_pdf(invoice))
    assert "Без НДС" in text
    assert "В том числе НДС" not in text
    assert "Одна тысяча пятьсот рублей 00 копеек" in text


@pytest.fixture
def eager_celery():
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


def test_sending_mails_the_pdf_to_the_buyer_after_the_commit(
    manager, deal, smtp_sink, eager_celery, django_capture_on_commit_callbacks
):
    invoice = services.invoice_create_from_deal(actor=manager, deal=deal)
    with pytest.raises(ValidationError):  # a draft is not sent
        services.invoice_send(actor=manager, invoice=invoice)
    services.invoice_issue(actor=manager, invoice=invoice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.invoice_send(actor=manager, invoice=invoice)
    assert smtp_sink.messages == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    message = smtp_sink.wait_for(1, to="zakupki@romashka.example.ru")
    assert invoice.display_number in message["subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert "Сто двадцать тысяч рублей 50 копеек" in pdf_text(attachment.get_content())
    invoice.refresh_from_db()
    assert invoice.sent_at is not None


def test_a_buyer_without_e_mail_is_told(manager, seller):
    deal = deal_with_lines(manager, company=buyer_company(email=""))
    invoice = services.invoice_create_from_deal(actor=manager, deal=deal)
    services.invoice_issue(actor=manager, invoice=invoice)
    with pytest.raises(ValidationError) as caught:
        services.invoice_send(actor=manager, invoice=invoice)
    assert "email" in caught.value.message_dict

"""Invoices: made from a deal's lines, numbered without gaps per year, issued, paid, sent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from crm.celery import enqueue_on_commit
from crm.models import User
from crm.permissions import require_permission

from .. import signals
from ..models import Deal, Invoice, InvoiceCounter, InvoiceLine, Payment, VatRate
from ..models.invoices import SellerRequisites
from .products import CENT, MAX_AMOUNT, amounts_of, lines_total

# Days a client has to pay when the invoice does not say otherwise.
DUE_DAYS = 5
FONTS = Path(__file__).resolve().parent.parent / "static" / "deals" / "fonts"
SEND_TASK = "deals.tasks_invoices.invoice_email_deliver"

OPEN_STATUSES = (Invoice.Status.ISSUED, Invoice.Status.PARTIALLY_PAID, Invoice.Status.OVERDUE)


def _check_invoice(actor: User | None, invoice: Invoice, permission: str) -> None:
    require_permission(actor, permission)
    if actor is not None:
        from ..selectors.invoices import invoices_visible_to

        if not invoices_visible_to(actor).filter(pk=invoice.pk).exists():
            raise ValidationError({"invoice": [_("You cannot change this invoice.")]})


def _primary_email(party) -> str:
    if party is None:
        return ""
    emails = sorted(party.emails.all(), key=lambda e: (not e.is_primary, e.pk))
    return emails[0].address if emails else ""


def buyer_requisites(deal: Deal) -> dict[str, str]:
    """Who pays: the deal's company with its INN and KPP, else the person."""
    company = deal.company or (deal.contact.company if deal.contact_id else None)
    contact = deal.contact
    if company is not None:
        return {
            "name": company.legal_name or company.name,
            "inn": company.inn,
            "kpp": company.kpp,
            "address": company.address,
            "email": _primary_email(company) or _primary_email(contact),
        }
    if contact is not None:
        return {
            "name": contact.full_name or str(contact),
            "inn": "",
            "kpp": "",
            "address": contact.address,
            "email": _primary_email(contact),
        }
    return {"name": "", "inn": "", "kpp": "", "address": "", "email": ""}


def _next_number(year: int) -> int:
    """The next number of ``year``; call inside the transaction that inserts the invoice.

    Two invoices made at once would otherwise both read "last is 41" and both take 42 (or, with
    a sequence, a rolled-back insert would burn 42 and leave a gap, which the tax office asks
    about). The counter row of the year is locked until the transaction ends: the second
    creator waits, then reads 42 and takes 43; if the first rolls back, its increment goes
    with it and the second takes 42. get_or_create makes the row for a new year once: two
    creators racing on 1 January both try the insert, the unique year makes one of them fail
    and read the row the other made.
    """
    InvoiceCounter.objects.get_or_create(year=year)
    counter = InvoiceCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def invoice_create_from_deal(
    *, actor: User | None, deal: Deal, due_on: dt.date | None = None
) -> Invoice:
    """A draft invoice with the deal's lines, the buyer's requisites from its company (or
    person) and ours, numbered next in this year."""
    require_permission(actor, "deals.add_invoice")
    if actor is not None:
        from ..selectors.deals import deals_visible_to

        if not deals_visible_to(actor).filter(pk=deal.pk).exists():
            raise ValidationError({"deal": [_("You cannot make an invoice for this deal.")]})
    lines = list(deal.lines.all())
    if not lines:
        raise ValidationError({"deal": [_("Add products to the deal before invoicing it.")]})
    seller = SellerRequisites.current()
    if seller is None:
        raise ValidationError(
            {"non_field_errors": [_("Fill in the seller's requisites (admin) first.")]}
        )
    today = timezone.localdate()
    due_on = due_on or today + dt.timedelta(days=DUE_DAYS)
    if due_on < today:
        raise ValidationError({"due_on": [_("The payment date cannot be in the past.")]})
    amounts = [amounts_of(line) for line in lines]
    totals = lines_total(amounts)
    if totals.gross >= MAX_AMOUNT:
        raise ValidationError({"deal": [_("The deal's total is too large.")]})
    with transaction.atomic():
        number = _next_number(today.year)
        invoice = Invoice.objects.create(
            year=today.year,
            number=number,
            deal=deal,
            contact=deal.contact,
            company=deal.company or (deal.contact.company if deal.contact_id else None),
            owner=deal.owner,
            issued_on=today,
            due_on=due_on,
            currency=deal.currency,
            subtotal=totals.net,
            vat_amount=totals.vat,
            total=totals.gross,
            buyer=buyer_requisites(deal),
            seller=seller.as_dict(),
            created_by=actor,
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                product_id=line.product_id,
                name=line.name,
                quantity=line.quantity,
                unit=line.unit,
                price=line.price,
                discount_percent=line.discount_percent,
                vat_rate=line.vat_rate,
                vat_included=line.vat_included,
                amount=amount.gross,
                vat_amount=amount.vat,
                position=position,
            )
            for position, (line, amount) in enumerate(zip(lines, amounts, strict=True), 1)
        )
    return invoice


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _refresh(invoice: Invoice, locked: Invoice) -> Invoice:
    for field in ("status", "paid_amount", "paid_at", "sent_at", "issued_on"):
        setattr(invoice, field, getattr(locked, field))
    return locked


def invoice_issue(*, actor: User | None, invoice: Invoice) -> Invoice:
    """A draft becomes an invoice the client is to pay."""
    _check_invoice(actor, invoice, "deals.change_invoice")
    with transaction.atomic():
        locked = _locked(invoice)
        if locked.status != Invoice.Status.DRAFT:
            raise ValidationError({"status": [_("Only a draft can be issued.")]})
        locked.status = Invoice.Status.ISSUED
        locked.save(update_fields=["status", "updated_at"])
    return _refresh(invoice, locked)


def invoice_cancel(*, actor: User | None, invoice: Invoice) -> Invoice:
    """Cancel an unpaid invoice. It keeps its number: numbers are never reused, and the
    cancelled invoice stays in the register so that the sequence has no hole."""
    _check_invoice(actor, invoice, "deals.change_invoice")
    with transaction.atomic():
        locked = _locked(invoice)
        if locked.status == Invoice.Status.CANCELLED:
            return _refresh(invoice, locked)
        if locked.paid_amount > 0:
            raise ValidationError({"status": [_("An invoice with payments cannot be cancelled.")]})
        locked.status = Invoice.Status.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
    return _refresh(invoice, locked)


def _clean_amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
    except Exception:
        raise ValidationError({"amount": [_("Enter a number.")]}) from None
    if not amount.is_finite():
        raise ValidationError({"amount": [_("Enter a number.")]})
    if amount <= 0:
        raise ValidationError({"amount": [_("A payment is more than zero.")]})
    if amount != amount.quantize(CENT):
        raise ValidationError({"amount": [_("An amount has at most two digits after the point.")]})
    return amount


def payment_record(
    *,
    actor: User | None,
    invoice: Invoice,
    amount: Decimal | str | int,
    paid_on: dt.date | None = None,
    method: str = "",
    reference: str = "",
) -> Payment:
    """Record money received. Part of the sum makes the invoice partially paid, the rest makes
    it paid (``invoice_paid`` is sent after the commit); more than is due is refused. The same
    bank reference reported twice (a statement imported again, a gateway's retried callback)
    returns the payment already recorded."""
    _check_invoice(actor, invoice, "deals.add_payment")
    amount = _clean_amount(amount)
    reference = (reference or "").strip()[:100]
    method = (method or "").strip()[:30]
    paid_on = paid_on or timezone.localdate()
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": [_("A payment cannot be dated in the future.")]})
    with transaction.atomic():
        locked = _locked(invoice)
        if reference:
            existing = Payment.objects.filter(invoice=locked, reference=reference).first()
            if existing is not None:
                _refresh(invoice, locked)
                return existing
        if locked.status not in OPEN_STATUSES:
            raise ValidationError(
                {
                    "amount": [
                        _("Payments are recorded against an issued invoice, not a %(status)s one.")
                        % {"status": locked.get_status_display().lower()}
                    ]
                }
            )
        if amount > locked.balance:
            raise ValidationError(
                {
                    "amount": [
                        _("More than is due: the invoice awaits %(balance)s.")
                        % {"balance": locked.balance}
                    ]
                }
            )
        payment = Payment.objects.create(
            invoice=locked,
            amount=amount,
            paid_on=paid_on,
            method=method,
            reference=reference,
            recorded_by=actor,
        )
        locked.paid_amount += amount
        fields = ["paid_amount", "status", "updated_at"]
        if locked.paid_amount == locked.total:
            locked.status = Invoice.Status.PAID
            locked.paid_at = timezone.now()
            fields.append("paid_at")
            transaction.on_commit(lambda: signals.invoice_paid.send(sender=Invoice, invoice=locked))
        elif locked.status != Invoice.Status.OVERDUE:
            # A late invoice paid in part is still late: it stays overdue until paid in full.
            locked.status = Invoice.Status.PARTIALLY_PAID
        locked.save(update_fields=fields)
    _refresh(invoice, locked)
    return payment


def invoices_mark_overdue(*, today: dt.date | None = None) -> int:
    """Beat: issued or partly paid invoices past their payment date become overdue."""
    today = today or timezone.localdate()
    return Invoice.objects.filter(
        status__in=(Invoice.Status.ISSUED, Invoice.Status.PARTIALLY_PAID), due_on__lt=today
    ).update(status=Invoice.Status.OVERDUE, updated_at=timezone.now())


def invoice_send(*, actor: User | None, invoice: Invoice) -> Invoice:
    """Send the invoice's PDF to the buyer's e-mail. The mail goes after the commit from a
    retried task (an SMTP server that is down delays it, it does not lose it)."""
    _check_invoice(actor, invoice, "deals.change_invoice")
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.CANCELLED):
        raise ValidationError({"status": [_("Issue the invoice before sending it.")]})
    if not (invoice.buyer or {}).get("email"):
        raise ValidationError({"email": [_("The buyer has no e-mail address.")]})
    enqueue_on_commit(SEND_TASK, invoice.pk, timezone.now().isoformat())
    return invoice


def invoice_email_deliver(*, invoice_id: int, requested_at: dt.datetime | None = None) -> bool:
    """Send now (from the task). A retry after the mail left does not send it again: the
    invoice's ``sent_at`` is already past the moment the sending was asked for."""
    invoice = Invoice.objects.get(pk=invoice_id)
    if requested_at is not None and invoice.sent_at and invoice.sent_at >= requested_at:
        return False
    to = (invoice.buyer or {}).get("email")
    if not to:
        return False
    seller = invoice.seller or {}
    with override("ru"):
        subject = _("Invoice No. %(number)s of %(date)s") % {
            "number": invoice.display_number,
            "date": invoice.issued_on.strftime("%d.%m.%Y"),
        }
        body = render_to_string("deals/invoices/email.txt", {"invoice": invoice})
    message = EmailMessage(subject=subject, body=body, to=[to])
    if seller.get("email"):
        message.reply_to = [seller["email"]]
    message.attach(f"invoice-{invoice.display_number}.pdf", invoice_pdf(invoice), "application/pdf")
    message.send()
    Invoice.objects.filter(pk=invoice.pk).update(sent_at=timezone.now())
    return True


# --- the document ---------------------------------------------------------------------------

RUBLE_FORMS = ("рубль", "рубля", "рублей")
KOPECK_FORMS = ("копейка", "копейки", "копеек")


def plural_ru(n: int, forms: tuple[str, str, str]) -> str:
    """The Russian form of a noun after the number ``n``: 1 рубль, 2 рубля, 5 рублей."""
    n = abs(n) % 100
    if 11 <= n <= 19:
        return forms[2]
    n %= 10
    if n == 1:
        return forms[0]
    if 2 <= n <= 4:
        return forms[1]
    return forms[2]


def amount_in_words(amount: Decimal) -> str:
    """ "Сто двадцать тысяч рублей 50 копеек": rubles in words, kopecks in figures, as on
    Russian payment documents. Рубль is masculine (num2words' default, "один", "два");
    тысяча is feminine and num2words declines it itself ("одна тысяча", "две тысячи")."""
    from num2words import num2words

    amount = amount.quantize(CENT)
    rubles = int(amount)
    kopecks = int((amount - rubles) * 100)
    words = num2words(rubles, lang="ru")
    words = words[:1].upper() + words[1:]
    return (
        f"{words} {plural_ru(rubles, RUBLE_FORMS)} {kopecks:02d} {plural_ru(kopecks, KOPECK_FORMS)}"
    )


def vat_summary(invoice: Invoice, lines) -> list[tuple[str, Decimal]]:
    """The VAT lines under the table: one per rate, or "Без НДС" for none."""
    by_rate: dict[str, Decimal] = {}
    for line in lines:
        if line.vat_rate == VatRate.NONE:
            continue
        by_rate[line.vat_rate] = by_rate.get(line.vat_rate, Decimal("0")) + line.vat_amount
    return sorted(by_rate.items(), key=lambda kv: -Decimal(kv[0]))


def money_ru(value: Decimal) -> str:
    """120000.5 → "120 000,50", the way Russian documents print sums."""
    whole, _dot, frac = f"{Decimal(value).quantize(CENT):,.2f}".partition(".")
    return whole.replace(",", "\u00a0") + "," + frac


def quantity_ru(value: Decimal) -> str:
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", ",")


def invoice_document_context(invoice: Invoice) -> dict[str, Any]:
    lines = list(invoice.lines.all())
    # With VAT on top of the prices the table shows sums without VAT and the VAT is added
    # under it; with VAT inside the prices (the usual way) the VAT is "in that number".
    vat_on_top = any(not ln.vat_included and ln.vat_rate != VatRate.NONE for ln in lines)
    rows = [
        {
            "n": n,
            "name": line.name,
            "quantity": quantity_ru(line.quantity),
            "unit": line.unit,
            "price": money_ru(line.price),
            "discount": quantity_ru(line.discount_percent) if line.discount_percent else "",
            "amount": money_ru(line.amount - line.vat_amount if vat_on_top else line.amount),
        }
        for n, line in enumerate(lines, 1)
    ]
    return {
        "invoice": invoice,
        "lines": lines,
        "rows": rows,
        "has_discount": any(line.discount_percent for line in lines),
        "total": money_ru(invoice.total),
        "vat_on_top": vat_on_top,
        "subtotal_shown": money_ru(invoice.subtotal if vat_on_top else invoice.total),
        "vat_rows": [(rate, money_ru(amount)) for rate, amount in vat_summary(invoice, lines)],
        "seller": invoice.seller or {},
        "buyer": invoice.buyer or {},
        "vat_lines": vat_summary(invoice, lines),
        "amount_words": amount_in_words(invoice.total),
        "fonts": FONTS.as_uri(),
    }


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as a Russian client expects it ("Счёт на оплату"), rendered from an HTML
    template by WeasyPrint with the DejaVu fonts shipped in deals/static/deals/fonts (Cyrillic on any
    machine, whatever fonts it has)."""
    from weasyprint import HTML

    with override("ru"):
        html = render_to_string("deals/invoices/pdf.html", invoice_document_context(invoice))
    return HTML(string=html, base_url=str(FONTS)).write_pdf()

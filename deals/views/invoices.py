"""Invoices in the staff UI: the register, one invoice with its payments and actions, the PDF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.forms import form_errors_add
from crm.permissions import require_permission

from ..forms_invoices import InvoiceFilterForm, PaymentForm
from ..models import Deal, Invoice
from ..selectors.deals import deals_visible_to
from ..selectors.invoices import invoice_card, invoice_list
from ..services import invoices as services

PAGE = 50


def _invoice(user, pk: int) -> Invoice:
    try:
        return invoice_card(user, pk)
    except Invoice.DoesNotExist:
        raise Http404 from None


def _errors(exc: ValidationError) -> str:
    return " ".join(m for ms in exc.message_dict.values() for m in ms)


@login_required
@require_GET
def invoice_list_view(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "deals.view_invoice")
    form = InvoiceFilterForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    status, query = data.get("status", ""), data.get("q", "")
    rows = invoice_list(request.user, status=status, query=query)
    # The page's ids first, sorted on the narrow rows alone; then those 50 with their
    # relations. Sorting the joined wide rows of the whole register took most of the time.
    page = Paginator(rows.values_list("pk", flat=True), PAGE).get_page(request.GET.get("page"))
    page.object_list = list(rows.filter(pk__in=list(page.object_list)))
    chips = [("", _("All")), *Invoice.Status.choices]
    return render(
        request,
        "deals/invoices/list.html",
        {
            "form": form,
            "page": page,
            "invoices": page.object_list,
            "status": status,
            "query": query,
            "chips": chips,
        },
    )


@login_required
@require_GET
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "deals.view_invoice")
    invoice = _invoice(request.user, pk)
    return _detail(request, invoice)


def _detail(request, invoice: Invoice, *, payment_form=None, status: int = 200) -> HttpResponse:
    lines = list(invoice.lines.all())
    for line in lines:
        line.qty_display = f"{line.quantity.normalize():f}"
    context = services.invoice_document_context(invoice) | {
        "invoice": invoice,
        "lines": lines,
        "payments": list(invoice.payments.all()),
        "payment_form": payment_form or PaymentForm(initial={"amount": invoice.balance}),
        "can_pay": invoice.status in services.OPEN_STATUSES,
        "vat_totals": services.vat_summary(invoice, lines),
    }
    return render(request, "deals/invoices/detail.html", context, status=status)


@login_required
@require_GET
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "deals.view_invoice")
    invoice = _invoice(request.user, pk)
    response = HttpResponse(services.invoice_pdf(invoice), content_type="application/pdf")
    inline = "inline" if request.GET.get("inline") else "attachment"
    response["Content-Disposition"] = f'{inline}; filename="invoice-{invoice.display_number}.pdf"'
    return response


def _deal_url(deal) -> str:
    return reverse("deals:deal-detail", args=[deal.pk])


@login_required
@require_POST
def invoice_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "deals.add_invoice")
    try:
        deal = deals_visible_to(request.user).get(pk=int(request.POST.get("deal", "")))
    except (ValueError, TypeError, Deal.DoesNotExist):
        raise Http404 from None
    try:
        invoice = services.invoice_create_from_deal(actor=request.user, deal=deal)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(_deal_url(deal))
    messages.success(request, _("Invoice %(number)s created.") % {"number": invoice.display_number})
    return redirect(invoice)


def _action(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    require_permission(request.user, "deals.change_invoice")
    invoice = _invoice(request.user, pk)
    try:
        service(actor=request.user, invoice=invoice)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(invoice)
    messages.success(request, done)
    return redirect(invoice)


@login_required
@require_POST
def invoice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.invoice_issue, _("Invoice issued."))


@login_required
@require_POST
def invoice_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.invoice_cancel, _("Invoice cancelled; its number stays."))


@login_required
@require_POST
def invoice_send(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request, pk, services.invoice_send, _("The invoice will be e-mailed to the buyer.")
    )


@login_required
@require_POST
def payment_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "deals.add_payment")
    invoice = _invoice(request.user, pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            services.payment_record(actor=request.user, invoice=invoice, **form.cleaned_data)
            messages.success(request, _("Payment recorded."))
            return redirect(invoice)
        except ValidationError as exc:
            form_errors_add(form, exc)
    return _detail(request, invoice, payment_form=form, status=400)

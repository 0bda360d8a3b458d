"""Products, deal lines, invoices and payments: pages and API.

Invoices belong to the deal's owner (team A here): the other team's manager gets 404 on
them, roles that do not sell get 403. The catalog is read by everyone who sells (operators
too, to answer a caller) and changed by heads of sales. Rows that act on an invoice use one
whose state refuses the action (a paid invoice cannot be issued or cancelled, a draft cannot
be sent), so that no role's visit changes what the next role sees.
"""

from __future__ import annotations

LOGIN = 302
#        admin head mgr  mgr2 oper sup  mkt  anon
SELLS = [200, 200, 200, 404, 403, 403, 403, LOGIN]
SELLS_API = [200, 200, 200, 404, 403, 403, 403, 401]

ROWS = {
    "deals:product-list": ("GET", "/deals/products/", [200, 200, 200, 200, 200, 403, 403, LOGIN]),
    "deals:product-create": (
        "GET",
        "/deals/products/new/",
        [200, 200, 403, 403, 403, 403, 403, LOGIN],
    ),
    "deals:product-edit": (
        "GET",
        "/deals/products/{product}/edit/",
        [200, 200, 403, 403, 403, 403, 403, LOGIN],
    ),
    # an empty form: the form's errors for those who may, nothing for the others
    "deals:deal-line-add": (
        "POST",
        "/deals/products/deal/{deal_with_lines}/lines/",
        [400, 400, 400, 404, 403, 403, 403, LOGIN],
    ),
    "deals:deal-line-edit": (
        "POST",
        "/deals/products/lines/{deal_line}/",
        [400, 400, 400, 404, 403, 403, 403, LOGIN],
    ),
    # removing is a POST; a GET is no door (the roles are in deals/tests/test_invoices_views.py)
    "deals:deal-line-remove": (
        "GET",
        "/deals/products/lines/{deal_line}/remove/",
        [405, 405, 405, 405, 405, 405, 405, LOGIN],
    ),
    "deals:invoice-list": ("GET", "/deals/invoices/", [200, 200, 200, 200, 403, 403, 403, LOGIN]),
    "deals:invoice-detail": ("GET", "/deals/invoices/{invoice}/", SELLS),
    "deals:invoice-pdf": ("GET", "/deals/invoices/{invoice}/pdf/", SELLS),
    # no deal in the form: no deal found
    "deals:invoice-create": (
        "POST",
        "/deals/invoices/new/",
        [404, 404, 404, 404, 403, 403, 403, LOGIN],
    ),
    # refused by the state (a message on the invoice's page)
    "deals:invoice-issue": (
        "POST",
        "/deals/invoices/{invoice_paid}/issue/",
        [302, 302, 302, 404, 403, 403, 403, LOGIN],
    ),
    "deals:invoice-cancel": (
        "POST",
        "/deals/invoices/{invoice_paid}/cancel/",
        [302, 302, 302, 404, 403, 403, 403, LOGIN],
    ),
    "deals:invoice-send": (
        "POST",
        "/deals/invoices/{invoice_draft}/send/",
        [302, 302, 302, 404, 403, 403, 403, LOGIN],
    ),
    "deals:payment-create": (
        "POST",
        "/deals/invoices/{invoice}/payments/",
        [400, 400, 400, 404, 403, 403, 403, LOGIN],
    ),
    # --- API
    "deals-api:product-list": (
        "GET",
        "/api/v1/products/",
        [200, 200, 200, 200, 200, 403, 403, 401],
    ),
    "deals-api:product-detail": (
        "GET",
        "/api/v1/products/{product}/",
        [200, 200, 200, 200, 200, 403, 403, 401],
    ),
    "deals-api:deal-line-list": (
        "GET",
        "/api/v1/deal-lines/",
        [200, 200, 200, 200, 403, 403, 403, 401],
    ),
    "deals-api:deal-line-detail": ("GET", "/api/v1/deal-lines/{deal_line}/", SELLS_API),
    "deals-api:invoice-list": (
        "GET",
        "/api/v1/invoices/",
        [200, 200, 200, 200, 403, 403, 403, 401],
    ),
    "deals-api:invoice-detail": ("GET", "/api/v1/invoices/{invoice}/", SELLS_API),
    "deals-api:invoice-pdf": ("GET", "/api/v1/invoices/{invoice}/pdf/", SELLS_API),
    "deals-api:invoice-issue": (
        "POST",
        "/api/v1/invoices/{invoice_paid}/issue/",
        [400, 400, 400, 404, 403, 403, 403, 401],
    ),
    "deals-api:invoice-cancel": (
        "POST",
        "/api/v1/invoices/{invoice_paid}/cancel/",
        [400, 400, 400, 404, 403, 403, 403, 401],
    ),
    "deals-api:invoice-send": (
        "POST",
        "/api/v1/invoices/{invoice_draft}/send/",
        [400, 400, 400, 404, 403, 403, 403, 401],
    ),
    "deals-api:payment-list": (
        "GET",
        "/api/v1/payments/",
        [200, 200, 200, 200, 403, 403, 403, 401],
    ),
    "deals-api:payment-detail": ("GET", "/api/v1/payments/{payment}/", SELLS_API),
}


def records(base: dict) -> dict:
    from deals.services import invoices as invoice_services
    from deals.tests.factories import ProductFactory
    from deals.tests.factories_invoices import buyer_company, deal_with_lines, seller_requisites

    seller_requisites()
    deal = deal_with_lines(base["manager"], company=buyer_company())
    invoice = invoice_services.invoice_create_from_deal(actor=None, deal=deal)
    invoice_services.invoice_issue(actor=None, invoice=invoice)
    payment = invoice_services.payment_record(actor=None, invoice=invoice, amount="100.00")
    paid = invoice_services.invoice_create_from_deal(actor=None, deal=deal)
    invoice_services.invoice_issue(actor=None, invoice=paid)
    invoice_services.payment_record(actor=None, invoice=paid, amount=paid.total)
    draft = invoice_services.invoice_create_from_deal(actor=None, deal=deal)
    return {
        "product": ProductFactory().pk,
        "deal_with_lines": deal.pk,
        "deal_line": deal.lines.first().pk,
        "invoice": invoice.pk,
        "invoice_paid": paid.pk,
        "invoice_draft": draft.pk,
        "payment": payment.pk,
    }

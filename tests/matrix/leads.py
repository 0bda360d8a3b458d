"""Leads and web forms: a manager opens their own leads, a head of sales the team's and the
web forms, the other team's manager gets 404 for team A's lead, an operator only enters
leads (the form, POST to the API) and never reads them back, supervisors and marketers have
nothing here; the public web form endpoints answer everyone.

Actions are probed without changing anything: a POST with an empty body answers 400 where
the role may act; "take" and the API's actions are sent to a lead in junk, which they refuse.
"""

from __future__ import annotations

LOGIN = 302
#        admin head mgr  mgr2 oper sup  mkt  anon
STAFF = [200, 200, 200, 200, 403, 403, 403, LOGIN]
CARD = [200, 200, 200, 404, 403, 403, 403, LOGIN]
ACT = [400, 400, 400, 404, 403, 403, 403, LOGIN]
HEADS = [200, 200, 403, 403, 403, 403, 403, LOGIN]
API_ACT = [400, 400, 400, 404, 403, 403, 403, 401]

ROWS = {
    "deals:lead-list": ("GET", "/deals/leads/", STAFF),
    "deals:lead-create": ("GET", "/deals/leads/new/", [200, 200, 200, 200, 200, 403, 403, LOGIN]),
    "deals:lead-detail": ("GET", "/deals/leads/{lead}/", CARD),
    "deals:lead-convert": ("GET", "/deals/leads/{lead}/convert/", CARD),
    "deals:lead-junk": ("POST", "/deals/leads/{lead}/junk/", ACT),
    "deals:lead-assign": ("POST", "/deals/leads/{lead}/assign/", ACT),
    "deals:lead-note-add": ("POST", "/deals/leads/{lead}/notes/", ACT),
    # Refused for a lead in junk: back to the card with the message.
    "deals:lead-take": (
        "POST",
        "/deals/leads/{lead_junk}/take/",
        [302, 302, 302, 404, 403, 403, 403, LOGIN],
    ),
    "deals:webform-list": ("GET", "/deals/leads/forms/", HEADS),
    "deals:webform-create": ("GET", "/deals/leads/forms/new/", HEADS),
    "deals:webform-detail": ("GET", "/deals/leads/forms/{webform}/", HEADS),
    "deals:webform-edit": ("GET", "/deals/leads/forms/{webform}/edit/", HEADS),
    # Public by design: any site's visitors load the script and post the form.
    "deals:webform-embed": ("GET", "/deals/leads/forms/{webform_key}/embed.js", [200] * 8),
    "deals:webform-submit": ("GET", "/deals/leads/forms/{webform_key}/submit/", [405] * 8),
    "deals-api:lead-list": ("GET", "/api/v1/leads/", [200, 200, 200, 200, 403, 403, 403, 401]),
    "deals-api:lead-detail": (
        "GET",
        "/api/v1/leads/{lead}/",
        [200, 200, 200, 404, 403, 403, 403, 401],
    ),
    "deals-api:lead-convert": ("POST", "/api/v1/leads/{lead_junk}/convert/", API_ACT),
    "deals-api:lead-take": ("POST", "/api/v1/leads/{lead_junk}/take/", API_ACT),
    "deals-api:lead-junk": ("POST", "/api/v1/leads/{lead_junk}/junk/", API_ACT),
    "deals-api:lead-assign": ("POST", "/api/v1/leads/{lead_junk}/assign/", API_ACT),
    "deals-api:webform-list": (
        "GET",
        "/api/v1/web-forms/",
        [200, 200, 403, 403, 403, 403, 403, 401],
    ),
    "deals-api:webform-detail": (
        "GET",
        "/api/v1/web-forms/{webform}/",
        [200, 200, 403, 403, 403, 403, 403, 401],
    ),
}


def records(base: dict) -> dict:
    from deals.models import Lead
    from deals.tests.factories import LeadFactory
    from deals.tests.factories_leads import WebFormFactory

    manager = base["manager"]
    web_form = WebFormFactory()
    return {
        "lead": LeadFactory(owner=manager, name="Матрица Открытый").pk,
        "lead_junk": LeadFactory(
            owner=manager, status=Lead.Status.JUNK, junk_reason=Lead.JunkReason.SPAM
        ).pk,
        "webform": web_form.pk,
        "webform_key": web_form.key,
    }

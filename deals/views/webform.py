"""The public side of web forms: the script a site embeds and the endpoint it posts to.

No login, and no CSRF token (the page that posts is someone else's site): the endpoint is
protected instead by CORS limited to the form's allowed sites, a honeypot field, and rate
limits per address and per form. Whatever arrives, it answers JSON — never a 500."""

from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from crm.http import client_ip, rate_limited

from ..models import WebForm
from ..selectors.leads import web_form_public
from ..services import leads as services

log = logging.getLogger(__name__)

# The field a person never sees (it is off-screen) and a bot fills in.
HONEYPOT = "website"
# Requests one address may send in a minute, and one form from everyone (a flood from many
# addresses); past them the answer is 429 and nothing is made.
RATE_PER_IP = getattr(settings, "LEAD_FORM_RATE_PER_IP", 5)
RATE_PER_FORM = getattr(settings, "LEAD_FORM_RATE_PER_FORM", 120)
RATE_PERIOD = 60

FIELDS = (
    "name",
    "phone",
    "email",
    "company",
    "message",
    "product",
    "region",
    "language",
    *services.UTM_FIELDS,
)
EMBED_SCRIPT = Path(__file__).resolve().parent.parent / "static" / "deals" / "webform" / "embed.js"


@cache
def _script() -> str:
    return EMBED_SCRIPT.read_text(encoding="utf-8")


def _cors(response: HttpResponse, origin: str | None) -> HttpResponse:
    # The answer differs by Origin: caches must keep one per site (Fetch standard, CORS).
    response["Vary"] = "Origin"
    if origin:
        response["Access-Control-Allow-Origin"] = origin
    return response


def _origin_allowed(web_form: WebForm, origin: str) -> bool:
    try:
        return services.origin_normalize(origin) in (web_form.allowed_origins or [])
    except ValidationError:
        return False


def _json(data: dict, status: int, origin: str | None = None) -> HttpResponse:
    return _cors(JsonResponse(data, status=status), origin)


def _payload(request: HttpRequest) -> dict[str, str] | None:
    """The fields sent, as text, form-encoded or JSON; None when the body cannot be read."""
    content_type = request.content_type or ""
    if content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        out = {}
        for key, value in body.items():
            if isinstance(value, bool) or not isinstance(value, str | int | float | type(None)):
                return None
            out[str(key)] = "" if value is None else str(value)
        return out
    return {key: request.POST.get(key, "") for key in request.POST}


@csrf_exempt
def web_form_submit(request: HttpRequest, key: str) -> HttpResponse:
    web_form = web_form_public(key)
    if web_form is None:
        return _json({"ok": False, "detail": _("There is no such form.")}, 404)
    origin = request.headers.get("Origin")
    # A browser on another site names itself; only the form's sites may send it. A request
    # with no Origin is not from a browser page and CORS does not concern it.
    if origin is not None and not _origin_allowed(web_form, origin):
        return _json({"ok": False, "detail": _("This site may not send the form.")}, 403)
    if request.method == "OPTIONS":
        response = _cors(HttpResponse(status=204), origin)
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "600"
        return response
    if request.method != "POST":
        response = _json({"ok": False, "detail": _("Send the form with POST.")}, 405, origin)
        response["Allow"] = "POST, OPTIONS"
        return response
    ip = client_ip(request) or "unknown"
    over_ip = rate_limited("webform-ip", ip, limit=RATE_PER_IP, period=RATE_PERIOD)
    over_form = rate_limited(
        "webform-form", str(web_form.pk), limit=RATE_PER_FORM, period=RATE_PERIOD
    )
    if over_ip or over_form:
        response = _json(
            {"ok": False, "detail": _("Too many requests: try again in a minute.")}, 429, origin
        )
        response["Retry-After"] = str(RATE_PERIOD)
        return response
    payload = _payload(request)
    if payload is None:
        return _json(
            {"ok": False, "detail": _("The form could not be read."), "errors": {}}, 400, origin
        )
    thanks = {
        "ok": True,
        "message": web_form.success_message or _("Thank you! We will call you back."),
    }
    if payload.get(HONEYPOT, "").strip():
        # Answered like a success, so that the bot does not learn to leave the field empty.
        return _json(thanks, 200, origin)
    data = {name: payload[name] for name in FIELDS if name in payload}
    data["web_form"] = web_form
    try:
        services.lead_create(actor=None, channel="web_form", data=data)
    except ValidationError as exc:
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        return _json(
            {"ok": False, "detail": _("Check the fields of the form."), "errors": errors},
            400,
            origin,
        )
    return _json(thanks, 200, origin)


def web_form_embed(request: HttpRequest, key: str) -> HttpResponse:
    """The script a site pastes: it draws the form where it stands and posts it here."""
    web_form = web_form_public(key)
    if web_form is None:
        return HttpResponse(
            "/* unknown or inactive form */", status=404, content_type="text/javascript"
        )
    texts = {
        "name": _("Your name"),
        "phone": _("Phone"),
        "email": _("E-mail"),
        "message": _("Message"),
        "send": _("Send"),
        "sending": _("Sending…"),
        "failed": _("The form could not be sent. Try again later."),
        "contact_needed": _("Give a phone or an e-mail."),
        "title": web_form.name,
    }
    config = json.dumps({"key": web_form.key, "texts": texts}, ensure_ascii=True).replace(
        "</", "<\\/"
    )
    body = "window.__crmWebFormConfig = window.__crmWebFormConfig || {};\n"
    body += f"window.__crmWebFormConfig[{json.dumps(web_form.key)}] = {config};\n{_script()}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    # A script from here runs on other sites by design (CORP allows the cross-site load).
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response

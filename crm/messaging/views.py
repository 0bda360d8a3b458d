"""Staff UI of messages: templates with a live preview, the suppression list, the log."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.forms import form_errors_add
from crm.keyset import keyset_page
from crm.permissions import require_permission

from . import selectors, services
from .forms import MessageFilterForm, SuppressionForm, TemplateForm
from .masking import address_for, text_for
from .rendering import RenderError, sample_context, template_errors, variables_help
from .rendering import render as render_message

PAGE_SIZE = 50
# Rows are created in id order: the primary key is the newest-first order, and its index.
NEWEST_FIRST = (("id", True),)


# --- templates -----------------------------------------------------------------------------


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "messaging.view_messagetemplate")
    templates = list(selectors.templates_visible_to(request.user))
    return render(
        request,
        "messaging/template_list.html",
        {
            "templates": templates,
            "can_add": request.user.has_perm("messaging.add_messagetemplate"),
            "tab": "templates",
        },
    )


def _template_form_page(request: HttpRequest, template=None) -> HttpResponse:
    form = TemplateForm(request.POST or None, instance=template)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if template is None:
                    saved = services.template_create(actor=request.user, **form.cleaned_data)
                else:
                    saved = services.template_update(
                        actor=request.user, template=template, **form.cleaned_data
                    )
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, _("Template “%(name)s” saved.") % {"name": saved.name})
                return redirect("messaging:template-edit", pk=saved.pk)
        status = 400
    subject = form["subject"].value() or ""
    body = form["body"].value() or ""
    language = form["language"].value()
    return render(
        request,
        "messaging/template_form.html",
        {
            "form": form,
            "template": template,
            "preview": _preview(subject, body, language),
            "variables": variables_help(),
            "tab": "templates",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "messaging.add_messagetemplate")
    return _template_form_page(request)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "messaging.view_messagetemplate")
    template = get_object_or_404(selectors.templates_visible_to(request.user), pk=pk)
    if request.method == "POST":
        require_permission(request.user, "messaging.change_messagetemplate")
    return _template_form_page(request, template)


def _preview(subject: str, body: str, language: str | None) -> dict:
    """What the message looks like with the sample values, in the template's language (dates
    and amounts are written as its reader writes them), or why it cannot be rendered."""
    if not body.strip():
        return {"empty": True}
    errors = template_errors(subject=subject, body=body)
    if errors:
        return {"errors": [m for messages_ in errors.values() for m in messages_]}
    try:
        rendered = render_message(
            subject=subject, body=body, context=sample_context(), language=language
        )
    except RenderError as exc:
        return {"errors": [str(exc)]}
    return {"rendered": rendered}


@login_required
@require_POST
def template_preview(request: HttpRequest) -> HttpResponse:
    """The preview beside the editor, redrawn (htmx) as the person types."""
    require_permission(request.user, "messaging.view_messagetemplate")
    subject = request.POST.get("subject", "")[:1000]
    body = request.POST.get("body", "")[:100_000]
    language = request.POST.get("language")
    if language not in dict(settings.LANGUAGES):
        language = None
    return render(
        request, "messaging/_preview.html", {"preview": _preview(subject, body, language)}
    )


# --- the suppression list ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def suppression_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_permission(user, "messaging.view_suppression")
    form = SuppressionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require_permission(user, "messaging.add_suppression")
        if form.is_valid():
            try:
                services.suppression_add(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, _("The address will receive no messages."))
                return redirect("messaging:suppression-list")
        status = 400
    rows, next_cursor = keyset_page(
        selectors.suppressions_visible_to(user), NEWEST_FIRST, request.GET.get("after"), PAGE_SIZE
    )
    can_remove = user.has_perm("messaging.delete_suppression")
    for row in rows:
        row.shown_address = address_for(user, row.address)
        row.removable = can_remove and services.suppression_removable_by(user, row)
    return render(
        request,
        "messaging/suppression_list.html",
        {
            "form": form,
            "rows": rows,
            "next_cursor": next_cursor,
            "can_add": user.has_perm("messaging.add_suppression"),
            "can_remove": can_remove,
            "tab": "suppressions",
        },
        status=status,
    )


@login_required
@require_POST
def suppression_remove(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "messaging.delete_suppression")
    suppression = get_object_or_404(selectors.suppressions_visible_to(request.user), pk=pk)
    try:
        services.suppression_remove(actor=request.user, suppression=suppression)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The address was removed from the suppression list."))
    return redirect("messaging:suppression-list")


# --- the log -------------------------------------------------------------------------------


@login_required
@require_GET
def message_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_permission(user, "messaging.view_outboundmessage")
    form = MessageFilterForm(request.GET)
    qs = selectors.messages_visible_to(user)
    if form.is_valid() and form.cleaned_data["status"]:
        qs = qs.filter(status=form.cleaned_data["status"])
    rows, next_cursor = keyset_page(qs, NEWEST_FIRST, request.GET.get("after"), PAGE_SIZE)
    for row in rows:
        row.shown_to = address_for(user, row.to)
        row.shown_subject = text_for(user, row.subject)
    return render(
        request,
        "messaging/message_list.html",
        {"form": form, "rows": rows, "next_cursor": next_cursor, "tab": "log"},
        status=200 if form.is_valid() else 400,
    )


# --- the client's unsubscribe link ---------------------------------------------------------


# The link's signed token is what authorises the request, and mail clients' one-click
# unsubscribe (RFC 8058) posts without any cookie: there is no session to forge a request in.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Public: a client unsubscribes from marketing messages. Opening the link only asks (mail
    scanners open every link); the button, or the mail client's own, unsubscribes."""
    address = services.unsubscribe_address(token)
    if not address:
        raise Http404
    done = False
    if request.method == "POST":
        services.unsubscribe(token=token)
        done = True
    local, _at, domain = address.partition("@")
    return render(
        request,
        "messaging/unsubscribe.html",
        {"shown_address": f"{local[:2]}***@{domain}", "done": done},
    )

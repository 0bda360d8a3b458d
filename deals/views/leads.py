"""Staff pages of leads: the list with status tabs, the card with its actions, a lead entered
by hand, conversion, and the web forms' settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contacts.selectors import contacts_visible_to, masked_fields_for
from contacts.validators import try_normalize_phone
from crm.forms import form_errors_add
from crm.keyset import keyset_page
from crm.models import Role, User
from crm.permissions import require_permission

from .. import hooks
from ..forms_leads import (
    CHANNEL_LABELS,
    STATUS_TABS,
    AssignForm,
    ConvertForm,
    JunkForm,
    LeadFilterForm,
    LeadForm,
    LeadNoteForm,
    WebFormForm,
)
from ..models import Lead, WebForm
from ..selectors import leads as selectors
from ..services import leads as services

PAGE_SIZE = 50


def _owners_for_filter(user: User):
    owners = selectors.leads_visible_to(user).filter(owner__isnull=False).values("owner_id")
    return User.objects.filter(is_active=True, pk__in=owners).order_by("last_name", "first_name")


def _search(qs, query: str):
    number = try_normalize_phone(query)
    if number:
        return qs.filter(phone=number)
    if "@" in query:
        # lower(email): the expression the e-mail index is built on.
        return qs.annotate(email_lower=Lower("email")).filter(email_lower=query.strip().lower())
    return qs.filter(
        Q(name__icontains=query) | Q(company_name__icontains=query) | Q(email__icontains=query)
    )


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "deals.view_lead")
    user = request.user
    form = LeadFilterForm(request.GET, owners=list(_owners_for_filter(user)))
    base = selectors.lead_list(user)
    rows, next_cursor, status = [], None, Lead.Status.NEW
    counts = dict.fromkeys(Lead.Status.values, 0)
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"] or Lead.Status.NEW
        qs = base
        if data["owner"] == "none":
            qs = qs.filter(owner__isnull=True)
        elif data["owner"]:
            qs = qs.filter(owner_id=data["owner"])
        if data["source"]:
            qs = qs.filter(source=data["source"])
        if data["channel"]:
            qs = qs.filter(channel=data["channel"])
        qs = selectors.leads_in_period(qs, data["received_from"], data["received_to"])
        if data["q"].strip():
            qs = _search(qs, data["q"].strip())
        counts = selectors.lead_counts_by_status(qs)
        rows, next_cursor = keyset_page(
            qs.filter(status=status), (("id", True),), request.GET.get("after"), PAGE_SIZE
        )
    query = request.GET.copy()
    query.pop("after", None)
    tabs = []
    for code, label in STATUS_TABS:
        query["status"] = code
        tabs.append(
            {"code": code, "label": label, "count": counts[code], "url": f"?{query.urlencode()}"}
        )
    next_url = None
    if next_cursor:
        query["status"] = status
        query["after"] = next_cursor
        next_url = f"?{query.urlencode()}"
    return render(
        request,
        "deals/leads/list.html",
        {
            "form": form,
            "filter_fields": [
                form["owner"],
                form["source"],
                form["channel"],
                form["received_from"],
                form["received_to"],
            ],
            "leads": rows,
            "tabs": tabs,
            "status": status,
            "next_url": next_url,
            "masks": masked_fields_for(user),
            "channels": CHANNEL_LABELS,
        },
    )


def _card(request: HttpRequest, pk: int) -> Lead:
    require_permission(request.user, "deals.view_lead")
    try:
        return selectors.lead_card(request.user, pk)
    except Lead.DoesNotExist:
        raise Http404 from None


def _blocks_html(lead: Lead, request: HttpRequest) -> str:
    """The blocks registered on the lead card (routing's "why assigned"), each rendered with
    its own template and context."""
    blocks = hooks.lead_card_blocks(lead, request.user)
    return format_html_join(
        "",
        '<section class="panel card-block" aria-label="{}"><h2>{}</h2>{}</section>',
        (
            (
                block.title,
                block.title,
                mark_safe(  # noqa: S308 - the block's own template, escaped by Django
                    render_to_string(
                        block.template,
                        {"lead": lead, "user": request.user, "block": block, **block.context},
                        request=request,
                    )
                ),
            )
            for block in blocks
        ),
    )


def _deal_url(lead: Lead) -> str | None:
    return lead.deal.get_absolute_url() if lead.deal is not None else None


def _assignable(user: User):
    """Whom ``user`` may give a lead to: people they may give work to who work leads."""
    from django.contrib.auth.models import Permission

    from crm.selectors import users_assignable_by

    works_leads = Permission.objects.filter(
        content_type__app_label="deals", codename="view_lead"
    ).values("group")
    return (
        users_assignable_by(user)
        .filter(Q(groups__in=works_leads) | Q(is_superuser=True))
        .distinct()
        .order_by("last_name", "first_name")
    )


def _card_context(request: HttpRequest, lead: Lead, **forms) -> dict:
    user = request.user
    contact_visible = (
        lead.contact_id is not None
        and contacts_visible_to(user).filter(pk=lead.contact_id).exists()
    )
    return {
        "lead": lead,
        "notes": list(selectors.lead_notes(lead)),
        "masks": masked_fields_for(user),
        "channel_label": CHANNEL_LABELS.get(lead.channel, lead.channel),
        "contact_visible": contact_visible,
        "can_change": user.has_perm("deals.change_lead"),
        "is_open": lead.status in services.OPEN_STATUSES,
        "junk_form": forms.get("junk_form") or JunkForm(),
        "note_form": forms.get("note_form") or LeadNoteForm(),
        "assign_form": (
            forms.get("assign_form")
            or AssignForm(owners=_assignable(user), initial={"owner": lead.owner_id})
        )
        if user.has_perm("deals.change_lead") and user.has_role(Role.ADMIN, Role.HEAD)
        else None,
        "blocks_html": _blocks_html(lead, request),
        "deal_url": _deal_url(lead),
    }


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _card(request, pk)
    return render(request, "deals/leads/detail.html", _card_context(request, lead))


@login_required
@require_POST
def lead_take(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _card(request, pk)
    try:
        services.lead_take(actor=request.user, lead=lead)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The lead is in work."))
    return redirect("deals:lead-detail", pk=lead.pk)


@login_required
@require_POST
def lead_assign(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _card(request, pk)
    require_permission(request.user, "deals.change_lead")
    form = AssignForm(request.POST, owners=_assignable(request.user))
    if form.is_valid():
        try:
            services.lead_assign_to(
                actor=request.user,
                lead=lead,
                owner=form.cleaned_data["owner"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("The lead is given to %(owner)s.") % {"owner": lead.owner})
            return redirect("deals:lead-detail", pk=lead.pk)
    context = _card_context(request, lead, assign_form=form)
    context["assign_open"] = True
    return render(request, "deals/leads/detail.html", context, status=400)


@login_required
@require_POST
def lead_junk(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _card(request, pk)
    form = JunkForm(request.POST)
    if form.is_valid():
        try:
            services.lead_junk(
                actor=request.user,
                lead=lead,
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("The lead is in junk."))
            return redirect("deals:lead-detail", pk=lead.pk)
    context = _card_context(request, lead, junk_form=form)
    context["junk_open"] = True
    return render(request, "deals/leads/detail.html", context, status=400)


@login_required
@require_POST
def lead_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _card(request, pk)
    form = LeadNoteForm(request.POST)
    if form.is_valid():
        try:
            note = services.lead_note_add(
                actor=request.user, lead=lead, text=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            if request.htmx:
                return render(
                    request,
                    "deals/leads/_note.html",
                    {"note": note, "masks": masked_fields_for(request.user)},
                )
            return redirect("deals:lead-detail", pk=lead.pk)
    if request.htmx:
        response = render(
            request, "deals/leads/_note_form.html", {"lead": lead, "note_form": form}, status=400
        )
        response["HX-Retarget"] = "#note-form"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(
        request,
        "deals/leads/detail.html",
        _card_context(request, lead, note_form=form),
        status=400,
    )


@login_required
def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _card(request, pk)
    require_permission(request.user, "deals.change_lead")
    require_permission(request.user, "deals.add_deal")
    if lead.status not in services.OPEN_STATUSES:
        messages.error(request, _("Only a new lead or one in work can be converted."))
        return redirect("deals:lead-detail", pk=lead.pk)
    form = ConvertForm(request.POST or None, lead=lead)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                deal = services.lead_convert(
                    actor=request.user,
                    lead=lead,
                    pipeline=data["pipeline"],
                    title=data["title"],
                    amount=data["amount"],
                    new_contact=data["contact_mode"] == "new",
                    create_company=data.get("create_company", False),
                )
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(
                    request, _("The lead became the deal “%(deal)s”.") % {"deal": deal}
                )
                return redirect("deals:lead-detail", pk=lead.pk)
        status = 400
    return render(
        request,
        "deals/leads/convert.html",
        {"lead": lead, "form": form, "masks": masked_fields_for(request.user)},
        status=status,
    )


@login_required
def lead_create(request: HttpRequest) -> HttpResponse:
    """A lead entered by hand. Operators (who create leads from calls but do not work them)
    get a confirmation and an empty form for the next call; others go to the lead's card."""
    require_permission(request.user, "deals.add_lead")
    form = LeadForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                lead = services.lead_create(
                    actor=request.user,
                    channel=form.cleaned_data["channel"],
                    data=form.service_data(),
                )
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                if selectors.leads_visible_to(request.user).filter(pk=lead.pk).exists():
                    messages.success(request, _("The lead is saved."))
                    return redirect("deals:lead-detail", pk=lead.pk)
                messages.success(
                    request,
                    _("The lead is saved: a sales manager will get it shortly."),
                )
                return redirect("deals:lead-create")
        status = 400
    return render(request, "deals/leads/form.html", {"form": form}, status=status)


# --- web forms' settings (heads of sales) ---------------------------------------------------


@login_required
def web_form_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "deals.view_webform")
    forms_ = list(selectors.web_forms_visible_to(request.user))
    return render(request, "deals/leads/webform_list.html", {"web_forms": forms_})


def _web_form(request: HttpRequest, pk: int) -> WebForm:
    require_permission(request.user, "deals.view_webform")
    return get_object_or_404(selectors.web_forms_visible_to(request.user), pk=pk)


def _embed_url(request: HttpRequest, web_form: WebForm) -> str:
    return request.build_absolute_uri(reverse("deals:webform-embed", args=[web_form.key]))


@login_required
def web_form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    web_form = _web_form(request, pk)
    snippet = (
        f'<div id="crm-form-{web_form.key}"></div>\n'
        f'<script src="{_embed_url(request, web_form)}" async></script>'
    )
    return render(
        request,
        "deals/leads/webform_detail.html",
        {
            "web_form": web_form,
            "snippet": snippet,
            "leads_count": web_form.leads.count(),
        },
    )


def _web_form_save(request: HttpRequest, web_form: WebForm | None) -> HttpResponse:
    form = WebFormForm(request.POST or None, instance=web_form)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if web_form is None:
                    web_form = services.web_form_create(actor=request.user, **form.service_data())
                else:
                    web_form = services.web_form_update(
                        actor=request.user, web_form=web_form, **form.service_data()
                    )
            except ValidationError as exc:
                errors = exc.message_dict
                if "allowed_origins" in errors:
                    errors["origins"] = errors.pop("allowed_origins")
                form_errors_add(form, ValidationError(errors))
            else:
                messages.success(request, _("The web form is saved."))
                return redirect("deals:webform-detail", pk=web_form.pk)
        status = 400
    return render(
        request,
        "deals/leads/webform_form.html",
        {"form": form, "web_form": web_form},
        status=status,
    )


@login_required
def web_form_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "deals.add_webform")
    return _web_form_save(request, None)


@login_required
def web_form_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "deals.change_webform")
    return _web_form_save(request, _web_form(request, pk))

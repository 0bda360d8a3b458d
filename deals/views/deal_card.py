"""The deal's card, its create and edit pages, and the quick task about it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contacts import masking
from contacts import selectors as contact_selectors
from contacts.models import Tag
from crm import services as crm_services
from crm.forms import form_errors_add
from crm.http import client_ip
from crm.models import AccessLog, User
from crm.permissions import require_permission
from crm.quick_tasks import QuickTaskForm, quick_task_create, task_default_due

from ..forms_deals import DealForm
from ..hooks import deal_card_blocks
from ..models import Deal
from ..selectors import deals as selectors
from ..services import deals as services
from .board import visible_contact

TIMELINE_SHOWN = 5


def tasks_context(deal: Deal, user, form=None) -> dict:
    can_add = user.has_perm("crm.add_task")
    if can_add and form is None:
        form = QuickTaskForm(initial={"due_at": task_default_due()})
    return {
        "deal": deal,
        "tasks": contact_selectors.open_tasks_about(user, deal)
        if user.has_perm("crm.view_task")
        else [],
        "task_form": form if can_add else None,
        "task_url": reverse("deals:deal-task-add", args=[deal.pk]),
    }


def _client_context(deal: Deal, user) -> dict:
    """The client and company of the deal as ``user`` may see them: a link to the 360° card,
    the contact details masked for the roles that get masks, the latest of the timeline."""
    masks = contact_selectors.masked_fields_for(user)
    context = {"masks": masks, "contact_visible": False, "company_visible": False}
    contact = deal.contact
    if contact is not None and contact_selectors.contacts_visible_to(user).filter(pk=contact.pk):
        items, _cursor = contact_selectors.interactions_timeline(contact, limit=TIMELINE_SHOWN)
        phone = contact.phones.order_by("-is_primary", "id").first()
        email = contact.emails.order_by("-is_primary", "id").first()
        context.update(
            contact_visible=True,
            items=items,
            phone=masking.phone_for(phone.number, masks) if phone else "",
            email=masking.email_for(email.address, masks) if email else "",
        )
    company = deal.company
    if company is not None:
        context["company_visible"] = (
            contact_selectors.companies_visible_to(user).filter(pk=company.pk).exists()
        )
    return context


@login_required
@require_GET
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require_permission(user, "deals.view_deal")
    try:
        deal = selectors.deal_card(user, pk)
    except Deal.DoesNotExist:
        # A deal the user cannot see is one that does not exist for them.
        raise Http404 from None
    crm_services.access_record(
        user=user, action=AccessLog.Action.VIEW, obj=deal, ip_address=client_ip(request)
    )
    changes, times = selectors.stage_history(deal)
    context = {
        "deal": deal,
        "stages": list(selectors.stages_of(deal.pipeline)),
        "changes": list(reversed(changes)),
        "times": times,
        "tags": list(deal.tags.all()),
        "loss_reasons": list(selectors.loss_reasons_active()),
        "can_change": user.has_perm("deals.change_deal"),
        "blocks": deal_card_blocks(deal, user),
        **_client_context(deal, user),
        **tasks_context(deal, user),
    }
    return render(request, "deals/deal/detail.html", context)


def _tags_from(names: list[str]) -> list[Tag]:
    tags = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        tags.append(tag)
    return tags


@login_required
@require_http_methods(["GET", "POST"])
def deal_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_permission(user, "deals.add_deal")
    owners = selectors.deal_owners_for(user)
    pipelines = selectors.pipelines_active()
    initial = {"pipeline": request.GET.get("pipeline") or getattr(pipelines.first(), "pk", None)}
    contact_id = request.GET.get("contact", "")
    if contact_id.isdigit():
        contact = contact_selectors.contacts_visible_to(user).filter(pk=contact_id).first()
        if contact is not None:
            initial.update(contact=contact.pk, contact_name=str(contact))
    form = DealForm(request.POST or None, owners=owners, pipelines=pipelines, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            deal = services.deal_create(
                actor=user,
                title=data["title"],
                pipeline=form.cleaned_data["pipeline"],
                owner=data["owner"],
                contact=visible_contact(user, form.cleaned_data.get("contact")),
                amount=data["amount"] if data["amount"] is not None else 0,
                currency=data["currency"],
                source=data["source"] or "",
                expected_close_date=data["expected_close_date"],
            )
            if form.tag_names():
                services.deal_set_tags(actor=user, deal=deal, tags=_tags_from(form.tag_names()))
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Deal “%(title)s” opened.") % {"title": deal.title})
            return redirect(deal)
    status = 400 if request.method == "POST" else 200
    return render(request, "deals/deal/form.html", {"form": form, "deal": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require_permission(user, "deals.change_deal")
    deal = get_object_or_404(
        selectors.deals_visible_to(user).select_related("contact", "pipeline"), pk=pk
    )
    owners = User.objects.filter(
        Q(pk__in=selectors.deal_owners_for(user).values("pk")) | Q(pk=deal.owner_id)
    ).order_by("last_name", "first_name", "email")
    initial = {
        "contact": deal.contact_id,
        "contact_name": str(deal.contact) if deal.contact else "",
        "tags": ", ".join(t.name for t in deal.tags.all()),
    }
    form = DealForm(
        request.POST or None, instance=deal, owners=owners, editing=True, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        changes = {k: v for k, v in data.items() if k != "owner"}
        changes["amount"] = data["amount"] if data["amount"] is not None else 0
        changes["source"] = data["source"] or ""
        if data["owner"] is not None:
            changes["owner"] = data["owner"]
        try:
            contact_id = form.cleaned_data.get("contact")
            if contact_id != deal.contact_id:
                contact = visible_contact(user, contact_id)
                changes["contact"] = contact
                if contact is not None and contact.company_id:
                    changes["company"] = contact.company
            services.deal_update(actor=user, deal=deal, **changes)
            services.deal_set_tags(actor=user, deal=deal, tags=_tags_from(form.tag_names()))
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Deal saved."))
            return redirect(deal)
    status = 400 if request.method == "POST" else 200
    return render(request, "deals/deal/form.html", {"form": form, "deal": deal}, status=status)


@login_required
@require_POST
def deal_task_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A task about the deal from the card's quick form; with htmx the answer is the block
    again (the new task in it, or the form with its errors, 400)."""
    user = request.user
    require_permission(user, "deals.view_deal")
    require_permission(user, "crm.add_task")
    deal = get_object_or_404(selectors.deals_visible_to(user), pk=pk)
    task, form = quick_task_create(request, deal)
    if task is not None:
        services.deal_touch(deal_id=deal.pk)
    if not request.htmx:
        return redirect(deal)
    context = tasks_context(deal, user, form=None if task is not None else form)
    return render(
        request, "deals/deal/_tasks.html", context, status=200 if task is not None else 400
    )

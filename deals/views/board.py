"""The kanban board of a pipeline, its columns' next pages, the moves between stages, the
list view and the quick create. Thin: the selectors read, the services write."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from contacts.selectors import contacts_visible_to
from contacts.services import contacts_find
from crm.http import client_ip
from crm.keyset import keyset_page
from crm.permissions import require_permission
from crm.services import BulkReadRefused

from ..forms_deals import SORTS, BoardFilterForm, ListFilterForm, MoveForm, QuickDealForm
from ..models import Pipeline, Stage
from ..selectors import deals as selectors
from ..services import deals as services
from ..templatetags.deals_board import sums_text

LIST_PAGE = 50
SUGGESTIONS = 8


def card_context() -> dict:
    """What every card of the board shares, worked out once rather than once per card."""
    return {
        "deal_prefix": reverse("deals:deal-detail", args=[0]).removesuffix("0/"),
        "labels": {"in_stage": _("In the stage"), "owner": _("Responsible")},
    }


def filter_form(request: HttpRequest, data: QueryDict | None = None, form_class=BoardFilterForm):
    return form_class(
        request.GET if data is None else data, owners=selectors.deal_owners_for(request.user)
    )


@login_required
@require_GET
def board_default(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "deals.view_deal")
    pipeline = selectors.pipelines_active().first()
    if pipeline is None:
        return render(request, "deals/board/no_pipelines.html", {})
    query = request.GET.urlencode()
    url = reverse("deals:board", args=[pipeline.pk])
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_GET
def board(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require_permission(user, "deals.view_deal")
    pipeline = get_object_or_404(Pipeline, pk=pk)
    form = filter_form(request)
    condition = form.condition()
    columns = selectors.board_columns(user, pipeline, condition) if condition is not None else []
    if condition is None:
        columns = [selectors.Column(stage=s) for s in selectors.stages_of(pipeline)]
    filters = request.GET.urlencode()
    context = {
        "pipeline": pipeline,
        "pipelines": list(selectors.pipelines_active()),
        "columns": columns,
        "stages": [c.stage for c in columns],
        "form": form,
        "filters": filters,
        "quick_form": QuickDealForm() if user.has_perm("deals.add_deal") else None,
        "loss_reasons": list(selectors.loss_reasons_active()),
        "can_change": user.has_perm("deals.change_deal"),
        "can_configure": user.has_perm("deals.change_pipeline"),
        "next_url": request.get_full_path(),
    }
    return render(
        request, "deals/board/board.html", context, status=200 if condition is not None else 400
    )


@login_required
@require_GET
def column_more(request: HttpRequest, pk: int, stage: int) -> HttpResponse:
    """The next cards of a column, for the "more" button (htmx appends them)."""
    user = request.user
    require_permission(user, "deals.view_deal")
    stage = get_object_or_404(Stage, pk=stage, pipeline_id=pk)
    form = filter_form(request)
    condition = form.condition()
    if condition is None:
        return HttpResponse(status=400)
    deals, next_cursor = selectors.column_page(
        user, stage, condition, after=request.GET.get("after")
    )
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "deals/board/_column_more.html",
        {
            "deals": deals,
            "stage": stage,
            "stages": list(selectors.stages_of(stage.pipeline)),
            "pipeline": stage.pipeline,
            "next_cursor": next_cursor,
            "filters": query.urlencode(),
            "can_change": user.has_perm("deals.change_deal"),
            **card_context(),
        },
    )


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


@login_required
@require_POST
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a deal to a stage: from a drag on the board (JSON back: the new totals of the
    columns, or the refusal with its message), the card's "Move to…" and the stage bar."""
    user = request.user
    require_permission(user, "deals.change_deal")
    deal = get_object_or_404(selectors.deals_visible_to(user).select_related("pipeline"), pk=pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = MoveForm(request.POST)
    fields: dict[str, list[str]] = {}
    if form.is_valid():
        data = form.cleaned_data
        try:
            deal = services.deal_move_to_stage(
                actor=user,
                deal=deal,
                stage=data["stage"],
                loss_reason=data["loss_reason"],
                loss_comment=data["loss_comment"],
            )
        except ValidationError as exc:
            fields = exc.message_dict
    else:
        fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
    error = " ".join(m for ms in fields.values() for m in ms)
    if wants_json:
        if fields:
            return JsonResponse({"ok": False, "error": error, "fields": fields}, status=400)
        filters = filter_form(request, QueryDict(request.POST.get("filters", "")))
        condition = filters.condition()
        totals = selectors.column_totals(user, deal.pipeline, condition)
        columns = {
            str(stage.pk): {
                "count": totals.get(stage.pk, (0, []))[0],
                "sums": sums_text(totals.get(stage.pk, (0, []))[1]),
            }
            for stage in selectors.stages_of(deal.pipeline)
        }
        message = _("“%(deal)s” moved to “%(stage)s”.") % {"deal": deal, "stage": deal.stage}
        return JsonResponse(
            {"ok": True, "message": message, "stage": deal.stage_id, "columns": columns}
        )
    if fields:
        messages.error(request, error)
    else:
        messages.success(
            request, _("“%(deal)s” moved to “%(stage)s”.") % {"deal": deal, "stage": deal.stage}
        )
    return redirect(_safe_next(request, deal.get_absolute_url()))


@login_required
@require_GET
def deal_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_permission(user, "deals.view_deal")
    form = filter_form(request, form_class=ListFilterForm)
    condition = form.condition()
    rows, next_cursor = [], None
    if condition is not None:
        order = SORTS[form.cleaned_data.get("sort") or "new"][1]
        qs = selectors.deal_list(user).filter(condition)
        if form.cleaned_data.get("tag"):
            qs = qs.distinct()
        rows, next_cursor = keyset_page(qs, order, request.GET.get("after"), LIST_PAGE)
    query = request.GET.copy()
    query.pop("after", None)
    base = query.urlencode()
    sort_links = []
    for key, (label, _order) in SORTS.items():
        q = query.copy()
        q["sort"] = key
        sort_links.append({"key": key, "label": label, "url": f"?{q.urlencode()}"})
    current_sort = (form.cleaned_data.get("sort") if condition is not None else "") or "new"
    context = {
        "form": form,
        "deals": rows,
        "sort_links": sort_links,
        "current_sort": current_sort,
        "next_url": f"?{base + '&' if base else ''}{urlencode({'after': next_cursor})}"
        if next_cursor
        else "",
        "first_url": f"?{base}" if request.GET.get("after") else "",
        "pipeline": selectors.pipelines_active().first(),
    }
    return render(
        request, "deals/board/list.html", context, status=200 if condition is not None else 400
    )


@login_required
@require_GET
def contact_suggest(request: HttpRequest) -> HttpResponse:
    """Clients matching what was typed in a deal's client box (names and companies only)."""
    user = request.user
    require_permission(user, "deals.add_deal")
    query = (request.GET.get("contact_name") or request.GET.get("q") or "").strip()[:100]
    contacts = []
    if len(query) >= 2 and user.has_perm("contacts.view_contact"):
        try:
            contacts = contacts_find(
                user=user, query=query, limit=SUGGESTIONS, ip_address=client_ip(request)
            )
        except BulkReadRefused:
            contacts = []
    return render(
        request, "deals/board/_contact_suggest.html", {"contacts": contacts, "query": query}
    )


def visible_contact(user, pk):
    """The contact a deal may be opened for: one ``user`` can see, else None."""
    if not pk:
        return None
    contact = contacts_visible_to(user).select_related("company").filter(pk=pk).first()
    if contact is None:
        raise ValidationError({"contact": [_("There is no such client, or you cannot see it.")]})
    return contact


@login_required
@require_POST
def quick_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The quick create at the top of the board's first column: title, client, amount."""
    user = request.user
    require_permission(user, "deals.add_deal")
    pipeline = get_object_or_404(selectors.pipelines_active(), pk=pk)
    form = QuickDealForm(request.POST)
    board_url = _safe_next(request, reverse("deals:board", args=[pipeline.pk]))
    if not form.is_valid():
        messages.error(request, " ".join(e for es in form.errors.values() for e in es))
        return redirect(board_url)
    data = form.cleaned_data
    try:
        deal = services.deal_create(
            actor=user,
            title=data["title"],
            pipeline=pipeline,
            contact=visible_contact(user, data.get("contact")),
            amount=data.get("amount") or 0,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(board_url)
    messages.success(request, _("Deal “%(title)s” opened.") % {"title": deal.title})
    return redirect(board_url)

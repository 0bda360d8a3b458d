"""Pipeline settings for heads of sales: pipelines, their stages, loss reasons."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.permissions import require_permission

from ..forms_deals import LossReasonFormSet, PipelineForm, StageFormSet
from ..models import LossReason, Pipeline
from ..services import deals as services

SETTINGS = "deals.change_pipeline"


@login_required
@require_GET
def pipeline_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, SETTINGS)
    pipelines = (
        Pipeline.objects.annotate(deal_count=Count("deals"))
        .prefetch_related("stages")
        .order_by("order", "name")
    )
    return render(request, "deals/board/pipelines.html", {"pipelines": pipelines})


def _stage_initial(pipeline: Pipeline | None) -> list[dict]:
    if pipeline is None:
        return [
            {"name": _("New request"), "probability": 10, "kind": "open", "order": 0},
            {"name": _("Won"), "probability": 100, "kind": "won", "order": 10, "color": "#1f8a4c"},
            {"name": _("Lost"), "probability": 0, "kind": "lost", "order": 11, "color": "#c0312b"},
        ]
    return [
        {
            "id": s.pk,
            "name": s.name,
            "client_label": s.client_label,
            "probability": s.probability,
            "kind": s.kind,
            "order": s.order,
            "color": s.color,
        }
        for s in pipeline.stages.order_by("order", "id")
    ]


def _errors_into(exc: ValidationError, form, stages) -> None:
    for key, errors in exc.message_dict.items():
        head, _sep, rest = key.partition(".")
        if head == "stages" and rest:
            index, _sep, field = rest.partition(".")
            rows = [f for f in stages.forms if f.row() is not None]
            try:
                row = rows[int(index)]
            except (ValueError, IndexError):
                stages.non_form_errors().extend(errors)
                continue
            row.add_error(field if field in row.fields else None, errors)
        elif head == "stages":
            stages.non_form_errors().extend(errors)
        else:
            form.add_error(key if key in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create a pipeline (no ``pk``) or change one with its stages, on one page."""
    require_permission(request.user, SETTINGS if pk else "deals.add_pipeline")
    pipeline = get_object_or_404(Pipeline, pk=pk) if pk else None
    initial = (
        {
            "name": pipeline.name,
            "order": pipeline.order,
            "currency": pipeline.currency,
            "is_active": pipeline.is_active,
        }
        if pipeline
        else None
    )
    form = PipelineForm(request.POST or None, initial=initial)
    stages = StageFormSet(request.POST or None, initial=_stage_initial(pipeline), prefix="stages")
    if request.method == "POST" and form.is_valid() and stages.is_valid():
        rows = [r for r in (f.row() for f in stages.forms) if r is not None]
        data = form.cleaned_data
        try:
            pipeline = services.pipeline_save(
                actor=request.user,
                pipeline=pipeline,
                name=data["name"],
                order=data["order"] or 0,
                currency=data["currency"],
                is_active=data["is_active"],
                stages=rows,
            )
        except ValidationError as exc:
            _errors_into(exc, form, stages)
        else:
            messages.success(request, _("Pipeline “%(name)s” saved.") % {"name": pipeline.name})
            return redirect("deals:pipeline-list")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "stages": stages, "pipeline": pipeline}
    return render(request, "deals/board/pipeline_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def loss_reasons(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "deals.change_lossreason")
    reasons = {r.pk: r for r in LossReason.objects.order_by("order", "name")}
    initial = [
        {"id": r.pk, "name": r.name, "order": r.order, "is_active": r.is_active}
        for r in reasons.values()
    ]
    formset = LossReasonFormSet(request.POST or None, initial=initial, prefix="reasons")
    if request.method == "POST" and formset.is_valid():
        failed = False
        for row in formset.forms:
            data = row.cleaned_data
            name = (data.get("name") or "").strip()
            reason = reasons.get(data.get("id"))
            if reason is None and not name:
                continue
            try:
                services.loss_reason_save(
                    actor=request.user,
                    reason=reason,
                    name=name,
                    order=data.get("order") or 0,
                    is_active=data.get("is_active", False) if reason else True,
                )
            except ValidationError as exc:
                failed = True
                for key, errors in exc.message_dict.items():
                    row.add_error(key if key in row.fields else None, errors)
        if not failed:
            messages.success(request, _("Loss reasons saved."))
            return redirect("deals:loss-reasons")
    status = 400 if request.method == "POST" else 200
    return render(request, "deals/board/loss_reasons.html", {"formset": formset}, status=status)

"""The sales generator's rules: a list, a form to create and one to edit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crm.forms import form_errors_add
from crm.permissions import require_permission

from ..forms_forecast import RepeatRuleForm
from ..models import RepeatDealRule
from ..services.repeat import repeat_rule_create, repeat_rule_update


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "deals.view_repeatdealrule")
    rules = (
        RepeatDealRule.objects.select_related("source_pipeline", "target_stage")
        .prefetch_related("products", "tags")
        .annotate(opened=Count("deals"))
        .order_by("name")
    )
    return render(request, "deals/generator/list.html", {"rules": rules})


def _rule_form(request: HttpRequest, rule: RepeatDealRule | None) -> HttpResponse:
    user = request.user
    require_permission(user, "deals.change_repeatdealrule" if rule else "deals.add_repeatdealrule")
    status = 200
    if request.method == "POST":
        form = RepeatRuleForm(request.POST, instance=rule)
        if form.is_valid():
            try:
                if rule is None:
                    saved = repeat_rule_create(actor=user, **form.service_data())
                else:
                    fresh = RepeatDealRule.objects.get(pk=rule.pk)
                    saved = repeat_rule_update(
                        actor=user, repeatdealrule=fresh, **form.service_data()
                    )
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
                return redirect("deals:generator-list")
        status = 400
    else:
        form = RepeatRuleForm(instance=rule)
    return render(request, "deals/generator/form.html", {"form": form, "rule": rule}, status=status)


@login_required
def rule_create(request: HttpRequest) -> HttpResponse:
    return _rule_form(request, None)


@login_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "deals.change_repeatdealrule")
    return _rule_form(request, get_object_or_404(RepeatDealRule, pk=pk))

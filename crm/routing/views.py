"""Staff pages of routing for heads of sales: the rules in their order, a rule's form with its
conditions, and the log of assignments with their reasons."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.keyset import keyset_page
from crm.permissions import require_permission

from . import selectors, services
from .conditions import condition_text
from .forms import ConditionFormSet, ProfileForm, RuleForm, apply_errors, condition_initial
from .kinds import ROUTING_KINDS

LOG_PAGE = 50


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "routing.view_routingrule")
    rules = list(selectors.rules_visible_to(request.user))
    for rule in rules:
        kind = ROUTING_KINDS.get(rule.kind)
        rule.kind_label = kind.label if kind else rule.kind
        rule.condition_texts = [condition_text(kind, c) for c in rule.conditions]
    return render(
        request,
        "routing/rule_list.html",
        {
            "rules": rules,
            "can_add": request.user.has_perm("routing.add_routingrule"),
            "can_log": request.user.has_perm("routing.view_assignment"),
            "can_profiles": request.user.has_perm("routing.change_routingprofile"),
        },
    )


def _rule_form(request: HttpRequest, rule=None) -> HttpResponse:
    if request.method == "POST":
        form = RuleForm(request.POST, instance=rule)
        conditions = ConditionFormSet(request.POST, prefix="c")
        if form.is_valid() and conditions.is_valid():
            rows = [f.condition() for f in conditions.forms]
            data = {**form.service_data(), "conditions": [r for r in rows if r is not None]}
            try:
                if rule is None:
                    saved = services.routing_rule_create(actor=request.user, **data)
                else:
                    saved = services.routing_rule_update(actor=request.user, rule=rule, **data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
                return redirect("routing:rule-list")
        status = 400
    else:
        form = RuleForm(instance=rule)
        conditions = ConditionFormSet(
            prefix="c", initial=condition_initial(rule.conditions if rule else [])
        )
        status = 200
    return render(
        request,
        "routing/rule_form.html",
        {"form": form, "conditions": conditions, "rule": rule},
        status=status,
    )


@login_required
def rule_create(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "routing.add_routingrule")
    return _rule_form(request)


@login_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "routing.change_routingrule")
    rule = get_object_or_404(selectors.rules_visible_to(request.user), pk=pk)
    return _rule_form(request, rule)


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, "routing.delete_routingrule")
    rule = get_object_or_404(selectors.rules_visible_to(request.user), pk=pk)
    services.routing_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("routing:rule-list")


def _item_url(kind, item_id: int) -> str:
    if kind is None:
        return ""
    try:
        return kind.url_of_id(item_id)
    except NoReverseMatch:  # the kind's pages are not there (yet)
        return ""


@login_required
@require_GET
def assignment_log(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, "routing.view_assignment")
    rows, after = keyset_page(
        selectors.assignments_visible_to(request.user),
        (("id", True),),  # ids grow with time: newest first
        request.GET.get("after"),
        LOG_PAGE,
    )
    for row in rows:
        kind = ROUTING_KINDS.get(row.kind)
        row.kind_label = kind.label if kind else row.kind
        row.item_url = _item_url(kind, row.item_id)
    return render(request, "routing/assignment_log.html", {"rows": rows, "after": after})


@login_required
def profile_list(request: HttpRequest) -> HttpResponse:
    """The people a head routes to, with their skills, territories and caps, each editable."""
    require_permission(request.user, "routing.change_routingprofile")
    people = list(selectors.profiles_editable_by(request.user))
    errors: dict[int, ProfileForm] = {}
    if request.method == "POST":
        form = ProfileForm(request.POST)
        person = None
        if form.is_valid():
            person = next((p for p in people if p.pk == form.cleaned_data["user"]), None)
            if person is None:
                raise Http404
            try:
                services.routing_profile_set(actor=request.user, user=person, **form.service_data())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Saved for %(name)s.") % {"name": person})
                return redirect("routing:profile-list")
        user_id = form.data.get("user")
        errors[int(user_id) if str(user_id).isdigit() else 0] = form
    rows = []
    for person in people:
        profile = person.routing_profile_cached
        form = errors.get(person.pk) or ProfileForm(
            initial={
                "user": person.pk,
                "skills": ", ".join(profile.skills) if profile else "",
                "regions": ", ".join(profile.regions) if profile else "",
                "cap": profile.cap if profile else None,
            },
            prefix=None,
        )
        rows.append((person, form))
    return render(
        request, "routing/profile_list.html", {"rows": rows}, status=400 if errors else 200
    )

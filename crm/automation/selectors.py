"""Who sees which rules and runs, decided here alone."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

from crm.models import User

from .models import AutomationRule, AutomationRun
from .registry import AUTOMATION_EVENTS, AUTOMATION_KINDS


def rules_visible_to(user: User) -> QuerySet[AutomationRule]:
    """Rules are the configuration of the whole sales floor: whoever may view them sees all."""
    qs = AutomationRule.objects.select_related("created_by", "updated_by")
    if not (
        user.is_authenticated and user.is_active and user.has_perm("automation.view_automationrule")
    ):
        return qs.none()
    return qs


def rules_of_scope(**scope) -> QuerySet[AutomationRule]:
    """Rules narrowed to ``scope`` (``pipeline=3``): the robots page of one pipeline."""
    return AutomationRule.objects.filter(**{f"scope__{k}": v for k, v in scope.items()})


def runs_visible_to(user: User) -> QuerySet[AutomationRun]:
    """The runs of the objects ``user`` may see, by each kind's own selector."""
    qs = AutomationRun.objects.select_related("rule", "content_type")
    if not (user.is_authenticated and user.is_active):
        return qs.none()
    scope = Q(pk__in=[])
    for kind in AUTOMATION_KINDS:
        ct = ContentType.objects.get_for_model(kind.model_class)
        scope |= Q(content_type=ct, object_id__in=kind.visible_to(user).values("pk"))
    return qs.filter(scope)


def runs_of(obj: Model, *, limit: int = 20) -> list[AutomationRun]:
    """The newest runs on one object (its card), with their rules."""
    ct = ContentType.objects.get_for_model(obj)
    return list(
        AutomationRun.objects.filter(content_type=ct, object_id=obj.pk)
        .select_related("rule")
        .order_by("-created_at", "-id")[:limit]
    )


def events_of_kind(kind: str) -> list:
    return [spec for spec in AUTOMATION_EVENTS if spec.kind == kind]

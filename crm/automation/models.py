"""Rules (an event or a time condition → conditions → ordered actions) and their runs."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _new_secret() -> str:
    return secrets.token_hex(32)


class AutomationRule(models.Model):
    name = models.CharField(_("name"), max_length=200)
    event = models.CharField(_("event"), max_length=80)
    # Narrows the rule to part of the objects: {"pipeline": 3, "stage": 12}.
    scope = models.JSONField(_("scope"), default=dict, blank=True)
    # [{"field": "amount", "op": "gte", "value": "100000"}], all must hold.
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    # For an event: how long after it the actions run. For a timed event ("in the stage",
    # "no activity"): the time condition itself.
    delay_minutes = models.PositiveIntegerField(_("delay, minutes"), default=0)
    # [{"code": "task", "params": {...}}], run in this order.
    actions = models.JSONField(_("actions"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    # Signs the body of this rule's webhooks (HMAC-SHA256); the receiver keeps a copy.
    secret = models.CharField(_("webhook secret"), max_length=64, default=_new_secret)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        ordering = ["id"]
        indexes = [
            # Every event reads the active rules of its code.
            models.Index(
                fields=["event"], name="automation_rule_event_idx", condition=Q(is_active=True)
            ),
            # The robots page of one pipeline.
            models.Index(models.F("scope__pipeline"), name="automation_rule_pipeline_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class AutomationRun(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    rule = models.ForeignKey(
        AutomationRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="runs"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField(_("object id"))
    # What made it run, unique per rule and object: "stage:12:1733030000" (a stay in stage 12),
    # "invoice:7", "idle:1733030000".
    occasion = models.CharField(_("occasion"), max_length=120)
    # rule × object × occasion: whatever delivers the event twice, the rule runs once.
    run_key = models.CharField(_("run key"), max_length=255, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    due_at = models.DateTimeField(_("due"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the poller may take it: due_at at first, then after each failure's backoff; while
    # running, the end of the lease after which a run whose worker died is taken again.
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    # {"actions": [{"code", "status": done|skipped, "result": {...}}, ...]}: a retried run
    # skips the actions already done.
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("automation run")
        verbose_name_plural = _("automation runs")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The poller: runs waiting for their time, and runs whose worker died.
            models.Index(
                fields=["next_attempt_at"],
                name="automation_run_due_idx",
                condition=Q(status__in=["scheduled", "running"]),
            ),
            # The object's card: its runs, newest first.
            models.Index(
                fields=["content_type", "object_id", "-created_at"],
                name="automation_run_object_idx",
            ),
            models.Index(fields=["rule", "-created_at"], name="automation_run_rule_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "running", "done", "failed", "skipped"]),
                name="automation_run_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.run_key

    @property
    def action_results(self) -> list[dict]:
        return list((self.result or {}).get("actions", []))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.SKIPPED)

"""Routing rules, people's routing profiles, the round-robin pointers and the assignments."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .conditions import clean_conditions
from .kinds import ROUTING_KINDS


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")
    SKILLS = "skills", _("By skills and territory")
    STICKY = "sticky", _("The client's own manager first")


class RoutingProfile(models.Model):
    """What the "skills and territory" strategy knows of a person, and their own cap."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="routing_profile",
    )
    # Free words a rule's items are matched against: product names or SKUs, languages, topics.
    skills = models.JSONField(_("skills"), default=list, blank=True)
    regions = models.JSONField(_("territories"), default=list, blank=True)
    # The most open items this person holds at once, whatever the rule; empty: the rule's cap.
    cap = models.PositiveIntegerField(_("cap of open items"), null=True, blank=True)

    class Meta:
        verbose_name = _("routing profile")
        verbose_name_plural = _("routing profiles")

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        for name in ("skills", "regions"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValidationError({name: _("A list of words is expected.")})
            setattr(self, name, [v.strip() for v in value if v.strip()])


class RoutingRule(models.Model):
    kind = models.CharField(_("kind of item"), max_length=64)
    name = models.CharField(_("name"), max_length=150)
    order = models.PositiveIntegerField(_("order"), default=100)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routing_rules",
    )
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("people"),
        blank=True,
        related_name="routing_rules",
    )
    strategy = models.CharField(
        _("strategy"), max_length=20, choices=Strategy.choices, default=Strategy.ROUND_ROBIN
    )
    cap = models.PositiveIntegerField(
        _("cap of open items per person"),
        null=True,
        blank=True,
        help_text=_("Empty: no cap."),
    )
    take_within_minutes = models.PositiveIntegerField(
        _("take into work within, minutes"),
        null=True,
        blank=True,
        help_text=_("Not taken in time: reassigned, and the team's head is told. Empty: never."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["kind", "order", "id"]
        indexes = [
            models.Index(fields=["kind", "is_active", "order"], name="routing_rule_kind_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gt=0), name="routing_rule_cap_positive"
            ),
            models.CheckConstraint(
                condition=Q(take_within_minutes__isnull=True) | Q(take_within_minutes__gt=0),
                name="routing_rule_take_within_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("routing:rule-edit", args=[self.pk])

    def clean(self) -> None:
        """Everything a rule must be that one row can tell; that it names a target (a team or
        people, which is a many-to-many) is checked by the service."""
        kind = ROUTING_KINDS.get(self.kind)
        if kind is None:
            raise ValidationError(
                {"kind": _("Unknown kind of item “%(kind)s”.") % {"kind": self.kind}}
            )
        try:
            self.conditions = clean_conditions(kind, self.conditions)
        except ValidationError as exc:
            raise ValidationError({"conditions": exc.messages}) from exc


class RoundRobinPointer(models.Model):
    """Whose turn it was last in a rule's round robin. In the database, so that the turn
    survives a restart and every worker sees the same one; its row is the lock that makes
    workers routing at the same time take turns one after another."""

    rule = models.OneToOneField(
        RoutingRule, on_delete=models.CASCADE, primary_key=True, related_name="pointer"
    )
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    turns = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("round-robin pointer")
        verbose_name_plural = _("round-robin pointers")

    def __str__(self) -> str:
        return f"{self.rule}: {self.last_user_id}"


class Assignment(models.Model):
    """One item handed to one person, and why. The item's current assignment is the one with
    ``is_current``; a reassignment ends it and starts another (``reassigned_from``)."""

    kind = models.CharField(_("kind of item"), max_length=64)
    item_id = models.BigIntegerField(_("item"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        related_name="routing_assignments",
    )
    rule = models.ForeignKey(
        RoutingRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
    )
    strategy = models.CharField(_("strategy"), max_length=20, choices=Strategy.choices)
    # The reason in the site's language (for the admin, the item's history and notifications);
    # ``details`` holds its parts, so each reader sees it in their own language.
    reason = models.CharField(_("reason"), max_length=500)
    details = models.JSONField(_("details"), default=list, blank=True)
    assigned_at = models.DateTimeField(_("assigned"))
    due_at = models.DateTimeField(_("to be taken by"), null=True, blank=True)
    reassigned_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reassigned from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_current = models.BooleanField(_("current"), default=True)
    taken_at = models.DateTimeField(_("taken into work"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-assigned_at", "-id"]
        constraints = [
            # The last word on "never assigned twice": whatever the workers do, one item has at
            # most one current assignment.
            models.UniqueConstraint(
                fields=["kind", "item_id"],
                condition=Q(is_current=True),
                name="routing_assignment_one_current",
            ),
        ]
        indexes = [
            models.Index(
                fields=["kind", "item_id", "-assigned_at"], name="routing_assign_item_idx"
            ),
            models.Index(fields=["-assigned_at", "-id"], name="routing_assign_log_idx"),
            models.Index(fields=["user", "-assigned_at"], name="routing_assign_user_idx"),
            # The overdue sweep: current, not taken, with a deadline.
            models.Index(
                fields=["due_at"],
                name="routing_assign_due_idx",
                condition=Q(is_current=True, taken_at__isnull=True, due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.item_id} → {self.user}"

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language."""
        from .reasons import reason_render

        return reason_render(self.details) if self.details else self.reason

"""Pipelines, their stages and the deals that move through them."""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Source


class Pipeline(models.Model):
    """A funnel of ordered stages: "Furniture to order", "B2B wholesale"."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Deals of this pipeline open in this currency unless another is given.
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("deals:board", args=[self.pk])


class Stage(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("In progress")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages"
    )
    name = models.CharField(_("name"), max_length=100)
    # What the client sees in the portal ("Your order is being made"); the name when empty.
    client_label = models.CharField(_("label for the client"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Per cent: the weighted forecast counts amount × probability / 100.
    probability = models.PositiveSmallIntegerField(_("probability, %"), default=10)
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices, default=Kind.OPEN)
    color = models.CharField(_("colour"), max_length=7, default="#4f6bed")

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="deals_stage_unique_name"),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100),
                name="deals_stage_probability_range",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["open", "won", "lost"]), name="deals_stage_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.kind != self.Kind.OPEN

    @property
    def label_for_client(self) -> str:
        return self.client_label or self.name


class LossReason(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("loss reason")
        verbose_name_plural = _("loss reasons")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Deal(models.Model):
    title = models.CharField(_("title"), max_length=255)
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="deals",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, blank=True, default=""
    )
    expected_close_date = models.DateField(_("expected close"), null=True, blank=True)
    stage_entered_at = models.DateTimeField(_("in the stage since"), default=timezone.now)
    # Moved by a note, a call, a task done, a stage move: "no activity for N days" reads it.
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    loss_reason = models.ForeignKey(
        LossReason,
        verbose_name=_("loss reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
    )
    loss_comment = models.CharField(_("loss comment"), max_length=500, blank=True)
    # The won deal a sales generator rule opened this one after.
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    repeat_rule = models.ForeignKey(
        "deals.RepeatDealRule",
        verbose_name=_("opened by the rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    tags = models.ManyToManyField(
        "contacts.Tag", verbose_name=_("tags"), blank=True, related_name="deals"
    )
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deals_deal_amount_positive"),
            # A rule opens one repeat deal per won deal, however often the generator runs.
            models.UniqueConstraint(
                fields=["repeat_rule", "repeat_of"],
                condition=Q(repeat_rule__isnull=False),
                name="deals_deal_repeat_once",
            ),
        ]
        indexes = [
            # A board column: the deals of one stage, newest in the stage first.
            models.Index(
                fields=["stage", "-stage_entered_at", "-id"], name="deals_deal_column_idx"
            ),
            # "My deals" and a head's team board narrowed by owner.
            models.Index(fields=["owner", "stage"], name="deals_deal_owner_idx"),
            models.Index(fields=["contact"], name="deals_deal_contact_idx"),
            # The list sorted by amount, and the board's and list's period filter.
            models.Index(fields=["-amount", "-id"], name="deals_deal_amount_idx"),
            models.Index(fields=["created_at"], name="deals_deal_created_idx"),
            models.Index(fields=["company"], name="deals_deal_company_idx"),
            # "No activity for N days" reads only open deals.
            models.Index(
                fields=["last_activity_at"],
                name="deals_deal_idle_idx",
                condition=Q(closed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("deals:deal-detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class DealStageChange(models.Model):
    """One move of a deal from a stage to the next: the stage history and time in each stage."""

    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.ForeignKey(
        Stage,
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_stage = models.ForeignKey(
        Stage, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("when"), default=timezone.now)
    # How long the deal stayed in ``from_stage``.
    seconds_in_previous = models.PositiveIntegerField(_("time in the stage, s"), default=0)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["deal", "changed_at", "id"]
        indexes = [models.Index(fields=["deal", "changed_at"], name="deals_stagechange_deal_idx")]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id}"

"""Sales plans per manager and month, and the sales generator's repeat-deal rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SalesPlan(models.Model):
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.CASCADE,
        related_name="sales_plans",
    )
    # The first day of the month the plan is for.
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("plan"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")

    class Meta:
        verbose_name = _("sales plan")
        verbose_name_plural = _("sales plans")
        ordering = ["-month", "manager"]
        permissions = [("view_forecast", "Can see the forecast and the managers' KPIs")]
        constraints = [
            models.UniqueConstraint(fields=["manager", "month"], name="deals_plan_once_a_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="deals_plan_amount_positive"),
            models.CheckConstraint(condition=Q(month__day=1), name="deals_plan_first_of_month"),
        ]

    def __str__(self) -> str:
        return f"{self.manager} {self.month:%Y-%m}: {self.amount}"


class RepeatDealRule(models.Model):
    """Sales generator: N days after a deal is won (with these products, or for clients with
    these tags), open a repeat deal for the same owner."""

    name = models.CharField(_("name"), max_length=100)
    source_pipeline = models.ForeignKey(
        "deals.Pipeline",
        verbose_name=_("after a deal won in"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    products = models.ManyToManyField(
        "deals.Product", verbose_name=_("with any of the products"), blank=True, related_name="+"
    )
    tags = models.ManyToManyField(
        "contacts.Tag", verbose_name=_("for clients tagged"), blank=True, related_name="+"
    )
    after_days = models.PositiveIntegerField(_("after, days"))
    target_stage = models.ForeignKey(
        "deals.Stage",
        verbose_name=_("open the repeat deal in"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    title_template = models.CharField(_("title of the new deal"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("sales generator rule")
        verbose_name_plural = _("sales generator rules")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(after_days__gte=1), name="deals_repeatrule_after_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

"""Leads: inbound requests not yet qualified, and the web forms that collect them."""

from __future__ import annotations

import secrets

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Source


def _form_key() -> str:
    return secrets.token_urlsafe(12)


class WebForm(models.Model):
    """A form any site can embed with a snippet; what it sends becomes a lead."""

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("key"), max_length=32, unique=True, default=_form_key)
    # Sites allowed to post the form from a browser (CORS), e.g. "https://mebel.example.ru".
    allowed_origins = models.JSONField(_("allowed sites"), default=list, blank=True)
    product = models.ForeignKey(
        "deals.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    success_message = models.CharField(_("message after sending"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_WORK = "in_work", _("In work")
        CONVERTED = "converted", _("Converted")
        JUNK = "junk", _("Junk")

    class JunkReason(models.TextChoices):
        SPAM = "spam", _("Spam")
        DUPLICATE = "duplicate", _("Duplicate")
        UNREACHABLE = "unreachable", _("Could not reach")
        NOT_TARGET = "not_target", _("Not our client")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    company_name = models.CharField(_("company"), max_length=255, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.OTHER
    )
    # Where it came in: web_form, api, call, email, manual.
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    utm_source = models.CharField("utm_source", max_length=100, blank=True)
    utm_medium = models.CharField("utm_medium", max_length=100, blank=True)
    utm_campaign = models.CharField("utm_campaign", max_length=100, blank=True)
    utm_content = models.CharField("utm_content", max_length=100, blank=True)
    utm_term = models.CharField("utm_term", max_length=100, blank=True)
    product = models.ForeignKey(
        "deals.Product",
        verbose_name=_("product of interest"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    region = models.CharField(_("region"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    message = models.TextField(_("message"), blank=True)
    web_form = models.ForeignKey(
        WebForm,
        verbose_name=_("web form"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    junk_reason = models.CharField(
        _("junk reason"), max_length=12, choices=JunkReason.choices, blank=True
    )
    junk_comment = models.CharField(_("comment"), max_length=500, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    # The first action on the lead (taken into work, a call, a note): "time to first action".
    taken_at = models.DateTimeField(_("taken into work"), null=True, blank=True)
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    deal = models.OneToOneField(
        "deals.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lead",
    )
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="junk") | ~Q(junk_reason=""),
                name="deals_lead_junk_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="deals_lead_status_idx"),
            models.Index(fields=["owner", "status", "-created_at"], name="deals_lead_owner_idx"),
            models.Index(fields=["phone"], name="deals_lead_phone_idx"),
            models.Index(Lower("email"), name="deals_lead_email_idx"),
            models.Index(fields=["contact"], name="deals_lead_contact_idx"),
            # The list pages by status (and owner), newest first by id (the keyset order).
            models.Index(fields=["status", "-id"], name="deals_lead_status_id_idx"),
            models.Index(fields=["owner", "status", "-id"], name="deals_lead_owner_id_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.company_name or self.phone or self.email or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("deals:lead-detail", args=[self.pk])


class LeadNote(models.Model):
    """Something recorded on a lead before it has a contact (a note, a call, an e-mail); on
    conversion it moves to the contact's timeline as an interaction."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        CALL = "call", _("Call")
        EMAIL = "email", _("E-mail")
        SYSTEM = "system", _("System event")

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="notes"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NOTE)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("lead note")
        verbose_name_plural = _("lead notes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["lead", "-created_at"], name="deals_leadnote_lead_idx")]

    def __str__(self) -> str:
        return self.body[:60]

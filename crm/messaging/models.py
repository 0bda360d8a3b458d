"""Message templates, the suppression list and the messages sent from them.

One place for every outbound message of the product: robots of the sales funnel now,
mailings and surveys later extend these rather than keep their own copies.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def address_normalize(address: str) -> str:
    """The form an address is compared in: trimmed and lower-case (mailbox providers treat
    the local part case-insensitively, and so does every suppression list in practice)."""
    return (address or "").strip().lower()


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    # Reserved for the SMS channel: templates can be written for it, nothing sends them yet.
    SMS = "sms", _("SMS")


class Purpose(models.TextChoices):
    TRANSACTIONAL = "transactional", pgettext_lazy("message purpose", "Transactional")
    MARKETING = "marketing", pgettext_lazy("message purpose", "Marketing")


class MessageTemplate(models.Model):
    """A subject and a text body in the sandboxed template language, under a stable code
    that robots and mailings name."""

    code = models.SlugField(
        _("code"),
        max_length=80,
        unique=True,
        help_text=_("How robots and mailings name the template; letters, digits, _ and -."),
    )
    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    purpose = models.CharField(
        _("purpose"),
        max_length=20,
        choices=Purpose.choices,
        default=Purpose.TRANSACTIONAL,
        help_text=_("Marketing messages go only to clients who consented to them."),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="ru"
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        from .rendering import template_errors

        if self.channel == Channel.EMAIL and not self.subject.strip():
            raise ValidationError({"subject": _("An e-mail needs a subject.")})
        errors = template_errors(subject=self.subject, body=self.body)
        if errors:
            raise ValidationError(errors)


class Suppression(models.Model):
    """An address no message goes to, whatever asks for it, from the moment it is added."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINT = "complaint", _("Complaint (marked as spam)")
        MANUAL = "manual", _("Added by hand")

    address = models.CharField(_("address"), max_length=254, unique=True)
    reason = models.CharField(
        _("reason"), max_length=20, choices=Reason.choices, default=Reason.MANUAL
    )
    comment = models.CharField(_("comment"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppression list")
        ordering = ["-id"]
        constraints = [
            # The services normalise, the database makes sure nothing slips past them.
            models.CheckConstraint(
                condition=models.Q(address=Lower("address")), name="messaging_suppression_lower"
            )
        ]

    def __str__(self) -> str:
        return self.address

    def save(self, *args, **kwargs) -> None:
        self.address = address_normalize(self.address)
        super().save(*args, **kwargs)


class OutboundMessage(models.Model):
    """One message to one address, rendered once; its key makes asking twice a no-op."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        REFUSED = "refused", _("Refused")

    template = models.ForeignKey(
        MessageTemplate,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    template_code = models.CharField(_("template code"), max_length=80, blank=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.TRANSACTIONAL
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    key = models.CharField(
        _("key"),
        max_length=200,
        unique=True,
        help_text=_("The caller's idempotency key: a second request with it is the same message."),
    )
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("related record type"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    object_id = models.CharField(_("related record"), max_length=40, blank=True)
    related = GenericForeignKey("content_type", "object_id")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Set while one worker talks to the SMTP server, so that a second one handed the same id
    # does not send it again; a claim older than EMAIL_CLAIM_TIMEOUT is a worker that died.
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-id"]
        indexes = [
            # The log page, newest first (the primary key), of one status.
            models.Index(fields=["status", "-id"], name="messaging_out_status_idx"),
            # The messages of one deal, invoice or contact.
            models.Index(fields=["content_type", "object_id"], name="messaging_out_related_idx"),
            # The sweep that queues again messages whose job was lost.
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="queued"),
                name="messaging_out_queued_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"

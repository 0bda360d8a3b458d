"""The verbs of messages: compose one from a template, deliver it, keep the suppression list
and the templates.

``email_send`` is what robots, invoices and (later) mailings call: it composes the message
now, in the caller's transaction, and a worker delivers it after the commit, retrying while
the mail server is down. The key the caller gives makes every step safe to repeat: one key,
one message, one e-mail.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.celery import enqueue_on_commit
from crm.models import Role, User
from crm.permissions import require_permission

from .guards import send_refusal
from .models import (
    Channel,
    MessageTemplate,
    OutboundMessage,
    Purpose,
    Suppression,
    address_normalize,
)
from .rendering import RenderError, render

Status = OutboundMessage.Status

TEMPLATE_FIELDS = (
    "code",
    "name",
    "channel",
    "purpose",
    "language",
    "subject",
    "body",
    "is_active",
)


class MessageRefused(Exception):
    """The message may not go: the address is suppressed, the client gave no consent, there
    is no address, or the template needs a value the context lacks. ``str()`` is the reason;
    ``message`` is the recorded (refused) message when there is one."""

    def __init__(self, reason: str, *, message: OutboundMessage | None = None) -> None:
        super().__init__(reason)
        self.message = message


class TemplateMissing(Exception):
    """No active template has this code."""


class DeliveryFailed(Exception):
    """The mail server did not take the message; the error is recorded on it."""

    def __init__(self, error: str, *, message: OutboundMessage) -> None:
        super().__init__(error)
        self.message = message


# --- composing and sending -----------------------------------------------------------------


def _address_ok(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def _related_fields(related) -> dict[str, Any]:
    if related is None:
        return {"content_type": None, "object_id": ""}
    return {
        "content_type": ContentType.objects.get_for_model(related),
        "object_id": str(related.pk),
    }


def email_compose(
    *,
    actor: User | None,
    template_code: str,
    to: str,
    context: dict,
    key: str,
    related=None,
    language: str | None = None,
) -> OutboundMessage:
    """The message of ``template_code`` to ``to``, rendered with ``context``, recorded under
    ``key``. A key already used answers the message made with it (nothing is rendered or
    checked again), unless that one was refused: then the checks run anew, so a message
    refused for a missing consent goes once the client consents.

    Raises ``TemplateMissing`` and ``MessageRefused`` (the refused message is recorded, with
    its reason, when the caller's transaction commits).
    """
    require_permission(actor, "messaging.add_outboundmessage")
    key = (key or "").strip()
    if not key or len(key) > OutboundMessage._meta.get_field("key").max_length:
        raise ValueError("email_compose needs a key of at most 200 characters")
    context = context or {}
    existing = OutboundMessage.objects.filter(key=key).first()
    if existing is not None and existing.status != Status.REFUSED:
        return existing
    template = MessageTemplate.objects.filter(
        code=template_code, is_active=True, channel=Channel.EMAIL
    ).first()
    if template is None:
        raise TemplateMissing(
            _("There is no active e-mail template with the code “%(code)s”.")
            % {"code": template_code}
        )
    address = address_normalize(to)
    language = language or template.language
    refusal = None
    rendered = None
    if not address or not _address_ok(address):
        refusal = _("There is no valid e-mail address to send to.")
    if refusal is None:
        refusal = send_refusal(to=address, purpose=template.purpose)
    if refusal is None:
        if template.purpose == Purpose.MARKETING:
            # Every marketing message carries its own way out (38-FZ art. 18: the recipient
            # may refuse at any time); the link is the address's, signed, never a guessable id.
            context = {**context, "unsubscribe_url": unsubscribe_url(address)}
        try:
            rendered = render(
                subject=template.subject, body=template.body, context=context, language=language
            )
        except RenderError as exc:
            refusal = str(exc)
    fields = {
        "template": template,
        "template_code": template.code,
        "channel": template.channel,
        "purpose": template.purpose,
        "language": language,
        "to": address or (to or "")[:254],
        "subject": rendered.subject[:255] if rendered else "",
        "body": rendered.body if rendered else "",
        "body_html": rendered.body_html if rendered else "",
        "status": Status.REFUSED if refusal else Status.QUEUED,
        "last_error": refusal or "",
        "actor": actor,
        "created_at": timezone.now(),
        **_related_fields(related),
    }
    with transaction.atomic():
        if existing is not None:
            # Only a still-refused message is redone: another request may have redone it since.
            OutboundMessage.objects.filter(pk=existing.pk, status=Status.REFUSED).update(**fields)
            message = OutboundMessage.objects.get(pk=existing.pk)
        else:
            try:
                with transaction.atomic():
                    message = OutboundMessage.objects.create(key=key, **fields)
            except IntegrityError:
                # Two requests with one key at once: the unique key lets one in; the other
                # answers with its message.
                message = OutboundMessage.objects.get(key=key)
                return message
    if message.status == Status.REFUSED:
        raise MessageRefused(message.last_error, message=message)
    return message


def email_send(
    *,
    actor: User | None,
    template_code: str,
    to: str,
    context: dict,
    key: str,
    related=None,
    language: str | None = None,
) -> OutboundMessage:
    """``email_compose`` now, delivery by a worker after the commit (retried with backoff
    while the mail server fails). Same arguments, same refusals; a message already sent is
    not sent again."""
    message = email_compose(
        actor=actor,
        template_code=template_code,
        to=to,
        context=context,
        key=key,
        related=related,
        language=language,
    )
    if message.status in (Status.QUEUED, Status.FAILED):
        enqueue_on_commit("crm.messaging.tasks.deliver_message", message.pk)
    return message


def _claimable(now: dt.datetime) -> models.Q:
    stale = now - dt.timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT)
    return models.Q(status__in=[Status.QUEUED, Status.FAILED]) & (
        models.Q(claimed_at__isnull=True) | models.Q(claimed_at__lt=stale)
    )


def _message_id(message: OutboundMessage) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<crm-message-{message.pk}@{domain}>"


def message_deliver(*, message_id: int) -> OutboundMessage:
    """Hand one message to the mail server, at most once.

    Sent, refused and claimed messages are answered as they are. The guards are asked again
    first: an address suppressed after the message was queued is not written to. A failure
    is recorded on the message (status failed, attempts + 1, the error) and raised as
    ``DeliveryFailed`` for the caller to retry. No transaction is open and no row is locked
    while the mail server is talked to.
    """
    now = timezone.now()
    # The conditional UPDATE is the claim: of two workers handed the same id, one wins. A claim
    # left by a worker that died mid-send expires, so the message is not lost with it.
    claimed = OutboundMessage.objects.filter(_claimable(now), pk=message_id).update(claimed_at=now)
    message = OutboundMessage.objects.get(pk=message_id)
    if not claimed:
        return message
    refusal = None
    if message.channel != Channel.EMAIL:
        refusal = _("Messages of this channel cannot be sent yet.")
    else:
        refusal = send_refusal(to=message.to, purpose=message.purpose)
    if refusal:
        OutboundMessage.objects.filter(pk=message_id).update(
            status=Status.REFUSED, last_error=refusal, claimed_at=None
        )
        message.refresh_from_db()
        return message
    # One Message-ID per message, whatever the attempt: when a server took the message but
    # the answer was lost and the retry sends it again, the reader's client shows it once.
    headers = {"Message-ID": _message_id(message)}
    if message.purpose == Purpose.MARKETING:
        # RFC 2369 and RFC 8058: the mail client's own "unsubscribe" button, one click, a POST.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url(message.to)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.body, to=[message.to], headers=headers
    )
    email.attach_alternative(message.body_html, "text/html")
    try:
        email.send()
    except Exception as exc:  # SMTP errors, refused connections, timeouts, DNS
        error = f"{type(exc).__name__}: {exc}"[:2000]
        OutboundMessage.objects.filter(pk=message_id).update(
            status=Status.FAILED,
            attempts=models.F("attempts") + 1,
            last_error=error,
            claimed_at=None,
        )
        message.refresh_from_db()
        raise DeliveryFailed(error, message=message) from exc
    OutboundMessage.objects.filter(pk=message_id).update(
        status=Status.SENT,
        attempts=models.F("attempts") + 1,
        sent_at=timezone.now(),
        last_error="",
        claimed_at=None,
    )
    message.refresh_from_db()
    return message


def messages_requeue_stale(*, older_than: dt.timedelta = dt.timedelta(minutes=2)) -> int:
    """Queue again the messages whose delivery job was lost: the broker was down at commit
    time, or the worker died after claiming one. Failed messages are not taken: their job is
    retrying them on its backoff, or gave up and the failure is for people to see."""
    now = timezone.now()
    ids = list(
        OutboundMessage.objects.filter(
            _claimable(now), status=Status.QUEUED, created_at__lt=now - older_than
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        enqueue_on_commit("crm.messaging.tasks.deliver_message", pk)
    return len(ids)


# --- templates -----------------------------------------------------------------------------


def _template_save(template: MessageTemplate, *, actor: User | None) -> MessageTemplate:
    template.code = (template.code or "").strip()
    template.updated_by = actor
    template.updated_at = timezone.now()
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def template_create(*, actor: User | None, **fields: Any) -> MessageTemplate:
    require_permission(actor, "messaging.add_messagetemplate")
    unknown = set(fields) - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    return _template_save(MessageTemplate(**fields), actor=actor)


@transaction.atomic
def template_update(
    *, actor: User | None, template: MessageTemplate, **changes: Any
) -> MessageTemplate:
    require_permission(actor, "messaging.change_messagetemplate")
    unknown = set(changes) - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    # Lock the row: two editors saving at once must not interleave their fields.
    template = MessageTemplate.objects.select_for_update().get(pk=template.pk)
    for name, value in changes.items():
        setattr(template, name, value)
    return _template_save(template, actor=actor)


@transaction.atomic
def template_delete(*, actor: User | None, template: MessageTemplate) -> None:
    """Sent messages keep their text (and the code they came from) in the log."""
    require_permission(actor, "messaging.delete_messagetemplate")
    template.delete()


# --- the suppression list ------------------------------------------------------------------

# Removing these would write again to a person who asked not to be written to: an
# administrator's decision, with the person's new consent in hand.
PROTECTED_REASONS = (Suppression.Reason.UNSUBSCRIBED, Suppression.Reason.COMPLAINT)


def suppression_add(
    *,
    actor: User | None,
    address: str,
    reason: str = Suppression.Reason.MANUAL,
    comment: str = "",
) -> Suppression:
    """Put an address on the list; from this moment no message goes to it, queued ones
    included (delivery asks the guards again). An address already there stays as it is."""
    require_permission(actor, "messaging.add_suppression")
    normalised = address_normalize(address)
    errors: dict[str, list[str]] = {}
    if not normalised or not _address_ok(normalised):
        errors["address"] = [_("Enter a valid e-mail address.")]
    if reason not in Suppression.Reason.values:
        errors["reason"] = [_("Unknown reason.")]
    if len(comment or "") > 255:
        errors["comment"] = [_("At most 255 characters.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        suppression, _created = Suppression.objects.get_or_create(
            address=normalised,
            defaults={"reason": reason, "comment": comment or "", "created_by": actor},
        )
    return suppression


def suppression_removable_by(actor: User | None, suppression: Suppression) -> bool:
    return (
        actor is None or suppression.reason not in PROTECTED_REASONS or actor.has_role(Role.ADMIN)
    )


@transaction.atomic
def suppression_remove(*, actor: User | None, suppression: Suppression) -> None:
    require_permission(actor, "messaging.delete_suppression")
    if not suppression_removable_by(actor, suppression):
        raise PermissionDenied(
            _("Only an administrator may remove an address that unsubscribed or complained.")
        )
    suppression.delete()


# --- unsubscribing -------------------------------------------------------------------------

UNSUBSCRIBE_SALT = "crm.messaging.unsubscribe"


def unsubscribe_url(address: str) -> str:
    """The link in a marketing message that puts its address on the suppression list. It does
    not expire: a person may unsubscribe from a letter years old."""
    token = signing.dumps(address_normalize(address), salt=UNSUBSCRIBE_SALT, compress=True)
    return settings.SITE_URL.rstrip("/") + reverse("messaging:unsubscribe", args=[token])


def unsubscribe_address(token: str) -> str | None:
    """The address a link was made for, or None for a link that was not made here."""
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None


def unsubscribe(*, token: str) -> Suppression | None:
    """The person behind a marketing message asks for no more messages: from now on nothing
    is sent to the address, queued messages included. None when the link is not valid."""
    address = unsubscribe_address(token)
    if not address:
        return None
    with transaction.atomic():
        suppression, _created = Suppression.objects.get_or_create(
            address=address, defaults={"reason": Suppression.Reason.UNSUBSCRIBED}
        )
    return suppression

"""The verbs of the shared core: tasks and reminders, notifications, the access log."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import zoneinfo
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, models, transaction
from django.db.models.functions import Concat
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.formats import date_format
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .celery import enqueue_on_commit
from .http import rate_limited
from .models import AccessLog, ApiToken, BulkReadDay, Notification, Role, Task, User
from .permissions import require_permission
from .selectors import tasks_visible_to, users_assignable_by

logger = logging.getLogger(__name__)

TASK_EDITABLE_FIELDS = ("title", "description", "assignee", "due_at", "remind_at", "priority")


# --- tasks ---------------------------------------------------------------------------------


# The times a task can be set to: a due time in 1900 or 9999 is a typo, and one before 1919
# would be answered in Moscow's local mean time (+02:30:17), which no client reads as an offset.
TASK_TIMES = (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC))


def _task_validate(task: Task) -> None:
    errors: dict[str, list[str]] = {}
    if not (task.title or "").strip():
        errors["title"] = [_("Give the task a title.")]
    for field in ("due_at", "remind_at"):
        when = getattr(task, field)
        if when is not None and timezone.is_naive(when):
            when = timezone.make_aware(when)
        if when is not None and not TASK_TIMES[0] <= when < TASK_TIMES[1]:
            errors[field] = [
                _("Pick a time between %(first)d and %(last)d.")
                % {"first": TASK_TIMES[0].year, "last": TASK_TIMES[1].year - 1}
            ]
    if task.remind_at and task.due_at and task.remind_at > task.due_at:
        errors["remind_at"] = [_("The reminder must not be later than the due time.")]
    if errors:
        raise ValidationError(errors)


def _check_can_assign(actor: User, assignee: User) -> None:
    if not users_assignable_by(actor).filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": [_("You cannot give tasks to this person.")]})


def task_create(
    *,
    actor: User,
    title: str,
    due_at: dt.datetime,
    assignee: User | None = None,
    description: str = "",
    remind_at: dt.datetime | None = None,
    priority: int = Task.Priority.NORMAL,
    subject: models.Model | None = None,
) -> Task:
    assignee = assignee or actor
    task = Task(
        title=(title or "").strip(),
        description=description,
        assignee=assignee,
        created_by=actor,
        due_at=due_at,
        remind_at=remind_at,
        priority=priority,
    )
    if subject is not None:
        task.content_type = ContentType.objects.get_for_model(subject)
        task.object_id = str(subject.pk)
    _task_validate(task)
    if assignee.pk != actor.pk:
        _check_can_assign(actor, assignee)
    with transaction.atomic():
        task.save()
        if assignee.pk != actor.pk:
            with translation.override(assignee.language):
                notification_create(
                    recipient=assignee,
                    kind="task-assigned",
                    title=_("New task: %(title)s") % {"title": task.title},
                    url=task.get_absolute_url(),
                    dedupe_key=f"task-assigned:{task.pk}:{assignee.pk}",
                )
    return task


def _check_can_edit(actor: User, task: Task) -> None:
    if not tasks_visible_to(actor).filter(pk=task.pk).exists():
        raise PermissionDenied(_("You cannot change this task."))


def task_update(*, actor: User, task: Task, **changes: Any) -> Task:
    unknown = set(changes) - set(TASK_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    _check_can_edit(actor, task)
    old_remind_at, old_assignee_id = task.remind_at, task.assignee_id
    for field, value in changes.items():
        setattr(task, field, value.strip() if field == "title" else value)
    _task_validate(task)
    if task.assignee_id != old_assignee_id and task.assignee_id != actor.pk:
        _check_can_assign(actor, task.assignee)
    if task.remind_at != old_remind_at:
        task.reminded_at = None  # a moved reminder is a new reminder
    task.save()
    return task


def task_set_status(*, actor: User, task: Task, status: str) -> Task:
    if status not in Task.Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    _check_can_edit(actor, task)
    task.status = status
    task.completed_at = timezone.now() if status == Task.Status.DONE else None
    task.save(update_fields=["status", "completed_at", "updated_at"])
    return task


def _local_time_for(user: User, when: dt.datetime) -> str:
    """A moment as the user reads it: in their time zone, in their language's format."""
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    return date_format(timezone.localtime(when, zone), "SHORT_DATETIME_FORMAT")


def reminders_send_due(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Turn every due reminder into one notification and one e-mail.

    Exactly once, even when two beat ticks or two workers run this at the same moment: the
    rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and marked ``reminded_at`` in the
    same transaction, and the notification's unique (recipient, event key) turns any retry into a
    no-op. The e-mails start only after commit.
    """
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            tasks = list(
                Task.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=Task.Status.OPEN, reminded_at__isnull=True, remind_at__lte=now)
                .select_related("assignee")
                .order_by("remind_at", "id")[:batch_size]
            )
            for task in tasks:
                task.reminded_at = now
                with translation.override(task.assignee.language):
                    notification_create(
                        recipient=task.assignee,
                        kind="task-reminder",
                        title=_("Reminder: %(title)s") % {"title": task.title},
                        body=_("Due %(due)s")
                        % {"due": _local_time_for(task.assignee, task.due_at)},
                        url=task.get_absolute_url(),
                        dedupe_key=f"task-reminder:{task.pk}:{task.remind_at.isoformat()}",
                        email=True,
                    )
            Task.objects.bulk_update(tasks, ["reminded_at"])
        sent += len(tasks)
        if len(tasks) < batch_size:
            return sent


# --- notifications -------------------------------------------------------------------------


def notification_create(
    *,
    recipient: User,
    title: str,
    dedupe_key: str,
    kind: str = "info",
    body: str = "",
    url: str = "",
    email: bool = False,
) -> Notification | None:
    """Create the notification once per (recipient, event); None when it already exists."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                title=title[:255],
                body=body,
                url=url,
                dedupe_key=dedupe_key,
                email_state=(
                    Notification.EmailState.PENDING if email else Notification.EmailState.NONE
                ),
            )
    except IntegrityError:
        return None
    if email:
        enqueue_on_commit("crm.tasks.send_notification_email", notification.pk)
    return notification


def _email_claimable(now: dt.datetime) -> models.Q:
    stale = now - dt.timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT)
    return models.Q(email_state=Notification.EmailState.PENDING) | models.Q(
        email_state=Notification.EmailState.SENDING, email_claimed_at__lt=stale
    )


def notification_send_email(*, notification_id: int) -> bool:
    """Send the e-mail of one notification at most once; True when this call sent it."""
    now = timezone.now()
    # The conditional UPDATE is the claim: of two workers handed the same id, one wins. A claim
    # left by a worker that died mid-send expires, so the e-mail is not lost with it.
    claimed = Notification.objects.filter(_email_claimable(now), pk=notification_id).update(
        email_state=Notification.EmailState.SENDING, email_claimed_at=now
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    recipient = notification.recipient
    try:
        with translation.override(recipient.language):
            context = {
                "notification": notification,
                "user": recipient,
                "site_url": settings.SITE_URL,
            }
            message = EmailMultiAlternatives(
                subject=notification.title,
                body=render_to_string("crm/email/notification.txt", context),
                to=[recipient.email],
            )
            message.attach_alternative(
                render_to_string("crm/email/notification.html", context), "text/html"
            )
            message.send()
    except Exception:
        Notification.objects.filter(pk=notification_id).update(
            email_state=Notification.EmailState.PENDING, email_claimed_at=None
        )
        raise
    Notification.objects.filter(pk=notification_id).update(
        email_state=Notification.EmailState.SENT, emailed_at=timezone.now()
    )
    return True


def notifications_requeue_stale(*, older_than: dt.timedelta = dt.timedelta(minutes=2)) -> int:
    """Re-enqueue e-mails whose job was lost: the broker was down at commit time, or the
    worker died after claiming the e-mail."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(
            _email_claimable(now), created_at__lt=now - older_than
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        enqueue_on_commit("crm.tasks.send_notification_email", pk)
    return len(ids)


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


# --- users ---------------------------------------------------------------------------------

USER_PROFILE_FIELDS = ("first_name", "last_name", "availability", "language", "time_zone")


def user_profile_update(*, actor: User, user: User, **changes: Any) -> User:
    """Change what a person may set about themselves: name, availability, language, time
    zone. Their e-mail, team and roles are an admin's business (the admin site)."""
    if actor.pk != user.pk and not actor.has_role(Role.ADMIN):
        raise PermissionDenied(_("You cannot change another person's profile."))
    unknown = set(changes) - set(USER_PROFILE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    if changes.get("time_zone") is not None:
        try:
            zoneinfo.ZoneInfo(changes["time_zone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": [_("Unknown time zone.")]}) from None
    for name, value in changes.items():
        setattr(user, name, value)
    user.full_clean(exclude=[f.name for f in User._meta.fields if f.name not in changes])
    user.save(update_fields=list(changes))
    return user


# --- access log ----------------------------------------------------------------------------


def access_record(
    *,
    user: User,
    action: str,
    obj: models.Model | None = None,
    model: type[models.Model] | None = None,
    record_count: int = 1,
    query: str = "",
    ip_address: str | None = None,
) -> AccessLog:
    """Write who viewed, searched or exported what; raise a mass-viewing alert when due."""
    model = model or (type(obj) if obj is not None else None)
    entry = AccessLog.objects.create(
        user=user,
        action=action,
        content_type=ContentType.objects.get_for_model(model) if model else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        record_count=record_count,
        query=query.replace("\x00", "")[:500],  # as typed, less what PostgreSQL cannot store
        ip_address=ip_address,
    )
    # Records read in bulk (a list or search page, an API page, an export) count towards the
    # alert like cards opened one by one: copying the base a page at a time is still copying.
    if action == AccessLog.Action.VIEW or record_count > 0:
        _access_alert_if_mass_viewing(user=user, now=entry.at)
    return entry


def _access_alert_if_mass_viewing(*, user: User, now: dt.datetime) -> None:
    threshold = settings.ACCESS_ALERT_THRESHOLD_PER_HOUR
    # One indexed query over (user, action, at): distinct cards opened plus records read in bulk.
    totals = AccessLog.objects.filter(user=user, at__gt=now - dt.timedelta(hours=1)).aggregate(
        viewed=models.Count(
            Concat(
                "content_type_id",
                models.Value(":"),
                "object_id",
                output_field=models.CharField(),
            ),
            distinct=True,
            filter=models.Q(action=AccessLog.Action.VIEW),
        ),
        bulk=models.Sum("record_count", filter=~models.Q(action=AccessLog.Action.VIEW)),
    )
    distinct_viewed = totals["viewed"] + (totals["bulk"] or 0)
    if distinct_viewed <= threshold:
        return
    admins = (
        User.objects.filter(is_active=True)
        .filter(models.Q(is_superuser=True) | models.Q(groups__name=Role.ADMIN))
        .distinct()
    )
    for admin in admins:
        with translation.override(admin.language):
            notification_create(
                recipient=admin,
                kind="security-alert",
                title=_("%(user)s opened %(count)s records within an hour")
                % {"user": user, "count": distinct_viewed},
                body=_(
                    "More than %(threshold)s distinct records per hour may mean the client base is being copied."
                )
                % {"threshold": threshold},
                url=f"/admin/crm/accesslog/?user__id__exact={user.pk}",
                dedupe_key=f"mass-view:{user.pk}:{now:%Y%m%d%H}",
                email=True,
            )


# --- signing in: API tokens, lockout, password reset ---------------------------------------


def _api_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, actor: User, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Make a token for ``user`` and return it with its key, which is not stored and cannot be
    shown again. Each person makes their own tokens (one per integration, named for it)."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("You can only make API tokens for yourself."))
    if not user.is_active:
        raise PermissionDenied(_("This account is deactivated."))
    name = (name or "").strip() or _("API token")
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ValidationError({"name": [_("The name is too long.")]})
    # 30 random bytes: 240 bits, 40 URL-safe characters.
    key = secrets.token_urlsafe(30)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[: ApiToken.KEY_PREFIX_LENGTH],
        key_hash=_api_token_digest(key),
        created_at=now,
        last_used_at=now,
        expires_at=now + dt.timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS),
    )
    return token, key


def api_token_authenticate(*, key: str, now: dt.datetime | None = None) -> ApiToken | None:
    """The live token with this key, its user loaded, or None (unknown, revoked, expired by
    age or by disuse, or its user deactivated). One query; its last use is written at most once
    per ``API_TOKEN_TOUCH_SECONDS``, so a busy integration does not write on every request."""
    now = now or timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_api_token_digest(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active or not token.is_usable(now):
        return None
    touch_before = now - dt.timedelta(seconds=settings.API_TOKEN_TOUCH_SECONDS)
    if token.last_used_at < touch_before:
        # Conditional: of concurrent requests one writes, the others change nothing.
        ApiToken.objects.filter(pk=token.pk, last_used_at__lt=touch_before).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke one token: its owner, or an admin (who may manage users), may."""
    if actor.pk != token.user_id:
        require_permission(actor, "crm.change_user")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every live token of ``user`` (password changed, account deactivated)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def login_lockout_clear(*, actor: User | None, user: User) -> int:
    """Lift the login lockout of ``user``'s account: their failed sign-ins, from every address,
    are forgotten. The lockout of an address is lifted in the admin's "Access attempts"."""
    from axes.models import AccessAttempt

    require_permission(actor, "crm.change_user")
    count, _deleted = AccessAttempt.objects.filter(username=user.email.strip().lower()).delete()
    return count


def _rate_key(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def password_reset_request(*, email: str, address: str | None) -> bool:
    """Start the reset mail for ``email`` on a worker; false when ``address`` asked too often.

    The request does not look the address up: known and unknown addresses take the same
    path and the same time, and the worker finds the account (or none). Past the per-e-mail
    limit nothing is sent, silently, so that nobody can flood a person's mailbox and the
    answer still tells nothing.
    """
    hour = 3600
    if rate_limited(
        "password-reset-address",
        address or "unknown",
        limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
        period=hour,
    ):
        return False
    if not rate_limited(
        "password-reset-email",
        _rate_key(email),
        limit=settings.PASSWORD_RESET_LIMIT_PER_EMAIL,
        period=hour,
    ):
        enqueue_on_commit("crm.tasks.send_password_reset", email)
    return True


def password_reset_send(*, email: str) -> int:
    """Mail a reset link to each active account with this e-mail (none: nothing is sent), in
    the person's own language. Returns how many were sent."""
    from django.contrib.auth.forms import PasswordResetForm

    site = urlsplit(settings.SITE_URL)
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return 0
    sent = 0
    for user in form.get_users(form.cleaned_data["email"]):
        with translation.override(user.language or settings.LANGUAGE_CODE):
            form.send_mail(
                "registration/password_reset_subject.txt",
                "registration/password_reset_email.html",
                {
                    "email": user.email,
                    "domain": site.netloc,
                    "site_name": site.netloc,
                    "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                    "user": user,
                    "token": default_token_generator.make_token(user),
                    "protocol": site.scheme or "https",
                },
                None,
                user.email,
            )
        sent += 1
    return sent


def sign_in_records_purge(*, now: dt.datetime | None = None) -> int:
    """Forget successful sign-ins (axes' access log: address and browser of each) older than
    the lockout needs to recognise a known address, and failures older than the cool-off."""
    from axes.models import AccessAttempt
    from axes.models import AccessLog as SignInLog

    now = now or timezone.now()
    logins, _ = SignInLog.objects.filter(
        attempt_time__lt=now - dt.timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    ).delete()
    failures, _ = AccessAttempt.objects.filter(
        attempt_time__lt=now - dt.timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    ).delete()
    return logins + failures


# --- bulk reads ----------------------------------------------------------------------------


class BulkReadRefused(PermissionDenied):
    """The person's records read in bulk today would pass their role's daily cap. A
    ``PermissionDenied``, so every door refuses it alike (the API answers 403 with the
    message); pages catch it to say why and show no rows."""

    def __init__(self, *, cap: int, read: int, count: int) -> None:
        self.cap, self.read, self.count = cap, read, count
        super().__init__(
            _(
                "Your daily limit of %(cap)s records read in bulk is reached (%(read)s read "
                "today; this would show %(count)s more). Narrow the search, or ask an "
                "administrator for the permission to read more."
            )
            % {"cap": cap, "read": read, "count": count}
        )


# The check and the raise are one statement: a page read at the same moment waits for the
# row's lock and then sees the new sum (BulkReadDay's table; the row exists once per day).
_BULK_READ_UPSERT = """
    INSERT INTO crm_bulkreadday AS day_row (user_id, day, record_count)
    VALUES (%(user)s, %(day)s, %(count)s)
    ON CONFLICT (user_id, day) DO UPDATE
        SET record_count = day_row.record_count + EXCLUDED.record_count
        WHERE %(cap)s::bigint IS NULL OR day_row.record_count + EXCLUDED.record_count <= %(cap)s
    RETURNING record_count
"""


def bulk_read_allow(
    *,
    user: User,
    model: type[models.Model],
    count: int,
    cap: int | None,
    action: str = AccessLog.Action.SEARCH,
    query: str = "",
    ip_address: str | None = None,
) -> AccessLog:
    """Count ``count`` records of ``model`` about to be shown in bulk against ``user``'s
    daily ``cap`` (``None``: no cap, for the audited unlimited permission), then write the
    access-log line. Raises ``BulkReadRefused``, counting and recording nothing, when the
    day's total would pass the cap: the door then shows nothing.

    Reading the base in bulk is an export whatever the door, so list and search pages, API
    pages and files all come here. The day's sum is one row raised by a conditional upsert in
    the same statement that checks it, so two pages read at the same moment cannot both pass
    under the cap."""
    if cap is not None and count > cap:
        raise BulkReadRefused(cap=cap, read=_bulk_read_today(user), count=count)
    with connection.cursor() as cursor:
        cursor.execute(
            _BULK_READ_UPSERT,
            {"user": user.pk, "day": timezone.localdate(), "count": count, "cap": cap},
        )
        allowed = cursor.fetchone()
    if allowed is None:
        raise BulkReadRefused(cap=cap or 0, read=_bulk_read_today(user), count=count)
    return access_record(
        user=user,
        action=action,
        model=model,
        record_count=count,
        query=query,
        ip_address=ip_address,
    )


def _bulk_read_today(user: User) -> int:
    row = BulkReadDay.objects.filter(user=user, day=timezone.localdate()).first()
    return row.record_count if row is not None else 0

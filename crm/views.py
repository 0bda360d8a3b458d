"""Staff UI of the shared core: home, tasks, notifications, settings, search, health."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import logging
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, user_passes_test
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .api.errors import api_error_response
from .forms import (
    ApiTokenForm,
    AvailabilityForm,
    ProfileForm,
    TaskForm,
    WorkingHoursFormSet,
    form_errors_add,
)
from .http import client_ip, rate_limited, safe_next
from .models import Role, Task
from .navigation import NAVIGATION
from .search import search_all
from .tasks import HEARTBEAT_KEY


@login_required
def home(request: HttpRequest) -> HttpResponse:
    agenda = selectors.tasks_agenda(request.user)
    notifications = list(selectors.notifications_for(request.user)[:5])
    return render(
        request,
        "crm/home.html",
        {
            "agenda": agenda,
            "notifications": notifications,
            "availability_form": AvailabilityForm(
                initial={"availability": request.user.availability}
            ),
        },
    )


@login_required
def area_coming(request: HttpRequest, area: str) -> HttpResponse:
    """The placeholder of an area no app has built yet; a built area's old link leads to it."""
    item = NAVIGATION.get(area)
    if item is None:
        raise Http404
    if not item.is_coming_soon:
        return redirect(item.url_name, **item.url_kwargs)
    return render(request, "crm/area_coming.html", {"area": area, "area_label": item.label})


# --- tasks ---------------------------------------------------------------------------------


def _task_from_form(request, form: TaskForm, task: Task | None = None) -> Task | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        if task is None:
            return services.task_create(
                actor=request.user,
                title=data["title"],
                description=data.get("description") or "",
                assignee=data.get("assignee"),
                due_at=data["due_at"],
                remind_at=data.get("remind_at"),
                priority=data.get("priority") or Task.Priority.NORMAL,
            )
        return services.task_update(
            actor=request.user,
            task=task,
            title=data["title"],
            description=data.get("description") or "",
            assignee=data.get("assignee") or request.user,
            due_at=data["due_at"],
            remind_at=data.get("remind_at"),
            priority=data.get("priority") or Task.Priority.NORMAL,
        )
    except ValidationError as exc:
        form_errors_add(form, exc)
        return None


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    assignees = selectors.users_assignable_by(request.user)
    if request.method == "POST":
        form = TaskForm(request.POST, assignees=assignees)
        task = _task_from_form(request, form)
        if task is not None:
            messages.success(request, _("Task “%(title)s” created.") % {"title": task.title})
            return redirect("task-list")
        status = 400
    else:
        default_due = timezone.localtime().replace(hour=18, minute=0, second=0, microsecond=0)
        if default_due < timezone.localtime():
            default_due += timezone.timedelta(days=1)
        form = TaskForm(assignees=assignees, initial={"due_at": default_due})
        status = 200
    return render(
        request,
        "crm/tasks/list.html",
        {"agenda": selectors.tasks_agenda(request.user), "form": form},
        status=status,
    )


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(selectors.tasks_visible_to(request.user), pk=pk)
    assignees = selectors.users_assignable_by(request.user)
    status = 200
    if request.method == "POST":
        form = TaskForm(request.POST, instance=task, assignees=assignees)
        # The form is bound to a copy so that a rejected edit leaves the shown task untouched.
        if _task_from_form(request, form, task=Task.objects.get(pk=task.pk)) is not None:
            messages.success(request, _("Task saved."))
            return redirect("task-detail", pk=task.pk)
        status = 400
    else:
        form = TaskForm(instance=task, assignees=assignees)
    history = task.events.order_by("-pgh_created_at")[:20] if hasattr(task, "events") else []
    return render(
        request,
        "crm/tasks/detail.html",
        {"task": task, "form": form, "history": history},
        status=status,
    )


@login_required
@require_POST
def task_status(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(selectors.tasks_visible_to(request.user), pk=pk)
    try:
        services.task_set_status(
            actor=request.user, task=task, status=request.POST.get("status", "")
        )
    except ValidationError as exc:
        return HttpResponse("; ".join(exc.messages), status=400)
    if request.htmx:
        return render(request, "crm/tasks/_row.html", {"task": task, "just_changed": True})
    return redirect(safe_next(request, "task-list"))


# --- notifications -------------------------------------------------------------------------


@login_required
@never_cache
def notification_bell(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "crm/notifications/_bell.html",
        {
            "unread_count": selectors.notifications_unread_count(request.user),
            "latest": list(selectors.notifications_for(request.user)[:8]),
        },
    )


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    items = list(selectors.notifications_for(request.user)[:100])
    return render(request, "crm/notifications/list.html", {"items": items})


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    ids = request.POST.getlist("id")
    try:
        parsed = [int(i) for i in ids] if ids else None
    except ValueError:
        return HttpResponse(_("Bad notification id."), status=400)
    services.notifications_mark_read(user=request.user, ids=parsed)
    if request.htmx:
        return notification_bell(request)
    return redirect(safe_next(request, "notification-list"))


# --- settings ------------------------------------------------------------------------------


@login_required
def settings_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        hours = WorkingHoursFormSet(request.POST, instance=user)
        if form.is_valid() and hours.is_valid():
            form.save()
            hours.save()
            messages.success(request, _("Settings saved."))
            response = redirect("settings")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language)
            return response
        status = 400
    else:
        form = ProfileForm(instance=user)
        hours = WorkingHoursFormSet(instance=user)
        status = 200
    return render(
        request,
        "crm/settings.html",
        _settings_context(request, form=form, hours=hours),
        status=status,
    )


def _settings_context(request: HttpRequest, **extra) -> dict:
    return {
        "tokens": list(selectors.api_tokens_of(request.user)),
        "token_form": extra.pop("token_form", None) or ApiTokenForm(),
        "now": timezone.now(),
        **extra,
    }


@login_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    """Make a named API token from the profile; its key is shown on this answer only."""
    token_form = ApiTokenForm(request.POST)
    new_key = None
    status = 400
    if token_form.is_valid():
        try:
            _token, new_key = services.api_token_create(
                actor=request.user, user=request.user, name=token_form.cleaned_data["name"]
            )
            status = 200
        except ValidationError as exc:
            form_errors_add(token_form, exc)
    context = _settings_context(
        request,
        form=ProfileForm(instance=request.user),
        hours=WorkingHoursFormSet(instance=request.user),
        token_form=ApiTokenForm() if new_key else token_form,
        new_key=new_key,
    )
    response = render(request, "crm/settings.html", context, status=status)
    # The key must not be kept by the browser or a proxy.
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(selectors.api_tokens_of(request.user), pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("settings")


# --- signing in ----------------------------------------------------------------------------


def login_locked_out(request: HttpRequest, original_response=None, credentials=None):
    """What a sign-in refused by the lockout answers (AXES_LOCKOUT_CALLABLE): the API error
    format on the API, a page elsewhere; 429 with a Retry-After of one cool-off."""
    retry_after = settings.LOGIN_COOLOFF_MINUTES * 60
    message = _("Too many failed sign-ins: try again later.")
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"status": 429, "code": "locked_out", "detail": message, "fields": {}}, status=429
        )
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"minutes": settings.LOGIN_COOLOFF_MINUTES},
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response


class PasswordResetView(auth_views.PasswordResetView):
    """The reset form answers the same for every address, at once: the mail is sent by a
    worker, which is where the account is looked up (services.password_reset_send)."""

    def form_valid(self, form):
        accepted = services.password_reset_request(
            email=form.cleaned_data["email"], address=client_ip(self.request)
        )
        if not accepted:
            return render(self.request, "registration/too_many_requests.html", {}, status=429)
        return redirect(self.get_success_url())


@login_required
@require_POST
def availability_set(request: HttpRequest) -> HttpResponse:
    form = AvailabilityForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown availability."), status=400)
    request.user.availability = form.cleaned_data["availability"]
    request.user.save(update_fields=["availability"])
    if request.htmx:
        return render(request, "crm/_availability.html", {"availability_form": form})
    return redirect(safe_next(request, "home"))


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the UI language; for a signed-in user it also becomes their saved language."""
    code = request.POST.get("language", "")
    if code not in dict(settings.LANGUAGES):
        return HttpResponse(_("Unknown language."), status=400)
    target = safe_next(request, "/", use_referer=True)
    if request.user.is_authenticated and request.user.language != code:
        request.user.language = code
        request.user.save(update_fields=["language"])
    translation.activate(code)
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax"
    )
    return response


# --- search --------------------------------------------------------------------------------


@login_required
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    groups = search_all(request.user, query) if query else []
    template = "crm/search/_results.html" if request.htmx else "crm/search/page.html"
    return render(request, template, {"query": query, "groups": groups})


# --- demo mail sink ------------------------------------------------------------------------


def _is_admin(user) -> bool:
    return user.is_authenticated and user.has_role(Role.ADMIN)


@login_required
@user_passes_test(_is_admin)
def mail_sink(request: HttpRequest) -> HttpResponse:
    folder = Path(settings.MAIL_SINK_DIR)
    files = sorted(folder.glob("*.eml"), reverse=True)[:200] if folder.is_dir() else []
    mails = []
    for path in files:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain", "html"))
        mails.append(
            {
                "name": path.name,
                "subject": msg["subject"],
                "to": msg["to"],
                "from": msg["from"],
                "date": msg["date"],
                "body": body.get_content() if body is not None else "",
            }
        )
    return render(request, "crm/mail_sink.html", {"mails": mails, "folder": folder})


# --- health and errors ---------------------------------------------------------------------


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:  # report, never crash: this page is for monitoring
        checks["database"] = {"ok": False, "error": exc.__class__.__name__}
    heartbeat = None
    try:
        cache.set("crm:healthz", "1", timeout=10)
        heartbeat = cache.get(HEARTBEAT_KEY)
        checks["redis"] = {"ok": cache.get("crm:healthz") == "1"}
    except Exception as exc:
        checks["redis"] = {"ok": False, "error": exc.__class__.__name__}
    worker = {"ok": False, "last_heartbeat": heartbeat}
    if heartbeat:
        age = (timezone.now() - dt.datetime.fromisoformat(heartbeat)).total_seconds()
        worker.update(ok=age <= settings.WORKER_HEARTBEAT_MAX_AGE, age_seconds=round(age, 1))
    checks["worker"] = worker
    healthy = all(c["ok"] for c in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status=200 if healthy else 503,
    )


# --- Content-Security-Policy reports --------------------------------------------------------

csp_logger = logging.getLogger("crm.csp")
CSP_REPORT_MAX_BYTES = 16 * 1024
# What is kept of a report: the classic report-uri names and the Reporting API's.
CSP_REPORT_FIELDS = {
    "document-uri": "document",
    "documentURL": "document",
    "violated-directive": "directive",
    "effective-directive": "directive",
    "effectiveDirective": "directive",
    "blocked-uri": "blocked",
    "blockedURL": "blocked",
    "source-file": "source",
    "sourceFile": "source",
    "line-number": "line",
    "lineNumber": "line",
    "script-sample": "sample",
    "sample": "sample",
}


def _csp_violations(payload) -> list[dict[str, str]]:
    """The violations in a report body, either format, with short string values only."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        bodies = [payload["csp-report"]]
    elif isinstance(payload, list):  # application/reports+json: [{"type": …, "body": {…}}]
        bodies = [r.get("body") for r in payload[:10] if isinstance(r, dict)]
    else:
        bodies = []
    return [
        {
            name: str(body[key])[:300]
            for key, name in CSP_REPORT_FIELDS.items()
            if isinstance(body.get(key), str | int)
        }
        for body in bodies
        if isinstance(body, dict)
    ]


@csrf_exempt  # browsers post reports without a token, signed in or not
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log what the Content-Security-Policy blocked, as browsers report it.

    Anyone can post here, so the view trusts nothing: the body is bounded, garbage answers
    400, and past ``CSP_REPORTS_PER_MINUTE`` per address reports are dropped unlogged.
    """
    ip = client_ip(request) or "unknown"
    if rate_limited("csp-report", ip, limit=settings.CSP_REPORTS_PER_MINUTE, period=60):
        return HttpResponse(status=429)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    raw = request.read(CSP_REPORT_MAX_BYTES + 1)
    if len(raw) > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        violations = _csp_violations(json.loads(raw))
    except (ValueError, RecursionError):
        violations = []
    if not violations:
        return HttpResponse(status=400)
    for violation in violations:
        csp_logger.warning("CSP violation from %s: %s", ip, json.dumps(violation, sort_keys=True))
    return HttpResponse(status=204)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    if request.path.startswith("/api/"):
        # An address under /api/ that no route serves (``/api/v1/tasks/abc/``): the API's
        # 404 in its own format, as its schema documents, not the staff page.
        return api_error_response(404, "not_found", _("Not found."))
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)

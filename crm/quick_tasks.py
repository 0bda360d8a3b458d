"""The quick task form of a record's card ("call back tomorrow"): the same on the contact's,
the company's and the deal's card, so the view of each card only says what the task is about
and which block to answer with."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .forms import DateTimeInput, ServiceForm, form_errors_add
from .models import Task, User
from .selectors import users_assignable_by


def task_default_due() -> dt.datetime:
    """When a task from the card is due unless said otherwise: today at 18:00, or tomorrow
    at 18:00 once that has passed."""
    now = timezone.localtime()
    due = now.replace(hour=18, minute=0, second=0, microsecond=0)
    return due if due > now else due + dt.timedelta(days=1)


class QuickTaskForm(ServiceForm):
    """ "Call back tomorrow" on the client's card: what, by when and for whom (oneself unless
    chosen); the rest of a task is edited on its own page."""

    model = Task
    model_fields = ("title", "due_at", "assignee")
    widgets = {"due_at": DateTimeInput()}
    prefix = "task"

    def __init__(self, *args, assignees: QuerySet[User] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]
        self.fields["title"].widget.attrs.update(
            {"placeholder": gettext_lazy("Call back, send an offer…")}
        )
        if assignees is not None:
            self.fields["assignee"].queryset = assignees
        self.fields["assignee"].required = False
        self.fields["assignee"].empty_label = gettext_lazy("Me")


def quick_task_create(request, subject: Model) -> tuple[Task | None, QuickTaskForm]:
    """Create the task the card's form describes, about ``subject``; the form comes back with
    the service's refusals on its fields. Without htmx the outcome is also a flash message,
    since the page is reloaded."""
    user = request.user
    form = QuickTaskForm(request.POST, assignees=users_assignable_by(user))
    task = None
    if form.is_valid():
        data = form.service_data()
        try:
            task = services.task_create(
                actor=user,
                title=data["title"],
                due_at=data["due_at"],
                assignee=data.get("assignee"),
                priority=Task.Priority.NORMAL,
                subject=subject,
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
    if not request.htmx:
        if task is not None:
            messages.success(request, _("Task “%(title)s” created.") % {"title": task.title})
        else:
            messages.error(request, " ".join(e for es in form.errors.values() for e in es))
    return task, form

"""Demo data: ``DEMO_LOADERS``, a registry of loaders that the run command applies once each.

Every app registers what it adds to the demo from its ``AppConfig.ready()``::

    DEMO_LOADERS.register("deals", load_deals, order=200)

``demo_load_all()`` runs each loader whose name has no ``DemoDataset`` row yet and writes that
row in the loader's own transaction, so a loader that fails leaves nothing behind and is tried
again on the next start, while one that succeeded never runs twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .models import DemoDataset, Role, Task, Team, User, WorkingHours
from .registry import Registry
from .services import task_create, task_set_status


@dataclass
class DemoContext:
    """What a loader gets: the password of every demo login and one fixed "now"."""

    password: str
    now: dt.datetime = field(default_factory=timezone.now)

    def user(self, email: str) -> User:
        return User.objects.get(email__iexact=email)


Loader = Callable[[DemoContext], None]
# Loaders run by ascending order, then by name.
DEMO_LOADERS: Registry[Loader] = Registry("demo data")


def demo_load_all(password: str) -> list[str]:
    """Load every registered data set not loaded yet; return the names loaded now."""
    loaded = []
    for name, load in DEMO_LOADERS.items():
        with transaction.atomic():
            # The row goes in first: a second demo_load running at the same moment waits on
            # the unique name until this transaction ends, then sees the row and skips.
            _, created = DemoDataset.objects.get_or_create(name=name)
            if not created:
                continue
            load(DemoContext(password=password))
        loaded.append(name)
    return loaded


# --- the core data set: teams, people, working hours, tasks ---------------------------------


@dataclass(frozen=True)
class DemoUser:
    email: str
    first_name: str
    last_name: str
    role: Role
    team: str | None
    language: str
    phone: str


DEMO_TEAMS = {
    # team name: e-mail of its head (None: the team has no head yet)
    "Sales North": "head@example.com",
    "Sales South": None,
    "Contact center": "supervisor@example.com",
}

DEMO_USERS = [
    DemoUser("admin@example.com", "Алексей", "Иванов", Role.ADMIN, None, "en", "+74950000001"),
    DemoUser("head@example.com", "Ольга", "Кузнецова", Role.HEAD, "Sales North", "ru", "+74950000002"),
    DemoUser("manager@example.com", "Анна", "Смирнова", Role.MANAGER, "Sales North", "ru", "+74950000003"),
    DemoUser("manager2@example.com", "Дмитрий", "Попов", Role.MANAGER, "Sales South", "en", "+74950000004"),
    DemoUser("operator@example.com", "Мария", "Соколова", Role.OPERATOR, "Contact center", "ru", "+74950000005"),
    DemoUser("supervisor@example.com", "Сергей", "Лебедев", Role.SUPERVISOR, "Contact center", "en", "+74950000006"),
    DemoUser("marketer@example.com", "Екатерина", "Новикова", Role.MARKETER, None, "en", "+74950000007"),
]  # fmt: skip

# (assignee, title, when, priority, created by (None: the assignee), with a reminder, done)
# "when" is one of overdue / overdue-old / today / tomorrow / later; see _due().
DEMO_TASKS = [
    ("admin@example.com", "Rotate the telephony webhook secret", "overdue", Task.Priority.HIGH, None, False, False),
    ("admin@example.com", "Review new user accounts", "today", Task.Priority.NORMAL, None, True, False),
    ("admin@example.com", "Check the access log alerts", "later", Task.Priority.NORMAL, None, False, False),
    ("head@example.com", "Проверить прогноз продаж за месяц", "overdue", Task.Priority.HIGH, None, False, False),
    ("head@example.com", "Разобрать зависшие сделки команды", "today", Task.Priority.NORMAL, None, True, False),
    ("head@example.com", "Планёрка отдела продаж", "later", Task.Priority.NORMAL, None, False, False),
    ("manager@example.com", "Отправить КП ООО «Вектор»", "overdue", Task.Priority.HIGH, None, False, False),
    ("manager@example.com", "Согласовать скидку для «Альфа-Трейд»", "overdue-old", Task.Priority.NORMAL, None, False, False),
    ("manager@example.com", "Перезвонить Петрову по договору поставки", "today", Task.Priority.URGENT, "head@example.com", True, False),
    ("manager@example.com", "Подготовить счёт для «Альфа-Трейд»", "tomorrow", Task.Priority.NORMAL, None, False, False),
    ("manager@example.com", "Встреча с ИП Морозов", "later", Task.Priority.LOW, None, False, False),
    ("manager@example.com", "Внести реквизиты «Вектора» в карточку", "overdue-old", Task.Priority.LOW, None, False, True),
    ("manager2@example.com", "Send the quote to Northwind", "overdue", Task.Priority.HIGH, None, False, False),
    ("manager2@example.com", "Call Mr. Orlov back about the renewal", "today", Task.Priority.NORMAL, None, True, False),
    ("manager2@example.com", "Prepare the invoice for Globex", "tomorrow", Task.Priority.NORMAL, None, False, False),
    ("manager2@example.com", "Quarterly review with Initech", "later", Task.Priority.LOW, None, False, False),
    ("operator@example.com", "Разобрать обращения без категории", "overdue", Task.Priority.NORMAL, "supervisor@example.com", False, False),
    ("operator@example.com", "Перезвонить клиенту по жалобе на доставку", "today", Task.Priority.HIGH, None, True, False),
    ("operator@example.com", "Пройти обучение по новому скрипту", "tomorrow", Task.Priority.NORMAL, "supervisor@example.com", False, False),
    ("supervisor@example.com", "Review the scripts flagged by operators", "overdue", Task.Priority.NORMAL, None, False, False),
    ("supervisor@example.com", "Check the SLA breaches of the morning shift", "today", Task.Priority.HIGH, None, True, False),
    ("supervisor@example.com", "Monthly NPS report", "later", Task.Priority.NORMAL, None, False, False),
    ("marketer@example.com", "Clean up the bounced e-mail list", "overdue", Task.Priority.NORMAL, None, False, False),
    ("marketer@example.com", "Approve the spring campaign template", "today", Task.Priority.NORMAL, None, True, False),
    ("marketer@example.com", "Launch the NPS survey for new clients", "later", Task.Priority.HIGH, None, False, False),
]  # fmt: skip


def _due(when: str, now: dt.datetime) -> dt.datetime:
    local_now = timezone.localtime(now)
    day_end = local_now.replace(hour=23, minute=59, second=59, microsecond=0)
    if when == "today":
        # Half way between now and midnight: still today and still ahead whenever the demo starts.
        return now + max(day_end - local_now, dt.timedelta(0)) / 2
    days, hour = {
        "overdue": (-1, 15),
        "overdue-old": (-3, 11),
        "tomorrow": (1, 10),
        "later": (4, 14),
    }[when]
    return (local_now + dt.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def load_core(ctx: DemoContext) -> None:
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in DEMO_TEAMS}
    groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    users: dict[str, User] = {}
    for spec in DEMO_USERS:
        user = User.objects.filter(email__iexact=spec.email).first() or User(email=spec.email)
        user.first_name, user.last_name = spec.first_name, spec.last_name
        user.phone = spec.phone
        user.language = spec.language
        user.team = teams[spec.team] if spec.team else None
        user.is_active = True
        user.is_staff = user.is_superuser = spec.role == Role.ADMIN
        user.set_password(ctx.password)
        user.save()
        user.groups.set([groups[spec.role]])
        WorkingHours.objects.filter(user=user).delete()
        WorkingHours.objects.bulk_create(
            WorkingHours(user=user, weekday=day, starts_at=dt.time(9), ends_at=dt.time(18))
            for day in range(WorkingHours.Weekday.MONDAY, WorkingHours.Weekday.FRIDAY + 1)
        )
        users[spec.email] = user
    for name, head in DEMO_TEAMS.items():
        teams[name].head = users[head] if head else None
        teams[name].save(update_fields=["head"])

    reminder_in = dt.timedelta(minutes=2)
    for email, title, when, priority, creator, remind, done in DEMO_TASKS:
        due_at = _due(when, ctx.now)
        remind_at = None
        if remind:
            # Staggered a minute apart and soon after the first start, so the reminders arrive
            # one by one as notifications and e-mails in the mail sink while someone watches.
            remind_at = min(ctx.now + reminder_in, due_at)
            reminder_in += dt.timedelta(minutes=1)
        assignee = users[email]
        task = task_create(
            actor=users[creator] if creator else assignee,
            assignee=assignee,
            title=title,
            due_at=due_at,
            remind_at=remind_at,
            priority=priority,
        )
        if done:
            task_set_status(actor=assignee, task=task, status=Task.Status.DONE)


def demo_loaders_register() -> None:
    """The core data set, first of all; called from ``CrmConfig.ready()``."""
    DEMO_LOADERS.register("core", load_core, order=0)

"""factory_boy factories of the shared core."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from crm.models import Notification, Task, Team, User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A staff member. ``UserFactory(role=Role.MANAGER)`` puts them in that role's group;
    ``roles=[...]`` in several. The groups come from the roles data migration."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    # English unless a test is about another language, so that assertions read English text.
    language = "en"
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=str(extracted)))
            self.__dict__.pop("_roles_cache", None)

    @factory.post_generation
    def roles(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            names = [str(r) for r in extracted]
            groups = list(Group.objects.filter(name__in=names))
            assert len(groups) == len(set(names)), f"unknown role among {names}"
            self.groups.add(*groups)
            self.__dict__.pop("_roles_cache", None)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Call the client back #{n}")
    assignee = factory.SubFactory(UserFactory)
    created_by = factory.SelfAttribute("assignee")
    due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    remind_at = None
    priority = Task.Priority.NORMAL
    status = Task.Status.OPEN


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "info"
    title = factory.Sequence(lambda n: f"Something happened #{n}")
    body = ""
    url = ""
    dedupe_key = factory.Sequence(lambda n: f"test-event:{n}")

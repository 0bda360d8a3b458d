"""Django admin: every model of the core is there and its pages open for an administrator."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import AccessLog, DemoDataset, Job, Task, WorkingHours
from crm.tests.factories import NotificationFactory, TaskFactory

CRM_MODELS = sorted(apps.get_app_config("crm").get_models(), key=lambda m: m.__name__)


def _ids(model) -> str:
    return model.__name__


@pytest.mark.parametrize("model", CRM_MODELS, ids=_ids)
def test_every_model_is_in_the_admin(model):
    assert admin.site.is_registered(model), f"{model.__name__} is not in the admin"


@pytest.fixture
def one_of_each(admin_user, manager):
    task = TaskFactory(assignee=manager, remind_at=timezone.now())
    services.task_update(actor=manager, task=task, title="Renamed")  # a history event
    NotificationFactory(recipient=manager)
    services.access_record(user=admin_user, action=AccessLog.Action.VIEW, obj=task)
    WorkingHours.objects.create(user=manager, weekday=0)
    DemoDataset.objects.create(name="core")
    Job.objects.create(kind="crm.admin_test", created_by=manager, original_name="teams.csv")
    services.api_token_create(actor=manager, user=manager, name="Telephony")
    services.bulk_read_allow(user=manager, model=Task, count=3, cap=10)


@pytest.mark.django_db
@pytest.mark.parametrize("model", CRM_MODELS, ids=_ids)
def test_admin_pages_open(admin_client, one_of_each, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")

    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "anything"}).status_code == 200
    obj = model.objects.order_by("pk").first()
    assert obj is not None, f"no {opts.model_name} row was seeded"
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    assert admin_client.get(change).status_code == 200


@pytest.mark.django_db
def test_admin_index_opens(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code == 200


@pytest.mark.django_db
def test_a_manager_cannot_open_the_admin(client, manager):
    client.force_login(manager)

    response = client.get("/admin/crm/task/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")

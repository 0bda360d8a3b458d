"""What leads register in the extension points: a task can be about a lead the person sees;
and the demo data set of leads."""

from __future__ import annotations

import pytest

from crm.demo import DemoContext
from crm.task_subjects import TASK_SUBJECTS
from deals.lead_registrations import leads_register
from deals.models import Lead, WebForm
from deals.tests.factories import LeadFactory, PipelineFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_a_task_can_be_about_a_lead_the_person_sees(
    api_client_for, registry_override, manager, manager2
):
    registry_override(TASK_SUBJECTS)
    leads_register()
    lead = LeadFactory(owner=manager)
    payload = {
        "title": "Перезвонить по заявке",
        "due_at": "2030-01-10T15:00:00+03:00",
        "subject": {"type": "deals.lead", "id": lead.pk},
    }
    response = api_client_for(manager).post("/api/v1/tasks/", payload, format="json")
    assert response.status_code == 201, response.json()
    response = api_client_for(manager2).post("/api/v1/tasks/", payload, format="json")
    assert response.status_code == 400
    assert "subject" in response.json()["fields"]


def test_the_demo_has_two_weeks_of_leads_in_every_status_and_the_kitchen_form(
    head, manager, manager2, operator
):
    PipelineFactory(name="Мебель на заказ")
    ProductFactory()
    from deals.demo import leads as demo

    demo.load(DemoContext(password="x"))
    web_form = WebForm.objects.get(name="Заявка на кухню")
    assert web_form.allowed_origins == ["https://mebel-primer.ru"]
    assert Lead.objects.count() == 25
    statuses = set(Lead.objects.values_list("status", flat=True))
    assert statuses == {"new", "in_work", "converted", "junk"}
    assert set(Lead.objects.values_list("channel", flat=True)) == {
        "web_form",
        "api",
        "call",
        "email",
        "manual",
    }
    assert Lead.objects.filter(status="new", owner__isnull=True).exists()
    assert Lead.objects.exclude(utm_source="").count() >= 10
    assert all(lead.deal_id for lead in Lead.objects.filter(status="converted"))

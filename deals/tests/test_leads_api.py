"""The leads API: create with channel "api", field errors as 400, scoping, the actions
(take, junk, assign, convert) and the web forms of heads of sales."""

from __future__ import annotations

import pytest

from contacts.tests.factories import ContactFactory
from crm.models import Notification
from deals.models import Deal, Lead, WebForm
from deals.tests.factories import LeadFactory, PipelineFactory, ProductFactory

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"


def test_create_goes_through_lead_create_with_the_api_channel(api_client_for, head):
    # a lead from the API is left for routing: a head of sales sees it unassigned
    product = ProductFactory()
    contact = ContactFactory(phone="+79161234567")
    response = api_client_for(head, token=True).post(
        LEADS,
        {
            "name": "Маркетплейс",
            "phone": "8 916 123-45-67",
            "company": "ООО «Озон»",
            "product": product.pk,
            "utm_source": "ozon",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["channel"] == "api"
    assert body["phone"] == "+79161234567"
    assert body["company"] == "ООО «Озон»"
    assert body["contact"] == contact.pk
    assert body["owner"] is None
    assert Lead.objects.get().product == product


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"phone"}),
        ({"phone": "12345"}, {"phone"}),
        ({"email": "no-at-sign"}, {"email"}),
        ({"phone": "+79161234567", "source": "moon"}, {"source"}),
        ({"phone": "+79161234567", "product": 999999}, {"product"}),
        ({"phone": "+79161234567", "name": "x" * 300}, {"name"}),
        ({"phone": ["+79161234567"]}, {"phone"}),
    ],
)
def test_bad_input_answers_400_with_field_messages(api_client_for, manager, payload, fields):
    response = api_client_for(manager).post(LEADS, payload, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) >= fields
    assert not Lead.objects.exists()


def test_operators_create_but_do_not_read(api_client_for, operator):
    client = api_client_for(operator)
    response = client.post(LEADS, {"phone": "+79031112233"}, format="json")
    assert response.status_code == 201
    assert response.json()["owner"] is None
    assert client.get(LEADS).status_code == 403
    assert client.get(f"{LEADS}{response.json()['id']}/").status_code == 403


def test_lists_are_scoped(api_client_for, head, manager, manager2):
    mine = LeadFactory(owner=manager)
    LeadFactory(owner=manager2)
    free = LeadFactory()
    ids = {row["id"] for row in api_client_for(manager).get(LEADS).json()["results"]}
    assert ids == {mine.pk}
    ids = {row["id"] for row in api_client_for(head).get(LEADS).json()["results"]}
    assert ids == {mine.pk, free.pk}
    unassigned = api_client_for(head).get(LEADS, {"status": "new", "owner": ""}).json()
    assert len(unassigned["results"]) == 2


def test_update_corrects_a_phone_and_refuses_status(api_client_for, manager):
    lead = LeadFactory(owner=manager)
    client = api_client_for(manager)
    response = client.patch(f"{LEADS}{lead.pk}/", {"phone": "8 903 000-00-01"}, format="json")
    assert response.status_code == 200
    assert response.json()["phone"] == "+79030000001"
    response = client.patch(f"{LEADS}{lead.pk}/", {"phone": "nope"}, format="json")
    assert response.status_code == 400
    assert "phone" in response.json()["fields"]


def test_take_junk_assign_and_convert(api_client_for, head, manager):
    pipeline = PipelineFactory()
    lead = LeadFactory()
    client = api_client_for(head)
    response = client.post(f"{LEADS}{lead.pk}/assign/", {"owner": manager.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["owner"] == manager.pk
    assert Notification.objects.filter(recipient=manager).exists()
    mgr = api_client_for(manager)
    assert mgr.post(f"{LEADS}{lead.pk}/take/").json()["status"] == "in_work"
    response = mgr.post(f"{LEADS}{lead.pk}/convert/", {"amount": "-1"}, format="json")
    assert response.status_code == 400
    assert "amount" in response.json()["fields"]
    response = mgr.post(
        f"{LEADS}{lead.pk}/convert/",
        {"pipeline": pipeline.pk, "title": "Кухня", "amount": "100000"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "converted"
    assert response.json()["deal"] == Deal.objects.get().pk
    response = mgr.post(f"{LEADS}{lead.pk}/convert/", {}, format="json")
    assert response.status_code == 400
    assert "lead" in response.json()["fields"]
    response = mgr.post(f"{LEADS}{lead.pk}/junk/", {"reason": "spam"}, format="json")
    assert response.status_code == 400
    other = LeadFactory(owner=manager)
    response = mgr.post(f"{LEADS}{other.pk}/junk/", {"reason": "bad"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    response = mgr.post(f"{LEADS}{other.pk}/junk/", {"reason": "spam"}, format="json")
    assert response.json()["status"] == "junk"


def test_convert_refuses_a_stage_of_another_pipeline(api_client_for, manager):
    first, second = PipelineFactory(), PipelineFactory()
    lead = LeadFactory(owner=manager)
    response = api_client_for(manager).post(
        f"{LEADS}{lead.pk}/convert/",
        {"pipeline": first.pk, "stage": second.stages.first().pk},
        format="json",
    )
    assert response.status_code == 400
    assert "stage" in response.json()["fields"]
    assert not Deal.objects.exists()


def test_web_forms_for_heads(api_client_for, head, manager):
    assert api_client_for(manager).get("/api/v1/web-forms/").status_code == 403
    client = api_client_for(head)
    response = client.post(
        "/api/v1/web-forms/",
        {"name": "Кухни", "allowed_origins": ["ftp://nope"]},
        format="json",
    )
    assert response.status_code == 400
    assert "allowed_origins" in response.json()["fields"]
    response = client.post(
        "/api/v1/web-forms/",
        {"name": "Кухни", "allowed_origins": ["https://Mebel-Primer.ru/"]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["allowed_origins"] == ["https://mebel-primer.ru"]
    form = WebForm.objects.get()
    response = client.patch(f"/api/v1/web-forms/{form.pk}/", {"name": ""}, format="json")
    assert response.status_code == 400

"""The same rule through both doors: what the staff UI and the API answer, and the access-log
line each leaves, are the same, because both call the same selector or service."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from contacts import services
from contacts.models import Contact, ContactMerge, CustomField
from contacts.tests.factories import CompanyFactory, ContactFactory
from crm.models import AccessLog

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _log_line(entry: AccessLog) -> tuple:
    return (
        entry.user_id,
        entry.action,
        entry.content_type.model if entry.content_type else None,
        entry.object_id,
        entry.object_repr,
        entry.record_count,
        entry.query,
        entry.ip_address,
    )


def _two_lines() -> tuple[tuple, tuple]:
    first, second = AccessLog.objects.order_by("id")
    return _log_line(first), _log_line(second)


@pytest.fixture
def base(manager, manager2):
    company = CompanyFactory(name="Вектор", owner=manager)
    smirnovs = [
        ContactFactory(last_name="Смирнов", first_name="Иван", owner=manager, company=company),
        ContactFactory(last_name="Смирнова", first_name="Анна", owner=manager),
    ]
    ContactFactory(last_name="Смирнов", first_name="Чужой", owner=manager2)  # not manager's
    ContactFactory.create_batch(3, owner=manager)
    return {"company": company, "smirnovs": smirnovs}


def test_a_contact_search_answers_and_is_logged_the_same_in_the_list_and_the_api(
    client, api_client_for, manager, base
):
    client.force_login(manager)

    # when the manager searches in the list page's box, then through the API
    page = client.get(reverse("contacts:contact-list"), {"q": "Смирнов"})
    api = api_client_for(manager, token=True).get("/api/v1/contacts/", {"search": "Смирнов"})

    # then the same clients in the same order, none of another team's
    ui_ids = [c.pk for c in page.context["contacts"]]
    assert ui_ids == [c["id"] for c in api.json()["results"]]
    assert set(ui_ids) == {c.pk for c in base["smirnovs"]}
    # and the same access-log line
    ui_line, api_line = _two_lines()
    assert ui_line == api_line
    assert ui_line[1:3] == (AccessLog.Action.SEARCH, "contact")
    assert ui_line[5:7] == (2, "Смирнов")


def test_a_company_search_answers_and_is_logged_the_same_in_the_list_and_the_api(
    client, api_client_for, head, base
):
    CompanyFactory(name="Вектор Плюс")
    client.force_login(head)

    page = client.get(reverse("contacts:company-list"), {"q": "Вектор"})
    api = api_client_for(head, token=True).get("/api/v1/companies/", {"search": "Вектор"})

    ui_ids = [c.pk for c in page.context["companies"]]
    assert len(ui_ids) == 2
    assert ui_ids == [c["id"] for c in api.json()["results"]]
    ui_line, api_line = _two_lines()
    assert ui_line == api_line
    assert ui_line[1:3] == (AccessLog.Action.SEARCH, "company")


@pytest.mark.parametrize(
    ("page_url", "api_url", "model"),
    [
        ("contacts:contact-list", "/api/v1/contacts/", "contact"),
        ("contacts:company-list", "/api/v1/companies/", "company"),
    ],
)
def test_a_list_page_is_logged_the_same_in_the_ui_and_the_api(
    client, api_client_for, manager, base, page_url, api_url, model
):
    client.force_login(manager)

    page = client.get(reverse(page_url))
    api = api_client_for(manager, token=True).get(api_url)

    rows = page.context["contacts" if model == "contact" else "companies"]
    assert [r.pk for r in rows] == [r["id"] for r in api.json()["results"]]  # newest first
    ui_line, api_line = _two_lines()
    assert ui_line == api_line
    assert ui_line[1:3] == (AccessLog.Action.SEARCH, model)
    assert ui_line[5:7] == (len(rows), "")


def test_the_global_search_finds_and_logs_what_the_api_search_does(
    client, api_client_for, operator, base
):
    client.force_login(operator)

    html = client.get(reverse("search"), {"q": "Смирнов"}, **HTMX).content.decode()
    api = api_client_for(operator, token=True).get("/api/v1/contacts/", {"search": "Смирнов"})

    found = [c["id"] for c in api.json()["results"]]
    assert {c.pk for c in base["smirnovs"]} < set(found)  # an operator may open any caller
    for pk in found:
        assert reverse("contacts:contact-detail", args=[pk]) in html
    # the box searched contacts and companies; the contacts line is the API's, less the
    # address, which the global search provider is not given
    box = AccessLog.objects.filter(content_type__model="contact").order_by("id")
    box_line, api_line = (_log_line(e) for e in box)
    assert box_line[:-1] == api_line[:-1]
    assert AccessLog.objects.filter(
        content_type__model="company", query="Смирнов", user=operator
    ).exists()


def test_a_company_card_is_logged_the_same_in_the_ui_and_the_api(
    client, api_client_for, manager, base
):
    company = base["company"]
    client.force_login(manager)

    page = client.get(reverse("contacts:company-detail", args=[company.pk]))
    api = api_client_for(manager, token=True).get(f"/api/v1/companies/{company.pk}/")

    assert (page.status_code, api.status_code) == (200, 200)
    ui_line, api_line = _two_lines()
    assert ui_line == api_line
    assert ui_line[1:5] == (AccessLog.Action.VIEW, "company", str(company.pk), "Вектор")


def test_duplicates_are_named_or_hidden_the_same_in_the_form_and_the_api(
    client, api_client_for, manager, manager2
):
    mine = ContactFactory(owner=manager, last_name="Свой", phone="+79161234567")
    ContactFactory(owner=manager2, last_name="Секретов", phone="+79161234567")
    client.force_login(manager)

    form = client.post(
        reverse("contacts:contact-create"),
        {
            "phones-TOTAL_FORMS": "1",
            "phones-INITIAL_FORMS": "0",
            "emails-TOTAL_FORMS": "0",
            "emails-INITIAL_FORMS": "0",
            "last_name": "Новый",
            "phones-0-number": "+79161234567",
            "phones-0-kind": "mobile",
            "language": "ru",
        },
    )
    api = api_client_for(manager, token=True).post(
        "/api/v1/contacts/",
        {"last_name": "Новый", "phones": [{"number": "+79161234567"}]},
        format="json",
    )

    assert form.status_code == 409
    assert [c.pk for c in form.context["duplicates"]] == [mine.pk]
    assert form.context["hidden_duplicates"] == 1
    body = api.json()
    assert (api.status_code, body["code"]) == (400, "duplicate")
    assert set(body) == {"status", "code", "detail", "fields", "duplicates"}
    assert "Свой" in body["detail"]
    assert "Секретов" not in body["detail"]
    assert body["fields"] == {"non_field_errors": [body["detail"]]}


# --- merging several records at once -------------------------------------------------------


def test_a_multi_merge_is_all_or_nothing(head):
    keep, first, second = ContactFactory.create_batch(3)
    # someone else merged the second one away meanwhile
    Contact.objects.filter(pk=second.pk).update(merged_into=first)

    with pytest.raises(ValidationError):
        services.contacts_merge_many(actor=head, keep=keep, drops=[first, second])

    assert not ContactMerge.objects.exists()
    first.refresh_from_db()
    assert first.merged_into_id is None


def test_a_multi_merge_moves_every_record_onto_the_kept_one(client, head):
    keep, first, second = ContactFactory.create_batch(3)
    client.force_login(head)

    response = client.post(
        reverse("contacts:contact-merge"), {"ids": [keep.pk, first.pk, second.pk], "keep": keep.pk}
    )

    assert response.status_code == 302
    assert set(Contact.objects.filter(merged_into=keep).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert ContactMerge.objects.filter(kept=keep, actor=head).count() == 2


def test_a_multi_merge_refuses_records_the_actor_cannot_open(manager, manager2):
    manager.user_permissions.add(Permission.objects.get(codename="merge_contact"))
    manager = type(manager).objects.get(pk=manager.pk)  # permissions are cached per instance
    mine = ContactFactory(owner=manager)
    theirs = ContactFactory(owner=manager2)

    with pytest.raises(PermissionDenied):
        services.contacts_merge_many(actor=manager, keep=mine, drops=[theirs])

    assert not ContactMerge.objects.exists()


# --- custom field definitions --------------------------------------------------------------


def test_custom_field_services_are_for_admins_only(head, admin_user):
    definition = {"target": "contact", "code": "tier", "label": "Tier", "field_type": "text"}

    with pytest.raises(PermissionDenied):
        services.custom_field_create(actor=head, **definition)
    field = services.custom_field_create(actor=admin_user, **definition)
    with pytest.raises(PermissionDenied):
        services.custom_field_update(actor=head, field=field, label="Уровень")
    with pytest.raises(PermissionDenied):
        services.custom_field_delete(actor=head, field=field)
    with pytest.raises(ValidationError):  # one code per target
        services.custom_field_create(actor=admin_user, **definition)

    assert CustomField.objects.get().label == "Tier"


def test_custom_fields_change_through_the_api_by_admins_only(api_client_for, head, admin_user):
    field = CustomField.objects.create(
        target="contact", code="tier", label="Tier", field_type="choice", choices=["a"]
    )
    url = f"/api/v1/custom-fields/{field.pk}/"
    admin = api_client_for(admin_user, token=True)

    refused = api_client_for(head, token=True).patch(url, {"label": "X"}, format="json")
    invalid = admin.patch(url, {"choices": []}, format="json")
    changed = admin.patch(url, {"label": "Уровень"}, format="json")

    assert refused.status_code == 403
    assert (invalid.status_code, list(invalid.json()["fields"])) == (400, ["choices"])
    assert (changed.status_code, changed.json()["label"]) == (200, "Уровень")
    assert api_client_for(head, token=True).delete(url).status_code == 403
    assert admin.delete(url).status_code == 204
    assert not CustomField.objects.exists()

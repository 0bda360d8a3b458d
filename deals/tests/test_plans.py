"""Sales plans: the grid a head fills, its bad input, and the plans API, by role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from deals.forms_forecast import plan_field_name
from deals.models import SalesPlan

from .factories_forecast import SalesPlanFactory, month_add, this_month

pytestmark = pytest.mark.django_db


def test_a_head_fills_the_grid_for_the_team(client, head, manager, manager2):
    client.force_login(head)
    page = client.get(reverse("deals:plan-edit"))
    assert page.status_code == 200
    html = page.content.decode()
    assert str(manager) in html
    assert str(manager2) not in html  # the other team's
    month, following = this_month(), month_add(this_month(), 1)
    SalesPlanFactory(manager=manager, month=following, amount=Decimal("1"))
    response = client.post(
        reverse("deals:plan-edit"),
        {
            plan_field_name(manager.pk, month): "1 500 000,50",
            plan_field_name(head.pk, month): "900000",
            plan_field_name(manager.pk, following): "",  # removes it
        },
    )
    assert response.status_code == 302
    plans = {(p.manager, p.month): p.amount for p in SalesPlan.objects.all()}
    assert plans == {
        (manager, month): Decimal("1500000.50"),
        (head, month): Decimal("900000.00"),
    }


@pytest.mark.parametrize("value", ["abc", "-5", "1e20", "12.345"])
def test_bad_input_is_a_form_error_and_nothing_changes(client, head, manager, value):
    month = this_month()
    SalesPlanFactory(manager=manager, month=month, amount=Decimal("100.00"))
    client.force_login(head)
    response = client.post(
        reverse("deals:plan-edit"),
        {
            plan_field_name(head.pk, month): "5000",
            plan_field_name(manager.pk, month): value,
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors.get(plan_field_name(manager.pk, month))
    assert list(SalesPlan.objects.values_list("manager", "amount")) == [
        (manager.pk, Decimal("100.00"))
    ]


def test_the_grid_ignores_cells_of_people_outside_the_team(client, head, manager2):
    client.force_login(head)
    response = client.post(
        reverse("deals:plan-edit"), {plan_field_name(manager2.pk, this_month()): "100"}
    )
    assert response.status_code == 302
    assert not SalesPlan.objects.exists()


@pytest.mark.parametrize("role", ["manager", "marketer", "supervisor", "operator"])
def test_only_heads_and_admins_edit_plans(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("deals:plan-edit")).status_code == 403


def test_an_admin_edits_anyone(client, admin_user, manager, manager2):
    client.force_login(admin_user)
    html = client.get(reverse("deals:plan-edit")).content.decode()
    assert str(manager) in html
    assert str(manager2) in html


def test_the_plans_api(api_client_for, head, manager, manager2):
    api = api_client_for(head)
    month = f"{this_month():%Y-%m}-15"
    created = api.post(
        "/api/v1/sales-plans/",
        {"manager": manager.pk, "month": month, "amount": "750000.00"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    plan = SalesPlan.objects.get()
    assert plan.month == this_month()
    # the same month again, a negative sum, another team's manager: 400, nothing changed
    again = api.post(
        "/api/v1/sales-plans/",
        {"manager": manager.pk, "month": month, "amount": "1.00"},
        format="json",
    )
    assert again.status_code == 400
    negative = api.patch(f"/api/v1/sales-plans/{plan.pk}/", {"amount": "-1"}, format="json")
    assert negative.status_code == 400
    foreign = api.post(
        "/api/v1/sales-plans/",
        {"manager": manager2.pk, "month": month, "amount": "1.00"},
        format="json",
    )
    assert foreign.status_code == 400
    assert "manager" in foreign.json()["fields"]
    assert SalesPlan.objects.get().amount == Decimal("750000.00")
    changed = api.patch(f"/api/v1/sales-plans/{plan.pk}/", {"amount": "800000"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["amount"] == "800000.00"
    # a manager reads their own plans and sets none
    own = api_client_for(manager)
    assert [p["id"] for p in own.get("/api/v1/sales-plans/").json()["results"]] == [plan.pk]
    refused = own.post(
        "/api/v1/sales-plans/",
        {"manager": manager.pk, "month": month, "amount": "1.00"},
        format="json",
    )
    assert refused.status_code == 403
    # the other team's manager does not see it
    assert api_client_for(manager2).get(f"/api/v1/sales-plans/{plan.pk}/").status_code == 404
    assert api.delete(f"/api/v1/sales-plans/{plan.pk}/").status_code == 204
    assert not SalesPlan.objects.exists()


def test_the_grid_shows_saved_plans_readably(client, head, manager):
    SalesPlanFactory(manager=manager, month=this_month(), amount=Decimal("1050000.00"))
    SalesPlanFactory(manager=head, month=this_month(), amount=Decimal("1234.50"))
    client.force_login(head)
    html = client.get(reverse("deals:plan-edit")).content.decode()
    assert 'value="1 050 000"' in html
    assert 'value="1 234.50"' in html


def test_the_demo_loader_is_idempotent(head, manager, manager2):
    from crm.demo import DemoContext
    from deals.demo import plans as demo
    from deals.models import RepeatDealRule
    from deals.tests.factories import PipelineFactory

    PipelineFactory(name="Мебель на заказ")
    demo.load(DemoContext(password=""))
    demo.load(DemoContext(password=""))
    assert SalesPlan.objects.count() == 21  # three sellers × 3 months back, this one, 3 ahead
    months = sorted(set(SalesPlan.objects.values_list("month", flat=True)))
    assert months[0] == month_add(this_month(), -3)
    assert months[-1] == month_add(this_month(), 3)
    rule = RepeatDealRule.objects.get()
    assert (rule.name, rule.after_days) == ("Повторная продажа через 365 дней", 365)
    assert rule.target_stage.name == "Заявка"

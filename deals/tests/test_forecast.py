"""The forecast: weighted pipeline, plan against fact and KPIs on a small known history,
checked to the kopeck, through the page and the API, for each role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from contacts.tests.factories import InteractionFactory
from crm.models import Role, Task
from crm.tests.factories import TaskFactory
from deals.models import Lead
from deals.selectors.forecast import Period, forecast_report, period_default
from deals.services.deals import deal_create, deal_move_to_stage
from deals.tests.factories import DealFactory, LeadFactory, PipelineFactory, stage

from .factories_forecast import (
    SalesPlanFactory,
    at,
    history,
    month_add,
    open_deal,
    this_month,
    won_deal,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline():
    return PipelineFactory(name="Мебель на заказ")


@pytest.fixture
def book(pipeline, manager, manager2):
    """Open deals of the manager (and one of the other team's) with known expected dates."""
    month = this_month()
    following = month_add(month, 1)
    open_deal(manager, pipeline, "Заявка", "100000", expected=month.replace(day=20))
    open_deal(manager, pipeline, "Замер", "200000", expected=following.replace(day=5))
    open_deal(manager, pipeline, "Договор", "333.33", expected=following.replace(day=28))
    # no date: counts in the current month
    open_deal(manager, pipeline, "Договор", "50000")
    # a date already past: the current month too
    open_deal(manager, pipeline, "Договор", "80000", expected=month_add(month, -3))
    # another currency: never added to roubles
    open_deal(manager, pipeline, "Замер", "1000", expected=following, currency="USD")
    # beyond the period: left out
    open_deal(manager, pipeline, "Договор", "999999", expected=month_add(month, 12))
    # closed deals are not in the pipeline
    won_deal(manager, pipeline, "700000", at(month, 2))
    # the other team's manager
    open_deal(manager2, pipeline, "Договор", "400000", expected=month.replace(day=15))


def _weighted(report, month, currency="RUB", owner=None):
    return sum(
        (
            r["weighted"]
            for r in report.weighted
            if r["month"] == month
            and r["currency"] == currency
            and (owner is None or r.get("owner") == owner)
        ),
        Decimal(0),
    )


def test_weighted_pipeline_per_month_and_currency_to_the_kopeck(book, manager):
    # given the manager's open deals (book)
    month = this_month()
    # when the manager reads the forecast for the default period
    report = forecast_report(manager, period_default())
    # then this month: 100 000 × 10 % + 50 000 × 70 % + 80 000 × 70 % (no date / past date)
    assert _weighted(report, month) == Decimal("101000.00")
    # next month: 200 000 × 30 % + 333.33 × 70 % = 60 000 + 233.331 → 60 233.33
    assert _weighted(report, month_add(month, 1)) == Decimal("60233.33")
    # dollars stay dollars: 1 000 × 30 %
    assert _weighted(report, month_add(month, 1), "USD") == Decimal("300.00")
    assert report.weighted_other_currencies() == [
        {"currency": "USD", "amount": Decimal("1000.00"), "weighted": Decimal("300.00"), "deals": 1}
    ]
    # and the other team's 400 000 is not in the manager's figures
    assert all(r["owner"] == manager.pk for r in report.weighted)
    totals = {r["currency"]: r for r in report.by_pipeline}
    assert totals["RUB"]["weighted"] == Decimal("161233.33")
    assert totals["RUB"]["amount"] == Decimal("430333.33")


def test_plan_against_fact_per_manager_and_month(pipeline, manager, head):
    # given a plan for this month and won deals this and last month
    month, last = this_month(), month_add(this_month(), -1)
    SalesPlanFactory(manager=manager, month=month, amount=Decimal("500000.00"))
    won_deal(manager, pipeline, "120000", at(month, 1, 9))
    won_deal(manager, pipeline, "130000.50", at(month, 3))
    won_deal(manager, pipeline, "90000", at(last, 20))
    # a lost deal is no fact
    lost = stage(pipeline, "Сделка провалена")
    DealFactory(owner=manager, pipeline=pipeline, stage=lost, amount=1, closed_at=at(month, 2))
    # when the head reads the forecast
    report = forecast_report(head, period_default())
    rows = {(r["manager"], r["month"]): r for r in report.plan_fact}
    # then this month: 250 000.50 of 500 000, 50 %
    this = rows[(manager.pk, month)]
    assert (this["plan"], this["fact"], this["deals"], this["percent"]) == (
        Decimal("500000.00"),
        Decimal("250000.50"),
        2,
        50,
    )
    # last month: a fact with no plan
    before = rows[(manager.pk, last)]
    assert (before["plan"], before["fact"], before["percent"]) == (None, Decimal("90000.00"), None)
    per_manager = {r["manager"]: r for r in report.plan_fact_per_manager()}
    assert per_manager[manager]["fact"] == Decimal("340000.50")
    assert per_manager[manager]["percent"] == 68


def test_kpis_time_to_first_action_and_conversion_per_stage(pipeline, manager):
    month = this_month()
    start = at(month, 3, 10)
    # given leads: taken after 10, 20 and 60 minutes; one not taken; one from long ago
    for minutes in (10, 20, 60):
        LeadFactory(
            owner=manager,
            assigned_at=start,
            taken_at=start + dt.timedelta(minutes=minutes),
            status=Lead.Status.IN_WORK,
        )
    LeadFactory(owner=manager, assigned_at=start)
    LeadFactory(owner=manager, assigned_at=at(month_add(month, -8)))
    # four deals enter "Заявка"; two go on to "Замер"; one of those to "Договор" and is won,
    # the other is lost
    deals = [DealFactory(owner=manager, pipeline=pipeline) for _ in range(4)]
    t = [at(month, 4, h) for h in range(9, 14)]
    history(
        deals[0], ("Заявка", t[0]), ("Замер", t[1]), ("Договор", t[2]), ("Сделка успешна", t[3])
    )
    history(deals[1], ("Заявка", t[0]), ("Замер", t[1]), ("Сделка провалена", t[2]))
    history(deals[2], ("Заявка", t[0]))
    history(deals[3], ("Заявка", t[0]))
    # activities: two calls recorded, one task done (and one open)
    InteractionFactory(author=manager, occurred_at=t[0])
    InteractionFactory(author=manager, occurred_at=t[1])
    TaskFactory(assignee=manager, status=Task.Status.DONE, completed_at=t[2])
    TaskFactory(assignee=manager)
    # when the KPIs of the last months are read
    report = forecast_report(manager, Period(month_add(month, -2), month), pipeline=pipeline)
    [kpi] = report.managers
    # then 4 leads received, 3 taken: median 20 min, average 30 min
    assert (kpi.leads, kpi.taken) == (4, 3)
    assert kpi.wait_median == pytest.approx(1200)
    assert kpi.wait_avg == pytest.approx(1800)
    # conversion: Заявка 2 of 4, Замер 1 of 2 (the lost one did not go on), Договор 1 of 1
    by_name = {s.name: kpi.conversion_for(s) for s in report.stages}
    assert (by_name["Заявка"]["entered"], by_name["Заявка"]["advanced"]) == (4, 2)
    assert by_name["Заявка"]["percent"] == 50
    assert (by_name["Замер"]["entered"], by_name["Замер"]["advanced"]) == (2, 1)
    assert (by_name["Договор"]["advanced"], by_name["Договор"]["won"]) == (1, 1)
    assert by_name["Договор"]["percent"] == 100
    # won and activities
    assert kpi.won_deals == 1
    assert (kpi.interactions, kpi.tasks, kpi.activities) == (2, 1, 3)


def test_a_deal_opened_and_moved_by_the_services_counts_in_the_conversion(pipeline, manager):
    deal = deal_create(actor=manager, title="Шкаф", pipeline=pipeline, amount="1000")
    deal_move_to_stage(actor=manager, deal=deal, stage=stage(pipeline, "Замер"))
    report = forecast_report(manager, period_default(), pipeline=pipeline)
    first = report.managers[0].conversion_for(stage(pipeline, "Заявка"))
    assert (first["entered"], first["advanced"], first["percent"]) == (1, 1, 100)


# --- scoping ---------------------------------------------------------------------------------


def test_a_head_sees_the_team_per_manager_not_the_other_team(book, head, manager, manager2):
    report = forecast_report(head, period_default())
    people = {kpi.manager for kpi in report.managers}
    assert manager in people
    assert head in people
    assert manager2 not in people
    assert all(r["owner"] != manager2.pk for r in report.weighted)


def test_an_admin_sees_everyone(book, admin_user, manager, manager2):
    report = forecast_report(admin_user, period_default())
    assert {manager, manager2} <= {kpi.manager for kpi in report.managers}
    assert _weighted(report, this_month()) == Decimal("381000.00")  # + 400 000 × 70 %


@pytest.mark.parametrize("role", ["marketer", "supervisor"])
def test_marketers_and_supervisors_read_totals_only(client, request, book, manager, role):
    user = request.getfixturevalue(role)
    report = forecast_report(user, period_default())
    assert not report.per_manager
    assert report.managers == []
    assert all("owner" not in r for r in report.weighted)
    assert all(r["manager"] is None for r in report.plan_fact)
    # the company's total: both teams
    assert _weighted(report, this_month()) == Decimal("381000.00")
    # the page shows the totals and no one's name, no deal
    client.force_login(user)
    page = client.get(reverse("deals:forecast"))
    assert page.status_code == 200
    html = page.content.decode()
    assert str(manager) not in html
    assert manager.email not in html
    assert "Кухня на заказ" not in html  # the factory's deal titles
    assert "381" in html
    # nor the KPI file
    assert client.get(reverse("deals:forecast-csv")).status_code == 403


def test_an_operator_has_no_forecast(client, operator):
    client.force_login(operator)
    assert client.get(reverse("deals:forecast")).status_code == 403
    assert client.get("/api/v1/forecast/").status_code == 403


def test_a_manager_sees_only_their_own_even_in_a_team_that_shares(
    book, manager, head, team_a, pipeline
):
    from crm.models import Team
    from crm.tests.factories import UserFactory

    team_a.visibility = Team.Visibility.TEAM
    team_a.save(update_fields=["visibility"])
    colleague = UserFactory(role=Role.MANAGER, team=team_a)
    open_deal(colleague, pipeline, "Договор", "10000", expected=this_month())
    report = forecast_report(manager, period_default())
    assert [kpi.manager for kpi in report.managers] == [manager]
    assert {r["owner"] for r in report.weighted} == {manager.pk}


# --- the page, the CSV and the API ------------------------------------------------------------


def test_the_page_draws_the_chart_and_the_tables(client, book, head, manager):
    client.force_login(head)
    response = client.get(reverse("deals:forecast"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg class="chart"' in html
    assert "bar-weighted" in html
    assert str(manager) in html
    assert 'style="' not in html.split('<main class="content"')[1]  # CSP: no inline styles
    assert "<script" not in html.split('<main class="content"')[1]


def test_a_bad_period_is_a_form_error(client, head):
    client.force_login(head)
    response = client.get(reverse("deals:forecast"), {"start": "2026-13", "end": "x"})
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()
    response = client.get(reverse("deals:forecast"), {"start": "2026-06", "end": "2026-01"})
    assert response.status_code == 400
    response = client.get(reverse("deals:forecast"), {"start": "2020-01", "end": "2026-01"})
    assert response.status_code == 400
    api = client.get("/api/v1/forecast/", {"start": "nope"})
    assert api.status_code == 400
    assert "start" in api.json()["fields"]


def test_the_kpi_csv_for_a_head(client, book, head, manager, pipeline):
    client.force_login(head)
    response = client.get(reverse("deals:forecast-csv"), {"pipeline": pipeline.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert "Заявка" in lines[0]
    assert any(line.startswith(str(manager)) for line in lines[1:])
    client.force_login(manager)
    assert client.get(reverse("deals:forecast-csv")).status_code == 403


def test_the_api_is_scoped_like_the_page(client, book, manager, marketer, head):
    client.force_login(manager)
    data = client.get("/api/v1/forecast/").json()
    assert data["per_manager"] is True
    assert {row["manager"] for row in data["weighted"]} == {manager.pk}
    this = f"{this_month():%Y-%m}"
    rub = [r for r in data["weighted"] if r["month"] == this and r["currency"] == "RUB"]
    assert sum(Decimal(r["weighted"]) for r in rub) == Decimal("101000.00")
    kpis = client.get("/api/v1/forecast/kpis/").json()
    assert [m["id"] for m in kpis["managers"]] == [manager.pk]
    client.force_login(marketer)
    data = client.get("/api/v1/forecast/").json()
    assert data["per_manager"] is False
    assert all("manager" not in r for r in data["weighted"] + data["plan_fact"])
    kpis = client.get("/api/v1/forecast/kpis/").json()
    assert "managers" not in kpis
    assert "leads" in kpis


# --- queries -----------------------------------------------------------------------------------


def _seed(pipeline, people, n):
    month = this_month()
    names = ["Заявка", "Замер", "Договор"]
    for i in range(n):
        owner = people[i % len(people)]
        open_deal(owner, pipeline, names[i % 3], 1000 + i, expected=month_add(month, i % 4))
        deal = won_deal(owner, pipeline, 5000 + i, at(month_add(month, -(i % 3)), 1 + i % 27))
        history(
            deal,
            ("Заявка", at(month, 1)),
            ("Замер", at(month, 2)),
            ("Сделка успешна", at(month, 3)),
        )
        LeadFactory(owner=owner, assigned_at=at(month, 2), taken_at=at(month, 2, 13))
        InteractionFactory(author=owner, occurred_at=at(month, 5))


@pytest.mark.parametrize("who", ["head", "marketer"])
def test_the_page_reads_a_fixed_number_of_queries(
    client, request, django_assert_max_num_queries, pipeline, head, manager, who
):
    from crm.tests.factories import UserFactory

    people = [manager, head] + [UserFactory(role=Role.MANAGER, team=head.team) for _ in range(4)]
    for person in people:
        SalesPlanFactory(manager=person, month=this_month())
    _seed(pipeline, people, 60)
    client.force_login(request.getfixturevalue(who))
    client.get(reverse("deals:forecast"))  # warm the session and the menu's caches
    with django_assert_max_num_queries(20) as small:
        assert client.get(reverse("deals:forecast")).status_code == 200
    _seed(pipeline, people, 120)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("deals:forecast")).status_code == 200


def test_the_page_opens_with_no_pipeline_and_no_data(client, head, marketer):
    for user in (head, marketer):
        client.force_login(user)
        response = client.get(reverse("deals:forecast"))
        assert response.status_code == 200
        assert '<svg class="chart"' in response.content.decode()
    assert client.get("/api/v1/forecast/kpis/").json()["stages"] == []


def test_an_unknown_pipeline_is_a_form_error(client, head):
    client.force_login(head)
    assert client.get(reverse("deals:forecast"), {"pipeline": "999999"}).status_code == 400
    assert client.get("/api/v1/forecast/kpis/", {"pipeline": "x"}).status_code == 400

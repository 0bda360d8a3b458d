"""The staff pages and the API of routing, through the whole stack."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from crm.models import Role
from crm.routing import services
from crm.routing.models import Assignment, RoutingRule, Strategy
from crm.tests.factories import TeamFactory, UserFactory
from deals.tests.factories import LeadFactory

from .kind import CODE

pytestmark = pytest.mark.django_db


def _form(**overrides) -> dict:
    data = {
        "kind": CODE,
        "name": "Москва B2B",
        "order": "10",
        "team": "",
        "people": [],
        "strategy": Strategy.ROUND_ROBIN,
        "cap": "",
        "take_within_minutes": "30",
        "is_active": "on",
        "c-TOTAL_FORMS": "2",
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "30",
        "c-0-field": "region",
        "c-0-op": "in",
        "c-0-value": "Москва, Московская область",
        "c-1-field": "hour",
        "c-1-op": "between",
        "c-1-value": "9-18",
    }
    data.update(overrides)
    return data


def test_a_head_creates_a_rule_with_conditions(client, head, team_a):
    client.force_login(head)

    response = client.post(reverse("routing:rule-create"), _form(team=str(team_a.pk)))

    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.conditions == [
        {"field": "region", "op": "in", "value": ["Москва", "Московская область"]},
        {"field": "hour", "op": "between", "value": [9, 18]},
    ]
    assert (rule.team, rule.take_within_minutes) == (team_a, 30)
    page = client.get(reverse("routing:rule-list")).content.decode()
    assert "Москва B2B" in page
    assert "region is one of Москва, Московская область" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"c-1-value": "25-3"}, "whole hours from 0 to 24"),
        ({"c-0-value": " , "}, "list of values is empty"),
        ({"c-0-field": "__custom__", "c-0-custom": "bad code!"}, "not a custom field code"),
        ({"team": ""}, "Name a team or people"),
        ({"cap": "-1"}, "greater than or equal to 0"),
    ],
)
def test_bad_input_answers_400_with_the_message_and_saves_nothing(
    client, head, team_a, overrides, message
):
    client.force_login(head)
    data = _form(team=str(team_a.pk))
    data.update(overrides)

    response = client.post(reverse("routing:rule-create"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_editing_shows_the_conditions_and_saves_changes(client, head, team_a):
    rule = services.routing_rule_create(
        actor=head,
        kind=CODE,
        name="Night",
        team=team_a,
        conditions=[{"field": "hour", "op": "between", "value": [22, 6]}],
    )
    client.force_login(head)
    page = client.get(reverse("routing:rule-edit", args=[rule.pk])).content.decode()
    assert 'value="22-6"' in page

    response = client.post(
        reverse("routing:rule-edit", args=[rule.pk]),
        _form(name="Night shift", team=str(team_a.pk), **{"c-0-DELETE": "on"}),
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.name == "Night shift"
    assert rule.conditions == [{"field": "hour", "op": "between", "value": [9, 18]}]


def test_a_manager_cannot_open_the_rules(client, manager):
    client.force_login(manager)

    assert client.get(reverse("routing:rule-list")).status_code == 403
    assert client.post(reverse("routing:rule-create"), _form()).status_code == 403


def test_deleting_a_rule(client, head, team_a):
    rule = services.routing_rule_create(actor=head, kind=CODE, name="Old", team=team_a)
    client.force_login(head)

    response = client.post(reverse("routing:rule-delete", args=[rule.pk]))

    assert response.status_code == 302
    assert not RoutingRule.objects.exists()


def test_the_rule_list_costs_a_fixed_number_of_queries(
    client, head, team_a, django_assert_max_num_queries
):
    people = [UserFactory(team=team_a) for _ in range(5)]
    for n in range(30):
        services.routing_rule_create(
            actor=None,
            kind=CODE,
            name=f"Rule {n}",
            order=n,
            team=team_a,
            people=people,
            conditions=[{"field": "region", "op": "eq", "value": f"R{n}"}],
        )
    client.force_login(head)

    # session, user, roles, permissions, rules, their people, the menu's and messages' reads
    with django_assert_max_num_queries(12):
        response = client.get(reverse("routing:rule-list"))

    assert response.status_code == 200
    assert response.content.decode().count("data-rule=") == 30


def _assignments(user, rule, n: int) -> None:
    now = timezone.now()
    Assignment.objects.bulk_create(
        Assignment(
            kind=CODE,
            item_id=i,
            user=user,
            rule=rule,
            strategy=rule.strategy,
            reason="r",
            details=[{"c": "rule", "name": rule.name}, {"c": "round_robin", "turn": 2}],
            assigned_at=now - dt.timedelta(minutes=i),
        )
        for i in range(n)
    )


def test_the_log_shows_the_heads_team_only_in_a_fixed_number_of_queries(
    client, head, manager, manager2, team_a, django_assert_max_num_queries
):
    rule = services.routing_rule_create(actor=None, kind=CODE, name="A", team=team_a)
    _assignments(manager, rule, 80)
    other = Assignment.objects.create(
        kind=CODE,
        item_id=999,
        user=manager2,
        strategy="round_robin",
        reason="x",
        assigned_at=timezone.now(),
    )
    client.force_login(head)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("routing:assignment-log"))

    page = response.content.decode()
    assert page.count("data-assignment=") == 50
    assert f'data-assignment="{other.pk}"' not in page
    assert "rule “A”, round robin, 2nd in turn" in page
    older = client.get(reverse("routing:assignment-log") + "?after=" + response.context["after"])
    assert older.content.decode().count("data-assignment=") == 30


# --- the API ---------------------------------------------------------------------------------


def test_the_api_creates_a_rule_and_refuses_an_impossible_one(api_client_for, head, team_a):
    client = api_client_for(head)
    url = reverse("routing-api:routing-rule-list")

    bad = client.post(
        url,
        {
            "kind": CODE,
            "name": "Bad",
            "team": team_a.pk,
            "conditions": [{"field": "hour", "op": "between", "value": [25, 3]}],
        },
        format="json",
    )
    no_target = client.post(url, {"kind": CODE, "name": "Nobody"}, format="json")
    good = client.post(
        url,
        {
            "kind": CODE,
            "name": "Good",
            "team": team_a.pk,
            "strategy": "least_loaded",
            "conditions": [{"field": "language", "op": "eq", "value": "en"}],
        },
        format="json",
    )

    assert bad.status_code == 400
    assert "whole hours from 0 to 24" in str(bad.json()["fields"])
    assert no_target.status_code == 400
    assert "team" in no_target.json()["fields"]
    assert good.status_code == 201, good.json()
    assert good.json()["conditions_text"] == ["language is en"]
    assert RoutingRule.objects.get().name == "Good"


def test_the_api_updates_and_deletes(api_client_for, head, team_a):
    rule = services.routing_rule_create(actor=None, kind=CODE, name="A", team=team_a)
    client = api_client_for(head)
    url = reverse("routing-api:routing-rule-detail", args=[rule.pk])

    patched = client.patch(url, {"cap": 5, "is_active": False}, format="json")
    assert patched.status_code == 200, patched.json()
    rule.refresh_from_db()
    assert (rule.cap, rule.is_active) == (5, False)
    assert client.delete(url).status_code == 204


def test_the_api_refuses_managers(api_client_for, manager):
    client = api_client_for(manager)

    assert client.get(reverse("routing-api:routing-rule-list")).status_code == 403
    assert client.get(reverse("routing-api:routing-assignment-list")).status_code == 403


def test_the_api_reads_an_items_assignments_with_reasons(api_client_for, head, manager, team_a):
    services.routing_rule_create(actor=None, kind=CODE, name="A", people=[manager])
    lead = LeadFactory()
    services.routing_route(kind=CODE, item_id=lead.pk)

    response = api_client_for(head).get(
        reverse("routing-api:routing-assignment-list"), {"kind": CODE, "item_id": lead.pk}
    )

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["user"] == manager.pk
    assert row["reason"] == "rule “A”, round robin, 1st in turn"


# --- the lead's card block -------------------------------------------------------------------


def test_the_lead_card_block_shows_the_assignments_and_reasons(head, team_a):
    from deals.hooks import lead_card_blocks

    a, b = (UserFactory(role=Role.MANAGER, team=team_a) for _ in range(2))
    rule = services.routing_rule_create(actor=None, kind="deals.lead", name="Team A", team=team_a)
    lead = LeadFactory()
    assert lead_card_blocks(lead, head) == []
    now = timezone.now()
    Assignment.objects.create(
        kind="deals.lead",
        item_id=lead.pk,
        user=a,
        rule=rule,
        strategy=rule.strategy,
        reason="x",
        details=[{"c": "rule", "name": "Team A"}, {"c": "round_robin", "turn": 1}],
        assigned_at=now - dt.timedelta(hours=1),
        is_current=False,
    )
    Assignment.objects.create(
        kind="deals.lead",
        item_id=lead.pk,
        user=b,
        rule=rule,
        strategy=rule.strategy,
        reason="x",
        details=[
            {"c": "rule", "name": "Team A"},
            {"c": "reassigned", "name": str(a), "minutes": 30},
        ],
        assigned_at=now,
        reassigned_from=a,
    )

    (block,) = lead_card_blocks(lead, head)
    html = render_to_string(
        block.template, {"lead": lead, "user": head, "block": block, **block.context}
    )

    assert block.title == "Assignments"
    assert html.count("data-assignment=") == 2
    assert f"reassigned: {a} did not take it within 30 min" in html
    assert "reassigned</span>" in html


def test_a_received_lead_is_queued_for_routing_after_commit(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    from deals import signals
    from deals.models import Lead

    queued = []
    monkeypatch.setattr(
        "crm.routing.tasks.route_item.delay_on_commit", lambda *args: queued.append(args)
    )
    lead = LeadFactory()

    with django_capture_on_commit_callbacks(execute=True):
        signals.lead_received.send(sender=Lead, lead=lead)

    assert queued == [("deals.lead", lead.pk)]


def test_a_team_with_a_head_in_another_team(db):
    """The team's head is found by the team, not by the head's own team."""
    team = TeamFactory()
    head = UserFactory(role=Role.HEAD)
    team.head = head
    team.save()
    rule = services.routing_rule_create(
        actor=None, kind=CODE, name="R", team=team, strategy=Strategy.ROUND_ROBIN
    )

    assert services._head_of(rule, None) == head


# --- people's skills, territories and caps ---------------------------------------------------


def test_a_head_sets_the_skills_of_a_person_of_the_team(client, head, manager, manager2):
    from crm.routing.models import RoutingProfile

    client.force_login(head)
    page = client.get(reverse("routing:profile-list"))
    assert f'data-person="{manager.pk}"' in page.content.decode()
    assert f'data-person="{manager2.pk}"' not in page.content.decode()

    saved = client.post(
        reverse("routing:profile-list"),
        {"user": manager.pk, "skills": "Кухня, en ,", "regions": "Москва", "cap": "12"},
    )
    other = client.post(reverse("routing:profile-list"), {"user": manager2.pk, "skills": "x"})
    bad = client.post(reverse("routing:profile-list"), {"user": manager.pk, "cap": "0"})

    assert saved.status_code == 302
    profile = RoutingProfile.objects.get(user=manager)
    assert (profile.skills, profile.regions, profile.cap) == (["Кухня", "en"], ["Москва"], 12)
    assert other.status_code == 404
    assert bad.status_code == 400
    assert RoutingProfile.objects.get(user=manager).cap == 12
    assert not RoutingProfile.objects.filter(user=manager2).exists()


def test_a_manager_cannot_set_profiles(client, manager):
    client.force_login(manager)

    assert client.get(reverse("routing:profile-list")).status_code == 403

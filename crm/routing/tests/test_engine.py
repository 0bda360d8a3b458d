"""The routing engine on a kind of the tests' own: rule validation, each strategy, availability,
working hours, caps, the reasons recorded, and reassignment of what was not taken in time."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from crm.models import Notification, Role, User, WorkingHours
from crm.routing import services
from crm.routing.models import Assignment, RoundRobinPointer, RoutingProfile, Strategy
from crm.tests.factories import TeamFactory, UserFactory
from deals.models import Lead
from deals.tests.factories import LeadFactory, ProductFactory

from .kind import CODE

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
# A Monday at noon in Moscow.
NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=MSK)

pytestmark = pytest.mark.django_db


def people(n: int, team=None, **kwargs) -> list[User]:
    team = team or TeamFactory()
    return [
        UserFactory(role=Role.MANAGER, team=team, last_name=f"Manager{i}", **kwargs)
        for i in range(n)
    ]


def rule(actor=None, **values):
    values.setdefault("kind", CODE)
    values.setdefault("name", "All leads")
    values.setdefault("strategy", Strategy.ROUND_ROBIN)
    return services.routing_rule_create(actor=actor, **values)


def route(lead, now=NOON):
    return services.routing_route(kind=CODE, item_id=lead.pk, now=now)


# --- rules and their validation --------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ([{"field": "planet", "op": "eq", "value": "Mars"}], "unknown field “planet”"),
        ([{"field": "region", "op": "sounds_like", "value": "x"}], "unknown operator"),
        ([{"field": "hour", "op": "between", "value": [25, 3]}], "whole hours from 0 to 24"),
        ([{"field": "hour", "op": "between", "value": [9, 9]}], "same hour is empty"),
        ([{"field": "hour", "op": "eq", "value": "9"}], "unknown operator"),
        ([{"field": "region", "op": "in", "value": []}], "list of values is empty"),
        ([{"field": "region", "op": "eq", "value": ""}], "needs one value"),
        ([{"field": "custom.Bad Code", "op": "eq", "value": "x"}], "not a custom field code"),
        ("region=Moscow", "must be a list"),
    ],
)
def test_an_impossible_condition_is_refused_with_a_message(conditions, message, team_a):
    with pytest.raises(ValidationError) as exc:
        rule(conditions=conditions, team=team_a)

    assert message in " ".join(exc.value.messages)
    assert not services.RoutingRule.objects.exists()


def test_a_rule_with_no_target_is_refused(db):
    with pytest.raises(ValidationError) as exc:
        rule()

    assert "Name a team or people" in " ".join(exc.value.messages)


def test_an_unknown_kind_is_refused(team_a):
    with pytest.raises(ValidationError) as exc:
        rule(kind="tickets.nothing", team=team_a)

    assert "Unknown kind" in " ".join(exc.value.messages)


def test_good_conditions_are_stored_cleaned(team_a):
    created = rule(
        team=team_a,
        conditions=[
            {"field": "region", "op": "in", "value": ["Москва", " МО ", ""]},
            {"field": "hour", "op": "between", "value": ["22", 6]},
            {"field": "custom.segment", "op": "eq", "value": " vip "},
        ],
    )

    assert created.conditions == [
        {"field": "region", "op": "in", "value": ["Москва", "МО"]},
        {"field": "hour", "op": "between", "value": [22, 6]},
        {"field": "custom.segment", "op": "eq", "value": "vip"},
    ]
    assert RoundRobinPointer.objects.filter(rule=created).exists()


def test_only_heads_and_admins_manage_rules(manager, head, team_a):
    with pytest.raises(PermissionDenied):
        rule(actor=manager, team=team_a)

    assert rule(actor=head, team=team_a).pk


# --- choosing the rule -----------------------------------------------------------------------


def test_the_first_rule_in_order_whose_conditions_hold_takes_the_item(db):
    moscow, others = people(1), people(1)
    rule(name="Catch-all", order=20, people=others)
    rule(
        name="Москва B2B",
        order=10,
        people=moscow,
        conditions=[{"field": "region", "op": "eq", "value": "москва"}],
    )

    in_moscow = route(LeadFactory(region="Москва"))
    elsewhere = route(LeadFactory(region="Казань"))

    assert (in_moscow.user, in_moscow.rule.name) == (moscow[0], "Москва B2B")
    assert (elsewhere.user, elsewhere.rule.name) == (others[0], "Catch-all")


def test_conditions_on_the_time_of_day_product_and_custom_fields(db):
    night, product_people, vip_people = people(1), people(1), people(1)
    kitchen = ProductFactory(name="Кухня Прованс", sku="KIT-1")
    rule(
        name="Night",
        order=1,
        people=night,
        conditions=[{"field": "hour", "op": "between", "value": [22, 6]}],
    )
    rule(
        name="Kitchens",
        order=2,
        people=product_people,
        conditions=[{"field": "product", "op": "eq", "value": "kit-1"}],
    )
    rule(
        name="VIP",
        order=3,
        people=vip_people,
        conditions=[{"field": "custom.segment", "op": "in", "value": ["vip", "gold"]}],
    )

    at_night = route(LeadFactory(), now=NOON.replace(hour=23))
    kitchen_lead = route(LeadFactory(product=kitchen))
    vip = route(LeadFactory(custom={"segment": "VIP"}))
    nobody = route(LeadFactory())

    assert at_night.user == night[0]
    assert kitchen_lead.user == product_people[0]
    assert vip.user == vip_people[0]
    assert nobody is None


def test_an_assigned_item_is_not_routed_again(db):
    team_people = people(2)
    rule(people=team_people)
    lead = LeadFactory()

    first = route(lead)
    again = route(lead)

    assert first is not None
    assert again is None
    assert Assignment.objects.filter(item_id=lead.pk).count() == 1


# --- strategies ------------------------------------------------------------------------------


def test_round_robin_takes_turns_and_the_turn_survives_in_the_database(db):
    a, b, c = people(3)
    created = rule(people=[a, b, c])

    owners = [route(LeadFactory()).user for _ in range(4)]

    assert owners == [a, b, c, a]
    assert RoundRobinPointer.objects.get(rule=created).last_user == a


def test_round_robin_passes_over_whoever_is_away_and_says_so(db):
    a, b, c = people(3)
    b.last_name, b.first_name = "Petrova", "Anna"
    b.availability = User.Availability.AWAY
    b.save()
    rule(name="Moscow B2B", people=[a, b, c])
    route(LeadFactory())  # a

    assignment = route(LeadFactory())

    assert assignment.user == c
    assert assignment.reason == "rule “Moscow B2B”, round robin, 2nd in turn, Anna Petrova away"
    with translation.override("ru"):
        assert assignment.reason_text == (
            "правило «Moscow B2B», по очереди, 2-й в очереди, Anna Petrova — нет на месте"
        )


def test_least_loaded_gives_the_item_to_whoever_holds_fewest_open(db):
    a, b = people(2)
    LeadFactory.create_batch(3, owner=a)
    LeadFactory(owner=b)
    LeadFactory.create_batch(5, owner=b, status=Lead.Status.JUNK, junk_reason="spam")
    rule(strategy=Strategy.LEAST_LOADED, people=[a, b])

    assignment = route(LeadFactory())

    assert assignment.user == b
    assert "least loaded (1 open)" in assignment.reason


def test_skills_and_territory_prefer_the_matching_person(db):
    a, b = people(2)
    RoutingProfile.objects.create(user=b, skills=["en"], regions=["Казань"])
    rule(strategy=Strategy.SKILLS, people=[a, b])

    english = route(LeadFactory(language="en"))
    kazan = route(LeadFactory(region="казань"))
    other = route(LeadFactory(language="de"))

    assert english.user == b
    assert "skills and territory match: en" in english.reason
    assert kazan.user == b
    assert other.user == a
    assert "nobody has the skills" in other.reason


def test_sticky_gives_the_clients_manager_first_and_falls_back_when_away(db):
    a, b, own = people(3)
    rule(strategy=Strategy.STICKY, people=[a, b])

    first = route(LeadFactory(custom={"client_manager": own.pk}))
    own.availability = User.Availability.VACATION
    own.save()
    second = route(LeadFactory(custom={"client_manager": own.pk}))

    assert first.user == own
    assert "the client's own manager" in first.reason
    assert second.user == a
    assert "on vacation" in second.reason
    assert "round robin" in second.reason


# --- availability, working hours, caps -------------------------------------------------------


def test_working_hours_are_read_in_the_persons_time_zone(db):
    moscow, vladivostok = people(2)
    vladivostok.time_zone = "Asia/Vladivostok"  # noon in Moscow is 19:00 there
    vladivostok.save()
    for user in (moscow, vladivostok):
        WorkingHours.objects.create(user=user, weekday=0, starts_at=dt.time(9), ends_at=dt.time(18))
    rule(people=[moscow, vladivostok])

    owners = {route(LeadFactory()).user for _ in range(3)}

    assert owners == {moscow}


def test_a_person_with_hours_on_other_days_only_is_off_today(db):
    a, b = people(2)
    WorkingHours.objects.create(user=a, weekday=2)  # Wednesdays only
    rule(people=[a, b])

    assert {route(LeadFactory()).user for _ in range(2)} == {b}


def test_nobody_over_the_cap_and_the_head_is_told_when_nobody_can(db):
    team = TeamFactory()
    head = UserFactory(role=Role.HEAD, team=team)
    team.head = head
    team.save()
    a, b = people(2, team=team)
    RoutingProfile.objects.create(user=b, cap=1)
    rule(team=team, cap=2)

    owners = [getattr(route(LeadFactory()), "user", None) for _ in range(4)]

    assert owners == [a, b, a, None]
    assert Notification.objects.filter(recipient=head, kind="routing").count() == 1


def test_the_team_head_is_not_routed_to_unless_named(db):
    team = TeamFactory()
    head = UserFactory(role=Role.HEAD, team=team)
    team.head = head
    team.save()
    (a,) = people(1, team=team)
    rule(team=team)

    assert {route(LeadFactory()).user for _ in range(2)} == {a}


def test_pending_items_are_routed_when_someone_comes_back(db):
    (a,) = people(1, availability=User.Availability.AWAY)
    rule(people=[a])
    lead = LeadFactory()
    assert route(lead) is None

    a.availability = User.Availability.AVAILABLE
    a.save()

    assert services.routing_route_pending(now=NOON) == 1
    lead.refresh_from_db()
    assert lead.owner == a


# --- not taken in time -----------------------------------------------------------------------


def test_an_item_not_taken_in_time_is_reassigned_and_the_head_told(db):
    team = TeamFactory()
    head = UserFactory(role=Role.HEAD, team=team)
    team.head = head
    team.save()
    a, b = people(2, team=team)
    rule(team=team, take_within_minutes=30)
    lead = LeadFactory()
    first = route(lead)

    # when: 29 minutes pass, nothing; then 31
    assert services.routing_reassign_overdue(now=NOON + dt.timedelta(minutes=29)) == 0
    assert services.routing_reassign_overdue(now=NOON + dt.timedelta(minutes=31)) == 1

    # then
    first.refresh_from_db()
    current = Assignment.objects.get(item_id=lead.pk, is_current=True)
    assert (first.user, first.is_current) == (a, False)
    assert (current.user, current.reassigned_from) == (b, a)
    assert "did not take it within 30 min" in current.reason
    lead.refresh_from_db()
    assert lead.owner == b
    note = Notification.objects.get(recipient=head, kind="routing")
    assert "reassigned" in note.title
    assert str(a) in note.title


def test_an_item_taken_in_time_stays(db):
    (a, b) = people(2)
    rule(people=[a, b], take_within_minutes=30)
    lead = LeadFactory()
    route(lead)
    Lead.objects.filter(pk=lead.pk).update(taken_at=NOON, status=Lead.Status.IN_WORK)

    assert services.routing_reassign_overdue(now=NOON + dt.timedelta(hours=1)) == 0
    assert Assignment.objects.get(item_id=lead.pk).taken_at is not None


def test_with_nobody_else_the_item_stays_and_the_sweep_stops_asking(db):
    (a,) = people(1)
    rule(people=[a], take_within_minutes=30)
    lead = LeadFactory()
    route(lead)

    assert services.routing_reassign_overdue(now=NOON + dt.timedelta(hours=1)) == 0

    only = Assignment.objects.get(item_id=lead.pk)
    assert (only.is_current, only.due_at) == (True, None)

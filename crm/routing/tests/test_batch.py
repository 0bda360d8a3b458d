"""Routing in batches: one transaction assigns many items exactly as routing them one by one
would (turns, reasons, caps), and batches racing on real transactions in other threads take
disjoint items, continue each other's turns and respect caps between rules."""

from __future__ import annotations

import datetime as dt
import threading
import time
import zoneinfo
from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from crm.models import Role, User
from crm.routing import services, tasks
from crm.routing.models import Assignment, RoundRobinPointer, RoutingProfile, Strategy
from crm.tests.factories import TeamFactory, UserFactory
from deals.models import Lead
from deals.tests.factories import LeadFactory

from .kind import CODE

NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Moscow"))


def people(n: int, **kwargs) -> list[User]:
    team = TeamFactory()
    return [
        UserFactory(role=Role.MANAGER, team=team, last_name=f"Manager{i}", **kwargs)
        for i in range(n)
    ]


def rule(**values):
    values.setdefault("kind", CODE)
    values.setdefault("name", "All leads")
    values.setdefault("strategy", Strategy.ROUND_ROBIN)
    return services.routing_rule_create(actor=None, **values)


def owners_of(leads) -> list[int | None]:
    owner = dict(Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("pk", "owner"))
    return [owner[lead.pk] for lead in leads]


def waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


class InThread(threading.Thread):
    """Runs ``target`` on a database connection of its own; keeps the result or the error."""

    def __init__(self, target):
        super().__init__(daemon=True)
        self.target, self.result, self.error, self.pid = target, None, None, None

    def run(self):
        try:
            connection.ensure_connection()
            self.pid = connection.connection.info.backend_pid
            self.result = self.target()
        except BaseException as exc:
            self.error = exc
        finally:
            connections.close_all()


# --- one batch -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_batch_takes_turns_and_records_each_reason_as_one_by_one(db):
    a, b, c = people(3)
    b.first_name, b.last_name, b.availability = "Anna", "Petrova", User.Availability.AWAY
    b.save()
    created = rule(name="Moscow B2B", people=[a, b, c])
    leads = LeadFactory.create_batch(5)

    made = services.routing_route_batch(kind=CODE, now=NOON)

    assert [m.item_id for m in made] == [lead.pk for lead in leads]
    assert owners_of(leads) == [a.pk, c.pk, a.pk, c.pk, a.pk]
    assert made[1].reason == "rule “Moscow B2B”, round robin, 2nd in turn, Anna Petrova away"
    assert made[2].reason == "rule “Moscow B2B”, round robin, 1st in turn"
    pointer = RoundRobinPointer.objects.get(rule=created)
    assert (pointer.last_user_id, pointer.turns) == (a.pk, 5)


@pytest.mark.django_db
def test_caps_and_loads_count_the_items_given_earlier_in_the_same_batch(db):
    a, b, c = people(3)
    RoutingProfile.objects.create(user=a, cap=2)
    LeadFactory(owner=b)  # b holds one already: the rule's cap of 3 leaves room for two
    rule(people=[a, b, c], cap=3)
    leads = LeadFactory.create_batch(10)

    made = services.routing_route_batch(kind=CODE, now=NOON)

    counts = Counter(owners_of(leads))
    assert counts == {a.pk: 2, b.pk: 2, c.pk: 3, None: 3}
    assert len(made) == 7
    assert "has 2 open already (the cap)" in made[-1].reason


@pytest.mark.django_db
def test_least_loaded_in_a_batch_evens_out_the_loads(db):
    a, b = people(2)
    LeadFactory.create_batch(4, owner=a)
    rule(strategy=Strategy.LEAST_LOADED, people=[a, b])
    leads = LeadFactory.create_batch(6)

    services.routing_route_batch(kind=CODE, now=NOON)

    assert Counter(owners_of(leads)) == {b.pk: 5, a.pk: 1}


@pytest.mark.django_db
def test_each_item_of_a_batch_goes_by_its_own_rule(db):
    moscow, others = people(1), people(2)
    rule(name="Catch-all", order=20, people=others)
    rule(
        name="Москва",
        order=10,
        people=moscow,
        conditions=[{"field": "region", "op": "eq", "value": "москва"}],
    )
    leads = [LeadFactory(region=r) for r in ("Москва", "Казань", "Москва", "Омск")]

    services.routing_route_batch(kind=CODE, now=NOON)

    assert owners_of(leads) == [moscow[0].pk, others[0].pk, moscow[0].pk, others[1].pk]


@pytest.mark.django_db
def test_a_batch_costs_a_fixed_number_of_queries_plus_the_kinds_own_write_per_item(
    db, django_assert_max_num_queries
):
    team_people = people(10)
    RoutingProfile.objects.create(user=team_people[0], cap=100)
    rule(people=team_people, cap=50)
    LeadFactory.create_batch(100)

    # the tests' kind writes each item's owner itself: one UPDATE per item
    with django_assert_max_num_queries(100 + 15):
        made = services.routing_route_batch(kind=CODE, limit=100, now=NOON)

    assert len(made) == 100


@pytest.mark.django_db
def test_the_task_routes_its_item_first_with_the_others_waiting_and_then_nothing(db):
    a, b = people(2)
    rule(people=[a, b])
    leads = LeadFactory.create_batch(4)

    assert tasks.route_item(CODE, leads[-1].pk) == 4

    assert owners_of(leads) == [b.pk, a.pk, b.pk, a.pk]  # the task's own lead went first
    assert tasks.route_item(CODE, leads[0].pk) == 0
    assert Assignment.objects.count() == 4


@pytest.mark.django_db
def test_the_task_of_an_item_a_batch_took_stops_at_the_cache_note(db, django_assert_num_queries):
    (a,) = people(1)
    rule(people=[a])
    leads = LeadFactory.create_batch(3)
    assert tasks.route_item(CODE, leads[0].pk) == 3

    with django_assert_num_queries(0):
        assert tasks.route_item(CODE, leads[1].pk) == 0


@pytest.mark.django_db
def test_a_failed_batch_takes_its_notes_back_and_the_next_task_routes(db, monkeypatch):
    (a,) = people(1)
    rule(people=[a])
    leads = LeadFactory.create_batch(3)

    def broken(*args, **kwargs):
        raise RuntimeError("the batch failed")

    with monkeypatch.context() as patch:
        patch.setattr(services, "_route_many", broken)
        with pytest.raises(RuntimeError):
            tasks.route_item(CODE, leads[0].pk)
    assert not cache.get_many([f"routing:claimed:{CODE}:{lead.pk}" for lead in leads])

    assert tasks.route_item(CODE, leads[2].pk) == 3
    assert owners_of(leads) == [a.pk] * 3


@pytest.mark.django_db
def test_the_batch_task_routes_the_pending_items(db):
    a, b = people(2)
    rule(people=[a, b])
    leads = LeadFactory.create_batch(3)

    assert tasks.route_batch(CODE) == 3
    assert tasks.route_batch(CODE, [leads[0].pk]) == 0
    assert Counter(owners_of(leads)) == {a.pk: 2, b.pk: 1}


@pytest.mark.django_db
def test_the_sweep_routes_one_kind_in_batches_up_to_its_limit(db, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 3)
    (a,) = people(1)
    rule(people=[a])
    LeadFactory.create_batch(8)

    assert services.routing_route_pending(kind=CODE, limit=7, now=NOON) == 7
    assert Lead.objects.filter(owner__isnull=True).count() == 1


# --- batches racing on real transactions ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_racing_batches_take_disjoint_items_and_continue_each_others_turns():
    a, b, c = people(3)
    rule(people=[a, b, c])
    leads = LeadFactory.create_batch(25)
    first_done, release = threading.Event(), threading.Event()

    def first():
        # A batch that holds its transaction open after choosing: the turn is locked.
        with transaction.atomic():
            made = services.routing_route_batch(kind=CODE, limit=10, now=NOON)
            first_done.set()
            assert release.wait(30)
        return made

    def second():
        return services.routing_route_batch(kind=CODE, limit=10, now=NOON)

    one = InThread(first)
    one.start()
    assert first_done.wait(30)
    two = InThread(second)
    two.start()
    # the second batch claimed other items (SKIP LOCKED) and waits for the rule's turn
    deadline = time.monotonic() + 30
    while not (two.pid and waiting_on_a_lock(two.pid)):
        assert time.monotonic() < deadline, "the second batch never waited for the turn"
        time.sleep(0.05)
    release.set()
    one.join(30)
    two.join(30)
    assert one.error is None, one.error
    assert two.error is None, two.error

    first_items = {m.item_id for m in one.result}
    second_items = {m.item_id for m in two.result}
    assert len(first_items) == len(second_items) == 10
    assert not first_items & second_items
    # the second went on from where the first left the turn: 20 items, 7/7/6
    counts = Counter(Assignment.objects.values_list("user_id", flat=True))
    assert sorted(counts.values()) == [6, 7, 7]
    assert len(set(Assignment.objects.values_list("item_id", flat=True))) == 20
    assert Lead.objects.filter(owner__isnull=True).count() == len(leads) - 20


@pytest.mark.django_db(transaction=True)
def test_many_threads_draining_a_burst_assign_each_item_once_and_evenly():
    team_people = people(7)
    rule(people=team_people)
    LeadFactory.create_batch(300)
    start = threading.Barrier(4)

    def drain():
        start.wait(30)
        made = []
        while batch := services.routing_route_batch(kind=CODE, limit=25, now=NOON):
            made += batch
        return [m.item_id for m in made]

    threads = [InThread(drain) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(t.error is None for t in threads), [t.error for t in threads]

    routed = [item for t in threads for item in t.result]
    assert len(routed) == len(set(routed)) == 300
    owners = dict(Lead.objects.values_list("pk", "owner_id"))
    assignments = list(Assignment.objects.values_list("item_id", "user_id"))
    assert len(assignments) == 300
    assert all(owners[item] == user for item, user in assignments)
    counts = Counter(user for _item, user in assignments)
    assert set(counts) == {p.pk for p in team_people}
    assert max(counts.values()) - min(counts.values()) <= 1, counts


@pytest.mark.django_db(transaction=True)
def test_batches_of_two_rules_sharing_a_capped_person_never_take_them_over_the_cap():
    (shared,) = people(1)
    RoutingProfile.objects.create(user=shared, cap=3)
    rule(
        name="Moscow",
        order=1,
        people=[shared],
        conditions=[{"field": "region", "op": "eq", "value": "Москва"}],
    )
    rule(name="Others", order=2, people=[shared])
    LeadFactory.create_batch(5, region="Москва")
    LeadFactory.create_batch(5, region="Казань")
    first_done, release = threading.Event(), threading.Event()
    moscow = list(Lead.objects.filter(region="Москва").values_list("pk", flat=True))
    kazan = list(Lead.objects.filter(region="Казань").values_list("pk", flat=True))

    def first():
        with transaction.atomic():
            made = services.routing_route_batch(kind=CODE, item_ids=moscow, now=NOON)
            first_done.set()
            assert release.wait(30)
        return made

    one = InThread(first)
    one.start()
    assert first_done.wait(30)
    two = InThread(lambda: services.routing_route_batch(kind=CODE, item_ids=kazan, now=NOON))
    two.start()
    # another rule, another turn: the second batch waits on the person's row instead
    deadline = time.monotonic() + 30
    while not (two.pid and waiting_on_a_lock(two.pid)):
        assert time.monotonic() < deadline, "the second batch never waited for the person"
        time.sleep(0.05)
    release.set()
    one.join(30)
    two.join(30)
    assert one.error is None, one.error
    assert two.error is None, two.error

    assert (len(one.result), len(two.result)) == (3, 0)
    assert Lead.objects.filter(owner=shared).count() == 3


# --- a batch is the same as one by one -------------------------------------------------------

person = st.tuples(
    st.sampled_from([a.value for a in User.Availability]),
    st.one_of(st.none(), st.integers(1, 4)),
)


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    specs=st.lists(person, min_size=1, max_size=5),
    rule_cap=st.one_of(st.none(), st.integers(1, 5)),
    strategy=st.sampled_from([s.value for s in Strategy]),
    languages=st.lists(st.sampled_from(["ru", "en", "de"]), min_size=1, max_size=15),
    client_manager=st.integers(0, 5),
)
def test_a_batch_assigns_exactly_as_the_same_items_one_by_one(
    db, specs, rule_cap, strategy, languages, client_manager
):
    with transaction.atomic():
        team = TeamFactory()
        users = []
        for i, (availability, cap) in enumerate(specs):
            user = UserFactory(
                role=Role.MANAGER, team=team, availability=availability, last_name=f"P{i}"
            )
            RoutingProfile.objects.create(user=user, cap=cap, skills=["en"] if i % 2 else [])
            users.append(user)
        rule(strategy=strategy, cap=rule_cap, people=users)
        sticky = users[client_manager].pk if client_manager < len(users) else None
        leads = [
            LeadFactory(language=lang, custom={"client_manager": sticky} if sticky else {})
            for lang in languages
        ]

        def outcome():
            rows = Assignment.objects.order_by("item_id").values_list(
                "item_id", "user_id", "reason"
            )
            return list(rows), RoundRobinPointer.objects.values_list("last_user", "turns").get()

        with transaction.atomic():
            for lead in leads:
                services.routing_route(kind=CODE, item_id=lead.pk, now=NOON)
            one_by_one = outcome()
            transaction.set_rollback(True)

        services.routing_route_batch(kind=CODE, item_ids=[lead.pk for lead in leads], now=NOON)

        assert outcome() == one_by_one
        transaction.set_rollback(True)

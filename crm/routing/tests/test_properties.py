"""Properties of routing that must hold whatever the people and the items: round robin is fair,
caps are never exceeded, and nobody unavailable is ever chosen."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from crm.models import Role, User, WorkingHours
from crm.routing import services
from crm.routing.models import RoutingProfile, Strategy
from crm.tests.factories import TeamFactory, UserFactory
from deals.models import Lead
from deals.tests.factories import LeadFactory

from .kind import CODE

NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Moscow"))
examples = hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
AVAILABILITY = [a.value for a in User.Availability]

# A person: (availability, works now?, own cap or None)
person = st.tuples(
    st.sampled_from(AVAILABILITY),
    st.booleans(),
    st.one_of(st.none(), st.integers(1, 6)),
)


def _make_people(specs) -> list[User]:
    team = TeamFactory()
    users = []
    for i, (availability, works_now, cap) in enumerate(specs):
        user = UserFactory(
            role=Role.MANAGER, team=team, availability=availability, last_name=f"P{i}"
        )
        if not works_now:  # Monday noon is outside a Sunday-only schedule
            WorkingHours.objects.create(user=user, weekday=6)
        if cap is not None:
            RoutingProfile.objects.create(user=user, cap=cap)
        users.append(user)
    return users


def _eligible(user: User, works_now: bool) -> bool:
    return user.availability == User.Availability.AVAILABLE and works_now


@pytest.mark.django_db
@examples
@given(k=st.integers(1, 6), n=st.integers(0, 40), already=st.integers(0, 5))
def test_round_robin_gives_each_eligible_person_floor_or_ceil_of_n_over_k(db, k, n, already):
    with transaction.atomic():
        # given k available people, some absent ones among them, and a turn already under way
        users = _make_people([("available", True, None)] * k)
        absent = _make_people([("away", True, None), ("available", False, None)])
        rule = services.routing_rule_create(
            actor=None, kind=CODE, name="RR", strategy=Strategy.ROUND_ROBIN, people=users + absent
        )
        for _ in range(already % (k + 1)):
            services.routing_route(kind=CODE, item_id=LeadFactory().pk, now=NOON)
        Lead.objects.update(owner=None)
        services.Assignment.objects.all().delete()

        # when n items are routed
        for _ in range(n):
            services.routing_route(kind=CODE, item_id=LeadFactory().pk, now=NOON)

        # then everyone eligible got ⌊n/k⌋ or ⌈n/k⌉, the absent nothing
        counts = Counter(Lead.objects.filter(owner__isnull=False).values_list("owner", flat=True))
        assert sum(counts.values()) == n
        for user in users:
            assert counts.get(user.pk, 0) in (n // k, -(-n // k))
        assert not any(counts.get(u.pk) for u in absent)
        assert rule.pk
        transaction.set_rollback(True)


@pytest.mark.django_db
@examples
@given(
    specs=st.lists(person, min_size=1, max_size=6),
    rule_cap=st.one_of(st.none(), st.integers(1, 5)),
    strategy=st.sampled_from([s.value for s in Strategy]),
    n=st.integers(1, 30),
    client_manager=st.integers(0, 6),
)
def test_caps_are_never_exceeded_and_the_unavailable_never_chosen(
    db, specs, rule_cap, strategy, n, client_manager
):
    with transaction.atomic():
        users = _make_people(specs)
        works = {u.pk: spec[1] for u, spec in zip(users, specs, strict=True)}
        caps = {u.pk: spec[2] for u, spec in zip(users, specs, strict=True)}
        services.routing_rule_create(
            actor=None, kind=CODE, name="R", strategy=strategy, cap=rule_cap, people=users
        )
        sticky = users[client_manager].pk if client_manager < len(users) else None

        for i in range(n):
            lead = LeadFactory(
                language="en" if i % 2 else "ru",
                custom={"client_manager": sticky} if sticky else {},
            )
            assignment = services.routing_route(kind=CODE, item_id=lead.pk, now=NOON)
            if assignment is not None:
                assert _eligible(assignment.user, works[assignment.user_id])

        counts = Counter(Lead.objects.filter(owner__isnull=False).values_list("owner", flat=True))
        for user in users:
            limits = [c for c in (rule_cap, caps[user.pk]) if c is not None]
            if limits:
                assert counts.get(user.pk, 0) <= min(limits)
        # Nobody eligible under the cap was left idle while an item went unrouted.
        unrouted = Lead.objects.filter(owner__isnull=True).count()
        if unrouted:
            for user in users:
                limits = [c for c in (rule_cap, caps[user.pk]) if c is not None]
                if _eligible(user, works[user.pk]):
                    assert limits
                    assert counts.get(user.pk, 0) >= min(limits)
        transaction.set_rollback(True)

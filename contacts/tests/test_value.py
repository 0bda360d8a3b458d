"""Customer value: lifetime value, purchase count, last purchase and RFM scores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from contacts import services
from contacts.models import Contact, Purchase
from contacts.tasks import recompute_customer_value
from contacts.tests.factories import ContactFactory, PurchaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
amounts = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("1000000000"), places=2, allow_nan=False
)
examples = hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@examples
@given(purchases=st.lists(st.tuples(amounts, st.integers(0, 2000)), max_size=12))
def test_lifetime_value_is_the_sum_of_the_purchases(db, purchases):
    with transaction.atomic():
        # given a client who bought these amounts on these days
        contact = ContactFactory()
        for amount, days_ago in purchases:
            services.purchase_record(
                actor=None,
                contact=contact,
                amount=amount,
                purchased_at=NOW - dt.timedelta(days=days_ago),
            )

        # when the nightly job runs (after every purchase already refreshed the value)
        recompute_customer_value()

        # then the card reads the sum, the count and the last date without aggregating
        contact.refresh_from_db()
        assert contact.lifetime_value == sum((a for a, _d in purchases), Decimal("0"))
        assert contact.purchases_count == len(purchases)
        assert contact.last_purchase_at == (
            NOW - dt.timedelta(days=min(d for _a, d in purchases)) if purchases else None
        )
        transaction.set_rollback(True)


@examples
@given(
    buyers=st.lists(
        st.lists(st.tuples(amounts, st.integers(0, 1000)), min_size=1, max_size=4),
        min_size=1,
        max_size=12,
    ),
    idle=st.integers(0, 3),
)
def test_rfm_scores_are_quintiles_from_1_to_5(db, buyers, idle):
    with transaction.atomic():
        # given clients with purchases and some without
        for purchases in buyers:
            contact = ContactFactory()
            for amount, days_ago in purchases:
                PurchaseFactory(
                    contact=contact, amount=amount, purchased_at=NOW - dt.timedelta(days=days_ago)
                )
        ContactFactory.create_batch(idle)

        # when the nightly job runs
        recompute_customer_value()

        # then every buyer has scores 1..5, the others none
        people = list(Contact.objects.all())
        for c in people:
            if c.purchases_count:
                assert {c.rfm_recency, c.rfm_frequency, c.rfm_monetary} <= {1, 2, 3, 4, 5}
                assert len(c.rfm_score) == 3
            else:
                assert (c.rfm_recency, c.rfm_frequency, c.rfm_monetary) == (None, None, None)
                assert c.rfm_score == ""
        # and a score never says "less" of a client who has strictly more
        buyers_ = [c for c in people if c.purchases_count]
        for a in buyers_:
            for b in buyers_:
                if a.lifetime_value > b.lifetime_value:
                    assert a.rfm_monetary >= b.rfm_monetary
                if a.purchases_count > b.purchases_count:
                    assert a.rfm_frequency >= b.rfm_frequency
                if a.last_purchase_at > b.last_purchase_at:
                    assert a.rfm_recency >= b.rfm_recency
        transaction.set_rollback(True)


def test_the_best_client_scores_555_and_the_weakest_111():
    clients = []
    for i in range(5):
        contact = ContactFactory()
        for k in range(i + 1):
            PurchaseFactory(
                contact=contact,
                amount=Decimal(1000 * (i + 1)),
                purchased_at=NOW - dt.timedelta(days=100 - 20 * i, hours=k),
            )
        clients.append(contact)

    result = recompute_customer_value()

    assert result == {"refreshed": 5, "scored": 5}
    for c in clients:
        c.refresh_from_db()
    assert clients[0].rfm_score == "111"
    assert clients[4].rfm_score == "555"
    assert clients[4].lifetime_value == Decimal("25000.00")
    # nothing changed: a second run writes nothing
    assert recompute_customer_value() == {"refreshed": 0, "scored": 0}


def test_a_client_whose_purchases_moved_away_loses_the_scores(head):
    keep = ContactFactory(phone="+79161234567")
    drop = ContactFactory(phone="+79161234568")
    PurchaseFactory(contact=drop, amount=500, purchased_at=timezone.now())
    recompute_customer_value()
    drop.refresh_from_db()
    assert drop.rfm_score

    # when the merge moves the purchases onto the kept contact
    services.contact_merge(actor=head, keep=keep, drop=drop)
    recompute_customer_value()

    drop.refresh_from_db()
    keep.refresh_from_db()
    assert (drop.purchases_count, drop.rfm_score) == (0, "")
    assert (keep.purchases_count, keep.lifetime_value) == (1, Decimal("500.00"))
    assert keep.rfm_score == "111"
    assert Purchase.objects.get().contact == keep


def test_the_job_runs_every_night_at_three():
    entry = django_settings.CELERY_BEAT_SCHEDULE["contacts-recompute-customer-value"]

    assert entry["task"] == "contacts.tasks.recompute_customer_value"
    assert entry["schedule"] == crontab(hour=3, minute=0)


def test_refreshing_everyone_after_a_bulk_load_samples_the_tables_first():
    # given a base loaded in bulk in this very transaction: the planner has no statistics yet
    # and would take both tables for empty (nested loops, minutes for a few thousand rows)
    contacts = Contact.objects.bulk_create(
        Contact(first_name="Bulk", last_name=str(n)) for n in range(40)
    )
    Purchase.objects.bulk_create(
        Purchase(contact=contact, amount=Decimal("10.00"), purchased_at=NOW)
        for contact in contacts
        for _ in range(2)
    )

    # when everyone's figures are refreshed
    changed = services.customer_value_refresh()

    # then each contact has its sum, and the planner knows how big the tables are
    assert changed == 40
    assert {c.lifetime_value for c in Contact.objects.filter(last_name__in=["0", "39"])} == {
        Decimal("20.00")
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class"
            " WHERE relname IN ('contacts_contact', 'contacts_purchase')"
        )
        assert dict(cursor.fetchall()) == {"contacts_contact": 40, "contacts_purchase": 80}

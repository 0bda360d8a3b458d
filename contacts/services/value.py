"""Purchases and the customer value computed from them (LTV, RFM)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.permissions import require_permission

from ..models import (
    Contact,
    Interaction,
    Purchase,
)
from .timeline import interaction_record


def purchase_record(
    *,
    actor: User | None,
    contact: Contact,
    amount: Decimal,
    purchased_at: dt.datetime | None = None,
    currency: str = "RUB",
    items: list | None = None,
    store: str = "",
    external_id: str = "",
) -> tuple[Purchase, bool]:
    """Record a purchase (idempotent by store + external id) and refresh the contact's value.

    ``actor`` is the person or integration that reports it (``None``: the system's own feed)."""
    require_permission(actor, "contacts.add_purchase")
    amount = Decimal(amount)
    if amount < 0:
        raise ValidationError({"amount": [_("The amount cannot be negative.")]})
    if len(currency or "") != 3:
        raise ValidationError({"currency": [_("Use a three-letter currency code, e.g. RUB.")]})
    with transaction.atomic():
        if external_id:
            purchase, created = Purchase.objects.get_or_create(
                store=store,
                external_id=external_id,
                defaults={
                    "contact": contact,
                    "amount": amount,
                    "currency": currency.upper(),
                    "items": items or [],
                    "purchased_at": purchased_at or timezone.now(),
                },
            )
        else:
            purchase = Purchase.objects.create(
                contact=contact,
                amount=amount,
                currency=currency.upper(),
                items=items or [],
                store=store,
                purchased_at=purchased_at or timezone.now(),
            )
            created = True
        if created:
            interaction_record(
                contact=contact,
                kind=Interaction.Kind.PURCHASE,
                occurred_at=purchase.purchased_at,
                subject=f"{purchase.amount} {purchase.currency}",
                channel=store,
                data={"purchase_id": purchase.pk, "items": items or []},
            )
            customer_value_refresh(contact_ids=[contact.pk])
    return purchase, created


def customer_value_refresh(*, contact_ids: list[int] | None = None) -> int:
    """Lifetime value, number and date of the last purchase, per contact, from purchases.

    One statement that rewrites only the contacts whose figures changed: the nightly refresh
    of a million contacts is one pass over the purchases, not a million round trips.

    The refresh of everyone first samples both tables (ANALYZE, about a second at a million
    rows). Right after a bulk load — the demo, the benchmark seed, a test — the planner has no
    statistics, takes both tables for empty and joins them in nested loops, which turned a
    refresh of a few thousand contacts into tens of minutes.
    """
    with connection.cursor() as cursor:
        if contact_ids is None:
            cursor.execute("ANALYZE contacts_contact, contacts_purchase")
        cursor.execute(
            """
            UPDATE contacts_contact c
               SET lifetime_value = v.total, purchases_count = v.n, last_purchase_at = v.last
              FROM (
                    SELECT k.id,
                           COALESCE(SUM(p.amount), 0) AS total,
                           COUNT(p.id) AS n,
                           MAX(p.purchased_at) AS last
                      FROM contacts_contact k
                      LEFT JOIN contacts_purchase p ON p.contact_id = k.id
                     WHERE %(ids)s::bigint[] IS NULL OR k.id = ANY(%(ids)s::bigint[])
                     GROUP BY k.id
                   ) v
             WHERE c.id = v.id
               AND (c.lifetime_value, c.purchases_count, c.last_purchase_at)
                   IS DISTINCT FROM (v.total, v.n, v.last)
            """,
            {"ids": None if contact_ids is None else list(contact_ids)},
        )
        return cursor.rowcount


def rfm_recompute() -> int:
    """RFM scores 1–5 by quintiles over all buyers, in one SQL statement.

    Recency: 5 = bought most recently; frequency and monetary: 5 = most.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH scored AS (
                SELECT id,
                       NTILE(5) OVER (ORDER BY last_purchase_at ASC) AS r,
                       NTILE(5) OVER (ORDER BY purchases_count ASC) AS f,
                       NTILE(5) OVER (ORDER BY lifetime_value ASC) AS m
                FROM contacts_contact
                WHERE purchases_count > 0
            )
            UPDATE contacts_contact c
               SET rfm_recency = s.r, rfm_frequency = s.f, rfm_monetary = s.m
              FROM scored s
             WHERE c.id = s.id
               AND (c.rfm_recency, c.rfm_frequency, c.rfm_monetary)
                   IS DISTINCT FROM (s.r, s.f, s.m)
            """
        )
        scored = cursor.rowcount
        # A contact who no longer has purchases (moved away by a merge, deleted) has no score.
        cursor.execute(
            """
            UPDATE contacts_contact
               SET rfm_recency = NULL, rfm_frequency = NULL, rfm_monetary = NULL
             WHERE purchases_count = 0 AND rfm_recency IS NOT NULL
            """
        )
        return scored + cursor.rowcount

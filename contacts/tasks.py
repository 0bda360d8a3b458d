"""Celery tasks of the customer base: thin wrappers that call services and own retries."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def recompute_customer_value() -> dict[str, int]:
    """Nightly: lifetime value and purchase counts from purchases, then RFM scores over all
    buyers (the quintiles move as other clients buy, so every score is recomputed)."""
    refreshed = services.customer_value_refresh()
    scored = services.rfm_recompute()
    return {"refreshed": refreshed, "scored": scored}

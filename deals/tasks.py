"""Celery tasks of sales: each calls one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def repeat_deals_open() -> int:
    """Beat: the sales generator opens the repeat deals that fell due (idempotent)."""
    from .services.repeat import repeat_deals_open as open_due

    return open_due()

"""The invoices' background work: e-mailing an invoice, the nightly overdue sweep. Each task
takes ids and calls one service."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.utils.dateparse import parse_datetime

from .services import invoices as services


@shared_task(
    name="deals.tasks_invoices.invoice_email_deliver",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def invoice_email_deliver(invoice_id: int, requested_at: str | None = None) -> bool:
    return services.invoice_email_deliver(
        invoice_id=invoice_id, requested_at=parse_datetime(requested_at) if requested_at else None
    )


@shared_task(name="deals.tasks_invoices.invoices_mark_overdue")
def invoices_mark_overdue() -> int:
    return services.invoices_mark_overdue()

"""Invoice numbers under concurrent creation: real transactions in several threads at once,
some of them rolled back, leave numbers 1..N with no gap and no duplicate."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from deals.models import Invoice
from deals.services import invoices as services
from deals.tests.factories_invoices import deal_with_lines, seller_requisites

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6
PER_THREAD = 5


class Rollback(Exception):
    pass


def test_concurrent_creation_with_rollbacks_leaves_no_gap(manager):
    seller_requisites()
    deal = deal_with_lines(manager)
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    kept = []

    def work(index: int) -> None:
        try:
            start.wait()
            for n in range(PER_THREAD):
                try:
                    with transaction.atomic():
                        invoice = services.invoice_create_from_deal(actor=manager, deal=deal)
                        if (index + n) % 3 == 0:  # every third is rolled back after taking a number
                            raise Rollback
                    kept.append(invoice.number)
                except Rollback:
                    pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert len(numbers) == len(kept) > 0
    assert numbers == list(range(1, len(numbers) + 1))
    assert sorted(kept) == numbers

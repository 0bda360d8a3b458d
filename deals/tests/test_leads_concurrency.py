"""Two people converting the same lead at the same moment: one deal, the other refused."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from deals.models import Deal, Lead
from deals.services import leads as services
from deals.tests.factories import LeadFactory, PipelineFactory


@pytest.mark.django_db(transaction=True)
def test_a_lead_converted_twice_at_once_opens_one_deal(head, manager):
    # given a lead of the manager's, which the head also sees
    PipelineFactory()
    lead = LeadFactory(owner=manager)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def convert(actor):
        try:
            barrier.wait(timeout=10)
            services.lead_convert(actor=actor, lead=Lead.objects.get(pk=lead.pk))
            outcomes.append("deal")
        except ValidationError as exc:
            outcomes.append(";".join(exc.message_dict))
        finally:
            connection.close()

    # when both press "Convert" together
    threads = [threading.Thread(target=convert, args=(who,)) for who in (head, manager)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then one deal is opened and the other is told the lead is converted
    assert sorted(outcomes) == ["deal", "lead"]
    assert Deal.objects.count() == 1
    assert Lead.objects.get(pk=lead.pk).deal_id == Deal.objects.get().pk

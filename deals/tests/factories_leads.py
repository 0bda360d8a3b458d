"""Factories of leads' own records (the shared LeadFactory is in factories.py)."""

from __future__ import annotations

import factory

from deals.models import WebForm
from deals.models.leads import LeadNote

from .factories import LeadFactory


class WebFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebForm

    name = factory.Sequence(lambda n: f"Заявка с сайта {n}")
    allowed_origins = factory.LazyFunction(lambda: ["https://mebel-primer.ru"])
    success_message = "Спасибо! Мы перезвоним в течение часа."


class LeadNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadNote

    lead = factory.SubFactory(LeadFactory)
    body = factory.Sequence(lambda n: f"Перезвонить после обеда ({n})")

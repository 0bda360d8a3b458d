"""System events on the timeline read in the reader's language, whoever caused them."""

from __future__ import annotations

import pytest
from django.utils import translation

from contacts import services
from contacts.models import Consent, Interaction


@pytest.mark.django_db
def test_an_event_caused_in_russian_reads_in_english_for_an_english_reader(client, head):
    # given a contact created and a consent withdrawn by someone working in Russian
    with translation.override("ru"):
        contact = services.contact_create(actor=head, data={"last_name": "Петров"})
        services.consent_set(
            actor=head,
            contact=contact,
            purpose=Consent.Purpose.MARKETING_SMS,
            granted=False,
            source="звонок",
        )
    stored = set(
        Interaction.objects.filter(contact=contact, kind="system").values_list("subject", flat=True)
    )
    assert "Контакт создан" in stored  # the text as it was written

    # when a head of sales working in English opens the card
    head.language = "en"
    head.save(update_fields=["language"])
    client.force_login(head)
    page = client.get(f"/contacts/{contact.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # then the history tells both events in English
    assert "Contact created" in page
    assert "Consent withdrawn: Marketing SMS" in page
    assert "Контакт создан" not in page

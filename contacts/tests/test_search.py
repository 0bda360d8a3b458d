"""The search box: the order people expect among similar names."""

from __future__ import annotations

import pytest

from contacts.selectors import contacts_search
from contacts.tests.factories import ContactFactory


@pytest.mark.django_db
def test_the_surname_typed_ranks_above_a_patronymic_that_contains_it(head):
    # given two people whose names both contain the words "Петров" and "Иван"
    other = ContactFactory(last_name="Беспалов", first_name="Иван", middle_name="Петрович")
    petrov = ContactFactory(last_name="Петров", first_name="Иван", middle_name="Юрьевич")
    assert other.pk < petrov.pk  # an id order would put the wrong one first

    # when the head of sales searches for the surname and first name
    found = contacts_search(head, "Петров Иван")

    # then the Petrov comes first
    assert found[:2] == [petrov, other]


@pytest.mark.django_db
def test_a_typo_in_the_surname_still_finds_the_person(head):
    petrov = ContactFactory(last_name="Петров", first_name="Иван")
    ContactFactory(last_name="Сидорова", first_name="Анна")

    assert contacts_search(head, "Петрв Иван")[0] == petrov
    assert contacts_search(head, "петров")[0] == petrov

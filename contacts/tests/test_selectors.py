"""The reads of the customer base, scoped in one place per model: who sees which contacts and
companies, what they see masked, and how much they may take away."""

from __future__ import annotations

import pytest

from contacts import selectors
from contacts.tests.factories import CompanyFactory, ContactFactory, InteractionFactory
from crm.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def base(head, manager, manager2):
    """One client of each manager, one of the head of sales, one merged away."""
    own = ContactFactory(owner=manager, company=CompanyFactory(name="Own Ltd"))
    other = ContactFactory(owner=manager2, company=CompanyFactory(name="Other Ltd"))
    heads = ContactFactory(owner=head)
    merged = ContactFactory(owner=manager)
    merged.merged_into = own
    merged.save(update_fields=["merged_into"])
    return {"own": own, "other": other, "heads": heads, "merged": merged}


def _visible(user) -> set[int]:
    return set(selectors.contacts_visible_to(user).values_list("pk", flat=True))


def test_a_manager_sees_their_own_clients_only(base, manager):
    assert _visible(manager) == {base["own"].pk}


def test_a_manager_in_a_team_that_shares_sees_the_teams_clients(base, manager, team_a):
    team_a.visibility = Team.Visibility.TEAM
    team_a.save(update_fields=["visibility"])

    assert _visible(manager) == {base["own"].pk, base["heads"].pk}


@pytest.mark.parametrize("role", ["head", "operator", "supervisor", "marketer", "admin_user"])
def test_the_other_roles_see_every_client_but_never_a_merged_away_one(base, role, request):
    user = request.getfixturevalue(role)

    assert _visible(user) == {base["own"].pk, base["other"].pk, base["heads"].pk}


def test_a_manager_sees_the_companies_of_their_clients(base, manager):
    names = set(selectors.companies_visible_to(manager).values_list("name", flat=True))

    assert names == {"Own Ltd"}


def test_records_of_a_contact_follow_the_contacts_scope(base, manager):
    mine = InteractionFactory(contact=base["own"])
    InteractionFactory(contact=base["other"])

    visible = selectors.interactions_visible_to(manager)

    assert list(visible.values_list("pk", flat=True)) == [mine.pk]


def test_a_deactivated_user_sees_nothing(base, head):
    head.is_active = False
    head.save(update_fields=["is_active"])

    assert _visible(head) == set()


@pytest.mark.parametrize(
    ("role", "masked"),
    [("marketer", {"phone", "email"}), ("manager", set()), ("admin_user", set())],
)
def test_masks_by_role(role, masked, request):
    assert selectors.masked_fields_for(request.getfixturevalue(role)) == masked


@pytest.mark.parametrize(
    ("role", "cap"),
    [("manager", 1_000), ("head", 50_000), ("marketer", 100_000), ("operator", 0)],
)
def test_export_caps_by_role(role, cap, request):
    assert selectors.export_cap_for(request.getfixturevalue(role)) == cap


def test_search_finds_a_phone_in_any_format_within_the_scope(base, manager):
    from contacts.models import Phone

    Phone.objects.create(contact=base["own"], number="+79161234567", is_primary=True)
    Phone.objects.create(contact=base["other"], number="+79161234568", is_primary=True)

    found = selectors.contacts_search(manager, "8 (916) 123-45-67")
    hidden = selectors.contacts_search(manager, "+7 916 123-45-68")

    assert [c.pk for c in found] == [base["own"].pk]
    assert hidden == []

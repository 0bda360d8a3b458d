"""The customer base in the extension points: its menu entry, searches, grants, demo data,
card blocks and merge movers."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from contacts import hooks, services
from contacts.models import Contact
from contacts.tests.factories import ContactFactory
from crm.demo import DEMO_LOADERS
from crm.models import Role, Task
from crm.navigation import NAVIGATION, navigation_for
from crm.roles import ROLE_GRANTS, role_permissions
from crm.search import SEARCH_PROVIDERS
from crm.tests.factories import TaskFactory, UserFactory


def card(contact) -> str:
    return reverse("contacts:contact-detail", args=[contact.pk])


def test_the_customer_base_has_its_real_menu_entry_in_the_one_list():
    assert NAVIGATION.keys() == [
        "home",
        "tasks",
        "contacts",
        "leads",
        "lead-new",
        "deals",
        "invoices",
        "products",
        "forecast",
        "tickets",
        "knowledgebase",
        "marketing",
        "reports",
        "messaging",
        "routing",
        "settings",
    ]
    assert NAVIGATION.get("contacts").url_name == "contacts:contact-list"
    assert not NAVIGATION.get("contacts").is_coming_soon


@pytest.mark.django_db
def test_the_list_is_in_the_menu_of_roles_that_may_list_the_base(client):
    manager = UserFactory(role=Role.MANAGER)
    operator = UserFactory(role=Role.OPERATOR)

    assert "contacts:contact-list" in [i.url_name for i in navigation_for(manager)]
    assert "contacts:contact-list" not in [i.url_name for i in navigation_for(operator)]
    client.force_login(manager)
    response = client.get("/area/contacts/")  # a link from before the area was built
    assert response.status_code == 302
    assert response.url == reverse("contacts:contact-list")


def test_clients_come_first_in_the_search_box():
    assert SEARCH_PROVIDERS.keys()[:2] == ["contacts", "companies"]


def test_the_customer_base_adds_its_grants_after_the_core():
    keys = ROLE_GRANTS.keys()
    assert keys[0] == "crm"
    assert "contacts" in keys
    assert {"crm.add_task", "contacts.list_contact"} <= role_permissions(Role.MANAGER)
    assert "contacts.list_contact" not in role_permissions(Role.OPERATOR)


def test_the_demo_customer_base_loads_after_the_core_data_set():
    keys = DEMO_LOADERS.keys()
    # the core first, then the customer base, then everything that builds on clients
    assert keys[:2] == ["core", "contacts"]


def test_merge_movers_cover_everything_hanging_on_a_contact():
    assert set(hooks.MERGE_MOVERS.keys()) == {
        "consents",
        "emails",
        "interactions",
        "phones",
        "purchases",
        "tags",
        "tasks",
        # sales (deals/blocks.py)
        "deals",
        "leads",
        "invoices",
    }


# --- card blocks ---------------------------------------------------------------------------


def _task_about(contact, **fields) -> Task:
    return TaskFactory(
        content_type=ContentType.objects.get_for_model(Contact), object_id=str(contact.pk), **fields
    )


@pytest.mark.django_db
def test_the_card_shows_the_open_tasks_about_the_client(client, manager):
    contact = ContactFactory(owner=manager)
    _task_about(contact, assignee=manager, title="Send the contract to sign")
    _task_about(contact, assignee=manager, title="Old call", status=Task.Status.DONE)
    TaskFactory(assignee=manager, title="About nobody")
    client.force_login(manager)

    html = client.get(card(contact)).content.decode()

    assert "Open tasks" in html
    assert "Send the contract to sign" in html
    assert "Old call" not in html
    assert "About nobody" not in html


@pytest.mark.django_db
def _tasks_block(contact, user):
    [block] = [
        b for b in hooks.card_blocks(contact, user) if b.template == "contacts/_block_tasks.html"
    ]
    return block


def test_the_tasks_block_shows_only_tasks_the_user_may_see(manager, manager2):
    contact = ContactFactory(owner=manager)
    _task_about(contact, assignee=manager2, title="Someone else's")

    # The block is there for both (it holds the quick task form), with only their tasks.
    mine = _tasks_block(contact, manager)
    assert mine.context["tasks"] == []
    block = _tasks_block(contact, manager2)
    assert [t.title for t in block.context["tasks"]] == ["Someone else's"]


@pytest.mark.django_db
def test_card_blocks_come_in_their_registered_order(manager, registry_override):
    contact = ContactFactory(owner=manager)
    _task_about(contact, assignee=manager)
    blocks = registry_override(hooks.CARD_BLOCKS)
    blocks.unregister("deals")  # the sales part's block, not this test's
    blocks.register("late", lambda c, u: hooks.CardBlock("Late", "x.html"), order=900)
    blocks.register("early", lambda c, u: hooks.CardBlock("Early", "x.html"), order=1)
    blocks.register("hidden", lambda c, u: None, order=5)

    titles = [b.title for b in hooks.card_blocks(contact, manager)]

    assert titles == ["Early", "Open tasks", "Late"]


# --- merge movers --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_registered_merge_mover_moves_and_puts_back(head, registry_override):
    keep, drop = ContactFactory(), ContactFactory()
    calls = []
    registry_override(hooks.MERGE_MOVERS).register(
        "deals",
        hooks.MergeMover(
            move=lambda kept, dropped: calls.append(("move", kept.pk, dropped.pk)) or [7],
            undo=lambda kept, dropped, ids: calls.append(("undo", kept.pk, dropped.pk, ids)),
        ),
    )

    merge = services.contact_merge(actor=head, keep=keep, drop=drop)
    services.contact_merge_undo(actor=head, merge=merge)

    assert merge.moved["deals"] == [7]
    assert calls == [("move", keep.pk, drop.pk), ("undo", keep.pk, drop.pk, [7])]

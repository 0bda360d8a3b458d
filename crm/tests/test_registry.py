"""The extension points: one registry shape, filled from ``ready()``, overridable in a test."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from crm.demo import DEMO_LOADERS, demo_load_all
from crm.models import DemoDataset, Role
from crm.navigation import NAVIGATION, NavItem, navigation_for
from crm.registry import Registry
from crm.roles import ROLE_GRANTS, role_allows, role_permissions, roles_sync
from crm.search import SEARCH_PROVIDERS, SearchGroup, SearchHit, search_all
from crm.tests.factories import TaskFactory, UserFactory

# --- the class -----------------------------------------------------------------------------


def test_entries_come_out_by_order_then_key_whatever_the_registration_order():
    registry: Registry[str] = Registry("test")
    registry.register("late", "L", order=200)
    registry.register("b", "B")
    registry.register("a", "A")
    registry.register("first", "F", order=0)

    assert registry.keys() == ["first", "a", "b", "late"]
    assert list(registry) == ["F", "A", "B", "L"]
    assert registry.items()[0] == ("first", "F")
    assert len(registry) == 4
    assert "a" in registry
    assert "z" not in registry


def test_registering_a_key_again_replaces_the_entry_and_its_order():
    registry: Registry[str] = Registry("test")
    registry.register("x", "old", order=1)
    registry.register("y", "Y", order=2)

    registry.register("x", "new", order=3)

    assert registry.items() == [("y", "Y"), ("x", "new")]


def test_get_answers_the_item_or_the_default():
    registry: Registry[str] = Registry("test")
    registry.register("x", "X")

    assert registry.get("x") == "X"
    assert registry.get("nope") is None
    assert registry.get("nope", "fallback") == "fallback"


def test_register_works_as_a_decorator():
    registry: Registry = Registry("test")

    @registry.register("hello", order=5)
    def hello() -> str:
        return "hi"

    assert registry.get("hello") is hello
    assert hello() == "hi"


def test_override_restores_the_registry_even_when_the_block_fails():
    registry: Registry[str] = Registry("test")
    registry.register("kept", "K")

    def change_then_fail() -> None:
        with registry.override():
            registry.register("added", "A")
            registry.register("kept", "replaced")
            assert registry.keys() == ["added", "kept"]
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_then_fail()

    assert registry.items() == [("kept", "K")]


def test_override_can_start_empty():
    registry: Registry[str] = Registry("test")
    registry.register("kept", "K")

    with registry.override(clear=True):
        assert len(registry) == 0
        registry.register("only", "O")
        assert registry.keys() == ["only"]

    assert registry.keys() == ["kept"]


def test_the_fixture_overrides_for_one_test(registry_override):
    registry_override(SEARCH_PROVIDERS, clear=True).register("one", lambda user, q: None)

    assert SEARCH_PROVIDERS.keys() == ["one"]


# --- navigation ----------------------------------------------------------------------------


def test_the_core_entries_frame_the_menu():
    keys = NAVIGATION.keys()

    assert keys[:2] == ["home", "tasks"]
    assert keys[-1] == "settings"
    assert [k for k, item in NAVIGATION.items() if item.is_coming_soon] == [
        "tickets",
        "knowledgebase",
        "marketing",
        "reports",
    ]


@pytest.mark.django_db
def test_navigation_shows_an_entry_only_to_roles_with_its_permission(registry_override):
    manager = UserFactory(role=Role.MANAGER)
    supervisor = UserFactory(role=Role.SUPERVISOR)
    registry_override(NAVIGATION).register(
        "audit", NavItem("Audit", "mail-sink", "gear", permission="crm.view_accesslog")
    )

    assert "Audit" not in [i.label for i in navigation_for(manager)]
    assert "Audit" in [i.label for i in navigation_for(supervisor)]
    assert navigation_for(manager)[0].label == "Home"


@pytest.mark.django_db
def test_an_entry_registered_in_a_test_reaches_the_menu(client, registry_override):
    manager = UserFactory(role=Role.MANAGER)
    registry_override(NAVIGATION).register(
        "audit",
        NavItem("Audit trail", "mail-sink", "gear", permission="crm.view_accesslog"),
        order=85,
    )
    registry_override(NAVIGATION).register("inbox", NavItem("Inbox", "task-list", "inbox"))
    client.force_login(manager)

    html = client.get("/").content.decode()

    assert "Inbox" in html
    assert "Audit trail" not in html  # managers lack the permission


@pytest.mark.django_db
def test_coming_soon_is_shown_only_for_areas_not_built(client, registry_override):
    client.force_login(UserFactory(role=Role.MANAGER))

    assert client.get("/area/tickets/").status_code == 200
    assert client.get("/area/nowhere/").status_code == 404
    # when an app builds the area, its entry replaces the placeholder
    registry_override(NAVIGATION).register("tickets", NavItem("Tickets", "task-list", "inbox"))
    response = client.get("/area/tickets/")
    # then the old link leads to the area itself, and the menu to the real page
    assert response.status_code == 302
    assert response.url == reverse("task-list")
    assert "/area/tickets/" not in client.get("/").content.decode()


# --- search --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_asks_each_registered_provider_in_order(registry_override):
    user = UserFactory(role=Role.MANAGER)
    TaskFactory(assignee=user, title="Ship the order")
    registry_override(SEARCH_PROVIDERS).register(
        "orders",
        lambda user, query: SearchGroup("Orders", [SearchHit(f"Order {query}", "/orders/1/")]),
        order=500,
    )

    groups = search_all(user, "order")

    assert [g.label for g in groups] == ["Orders", "Tasks"]
    assert groups[0].hits[0].title == "Order order"


# --- role grants ---------------------------------------------------------------------------


def test_the_core_grants_come_first():
    assert ROLE_GRANTS.keys()[0] == "crm"
    assert "crm.add_task" in role_permissions(Role.MANAGER)
    assert "crm.view_accesslog" not in role_permissions(Role.MANAGER)


@pytest.mark.django_db
def test_grants_of_a_new_app_reach_the_groups_and_the_menu(registry_override):
    registry_override(ROLE_GRANTS).register("audit", {Role.MANAGER: ["crm.view_accesslog"]})
    manager = UserFactory(role=Role.MANAGER)

    roles_sync()

    group = Group.objects.get(name=Role.MANAGER)
    assert group.permissions.filter(codename="view_accesslog").exists()
    assert role_allows(manager, "crm.view_accesslog")


@pytest.mark.django_db
def test_grants_removed_from_the_code_leave_the_groups(registry_override):
    # given the grants as the code has them, minus contacts'
    registry_override(ROLE_GRANTS, clear=True).register(
        "crm", {Role.MANAGER: ["crm.view_task"]}, order=0
    )

    roles_sync()

    assert list(
        Group.objects.get(name=Role.MANAGER).permissions.values_list("codename", flat=True)
    ) == ["view_task"]


# --- demo loaders --------------------------------------------------------------------------


def test_the_core_data_set_loads_first():
    assert DEMO_LOADERS.keys()[0] == "core"


@pytest.mark.django_db
def test_demo_loaders_run_in_order_once_each(registry_override):
    ran = []
    demo = registry_override(DEMO_LOADERS, clear=True)
    demo.register("second", lambda ctx: ran.append(("second", ctx.password)), order=20)
    demo.register("first", lambda ctx: ran.append(("first", ctx.password)), order=10)

    assert demo_load_all("pw") == ["first", "second"]
    assert demo_load_all("pw") == []

    assert ran == [("first", "pw"), ("second", "pw")]
    assert set(DemoDataset.objects.values_list("name", flat=True)) == {"first", "second"}


@pytest.mark.django_db
def test_a_failing_demo_loader_leaves_nothing_and_runs_again(registry_override):
    def broken(ctx) -> None:
        raise RuntimeError("no")

    registry_override(DEMO_LOADERS, clear=True).register("broken", broken)

    with pytest.raises(RuntimeError):
        demo_load_all("pw")

    assert not DemoDataset.objects.filter(name="broken").exists()


@pytest.mark.django_db
def test_an_entry_can_give_way_to_another_for_roles_that_have_both(registry_override):
    manager = UserFactory(role=Role.MANAGER)
    operator = UserFactory(role=Role.OPERATOR)
    registry_override(NAVIGATION).register(
        "quick",
        NavItem("Quick", "task-list", "plus", permission="crm.add_task", unless="crm.view_team"),
    )
    head = UserFactory(role=Role.HEAD)

    assert "Quick" in [i.label for i in navigation_for(manager)]
    assert "Quick" in [i.label for i in navigation_for(operator)]
    assert "Quick" not in [i.label for i in navigation_for(head)]

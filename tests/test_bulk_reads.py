"""Reading the client base in bulk is an export whatever the door.

The finding (issue 7): a head of sales paged ``GET /api/v1/contacts/?page_size=500`` through
3,000 contacts and a manager with an export cap of 1,000 pulled 1,302 with phones; nothing
was counted. Every API page, list page, search and file is now counted per person and day
against the role's cap (``CONTACT_EXPORT_CAPS``), refused past it, and logged with its size.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db.models import Sum

from contacts.models import Contact, Phone
from crm.models import AccessLog, BulkReadDay, Notification

pytestmark = pytest.mark.django_db


def _contacts(owner, n: int) -> None:
    """``n`` contacts of ``owner`` with a phone each, in two statements."""
    people = Contact.objects.bulk_create(
        [Contact(first_name=f"Client {i}", last_name="Bulk", owner=owner) for i in range(n)]
    )
    Phone.objects.bulk_create(
        [Phone(contact=c, number=f"+7916{i:07d}", is_primary=True) for i, c in enumerate(people)]
    )


def _page_through(client, url: str) -> tuple[set[int], object]:
    """Follow ``next`` until the API stops; the ids shown and the last response."""
    shown: set[int] = set()
    while url:
        response = client.get(url)
        if response.status_code != 200:
            return shown, response
        body = response.json()
        shown |= {row["id"] for row in body["results"]}
        url = body["next"]
    return shown, response


def _logged(user) -> int:
    return (
        AccessLog.objects.filter(user=user)
        .exclude(action=AccessLog.Action.VIEW)
        .aggregate(n=Sum("record_count"))["n"]
        or 0
    )


def test_a_head_paging_the_api_stops_at_the_daily_cap(settings, api_client_for, head, manager):
    settings.CONTACT_EXPORT_CAPS = {**settings.CONTACT_EXPORT_CAPS, "head_of_sales": 2_000}
    _contacts(manager, 3_000)
    shown, refused = _page_through(
        api_client_for(head, token=True), "/api/v1/contacts/?page_size=500"
    )
    assert len(shown) == 2_000
    assert refused.status_code == 403
    assert "2000" in refused.json()["detail"] or "2 000" in refused.json()["detail"]
    assert _logged(head) == len(shown)
    assert BulkReadDay.objects.get(user=head).record_count == 2_000


def test_a_manager_with_cap_1000_pulls_no_more_than_1000(api_client_for, manager):
    _contacts(manager, 1_302)
    client = api_client_for(manager, token=True)
    shown, refused = _page_through(client, "/api/v1/contacts/?page_size=500")
    assert len(shown) == 1_000
    assert refused.status_code == 403
    assert _logged(manager) == 1_000
    # The same day's budget is spent for every door: the staff list shows a message and no
    # rows, a search is refused, and so is a file.
    client.force_login(manager)
    page = client.get("/contacts/")
    assert page.status_code == 429
    assert page.context["contacts"] == []
    assert "+7 916" not in page.content.decode()
    assert client.get("/api/v1/contacts/?search=Bulk").status_code == 403
    assert client.get("/api/v1/phones/").status_code == 403
    # (a file of the whole base is over the one-export cap already; a small one is refused too)
    export = client.get("/contacts/export/?format=csv&q=Client+12")
    assert export.status_code == 429
    assert _logged(manager) == 1_000


def test_staff_list_pages_and_searches_count_towards_the_cap(settings, client, manager):
    settings.CONTACT_EXPORT_CAPS = {**settings.CONTACT_EXPORT_CAPS, "sales_manager": 120}
    _contacts(manager, 130)
    client.force_login(manager)
    first = client.get("/contacts/")
    assert first.status_code == 200
    second = client.get("/contacts/?q=Bulk")  # a search: 50 best matches
    assert second.status_code == 200
    third = client.get(first.context["next_url"])  # 50 more would pass 120
    assert third.status_code == 429
    assert third.context["contacts"] == []
    assert _logged(manager) == 100


def test_an_export_counts_with_the_pages_read_the_same_day(settings, client, marketer, manager):
    settings.CONTACT_EXPORT_CAPS = {**settings.CONTACT_EXPORT_CAPS, "marketer": 140}
    _contacts(manager, 100)
    client.force_login(marketer)
    export = client.get("/contacts/export/?format=csv")
    assert export.status_code == 200
    b"".join(export.streaming_content)
    assert client.get("/contacts/").status_code == 429  # 100 + a page of 50 would pass 140
    assert _logged(marketer) == 100


def test_the_unlimited_permission_is_given_by_name_and_still_logged(
    settings, api_client_for, manager
):
    assert not any(
        "bulk_read_unlimited" in str(p) for p in manager.groups.values_list("permissions__codename")
    )
    settings.CONTACT_EXPORT_CAPS = {**settings.CONTACT_EXPORT_CAPS, "sales_manager": 100}
    _contacts(manager, 300)
    manager.user_permissions.add(Permission.objects.get(codename="bulk_read_unlimited"))
    shown, last = _page_through(
        api_client_for(manager, token=True), "/api/v1/contacts/?page_size=200"
    )
    assert last.status_code == 200
    assert len(shown) == 300
    assert _logged(manager) == 300


def test_records_read_in_bulk_raise_the_mass_viewing_alert(
    settings, api_client_for, admin_user, head, manager
):
    settings.ACCESS_ALERT_THRESHOLD_PER_HOUR = 100
    _contacts(manager, 150)
    response = api_client_for(head, token=True).get("/api/v1/contacts/?page_size=150")
    assert response.status_code == 200
    assert Notification.objects.filter(recipient=admin_user, kind="security-alert").count() == 1


def test_list_pages_keep_a_fixed_number_of_queries(
    settings, client, api_client_for, head, manager, django_assert_max_num_queries
):
    _contacts(manager, 120)
    client.force_login(head)
    api = api_client_for(head, token=True)
    with django_assert_max_num_queries(22):
        assert client.get("/contacts/").status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get("/contacts/?q=Bulk").status_code == 200
    with django_assert_max_num_queries(16):
        assert api.get("/api/v1/contacts/?page_size=100").status_code == 200

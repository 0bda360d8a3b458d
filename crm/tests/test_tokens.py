"""API tokens: several named ones per person, stored hashed, expiring when idle and at a fixed
age, revocable through the API and the profile, all revoked on a new password or a
deactivation."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm import services
from crm.models import ApiToken

pytestmark = pytest.mark.django_db

ME_URL = "/api/v1/me/"
TOKENS_URL = "/api/v1/auth/tokens/"
TOKEN_URL = "/api/v1/auth/token/"


def _get(client, key: str, url: str = ME_URL):
    return client.get(url, HTTP_AUTHORIZATION=f"Token {key}")


# --- stored hashed -------------------------------------------------------------------------


def test_the_key_is_not_stored_in_clear(manager):
    token, key = services.api_token_create(actor=manager, user=manager, name="Telephony")

    token.refresh_from_db()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM crm_apitoken")
        row = cursor.fetchone()
    assert key not in [str(value) for value in row]
    assert len(key) >= 40


def test_the_old_clear_text_token_table_is_gone():
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('authtoken_token')")
        assert cursor.fetchone() == (None,)


# --- expiry --------------------------------------------------------------------------------


def test_a_token_unused_for_the_idle_time_is_refused(client, manager):
    token, key = services.api_token_create(actor=manager, user=manager, name="Idle")
    assert _get(client, key).status_code == 200

    # the clock moves: the token was last used a day longer ago than allowed
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - dt.timedelta(days=settings.API_TOKEN_IDLE_DAYS, hours=1)
    )

    response = _get(client, key)
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid or expired token."


def test_a_token_used_every_day_still_ends_at_its_absolute_expiry(client, manager):
    token, key = services.api_token_create(actor=manager, user=manager, name="Busy")
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - dt.timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS),
        last_used_at=timezone.now() - dt.timedelta(hours=1),  # used an hour ago
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )

    assert _get(client, key).status_code == 401


def test_a_new_token_expires_after_the_configured_age(manager):
    before = timezone.now()
    token, _key = services.api_token_create(actor=manager, user=manager, name="Age")

    assert token.expires_at - before >= dt.timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)
    assert token.expires_at - before < dt.timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS, minutes=1)


def test_last_use_is_written_at_most_once_a_minute(client, manager):
    token, key = services.api_token_create(actor=manager, user=manager, name="Touch")
    five_minutes_ago = timezone.now() - dt.timedelta(minutes=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=five_minutes_ago)

    # first use in five minutes: written
    assert _get(client, key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > five_minutes_ago
    touched = token.last_used_at

    # used again at once: the token and its user are read, nothing is written
    with CaptureQueriesContext(connection) as queries:
        assert _get(client, key).status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "UPDATE" in q["sql"]]
    token.refresh_from_db()
    assert token.last_used_at == touched


def test_a_deactivated_users_token_is_refused(client, manager):
    _token, key = services.api_token_create(actor=manager, user=manager, name="Leaver")
    type(manager).objects.filter(pk=manager.pk).update(is_active=False)  # even past signals

    assert _get(client, key).status_code == 401


# --- through the API -----------------------------------------------------------------------


def test_tokens_are_listed_made_and_revoked_through_the_api(api_client_for, client, manager):
    api = api_client_for(manager, token=True)

    made = api.post(TOKENS_URL, {"name": "Telephony"}, format="json")
    assert made.status_code == 201
    key = made.json()["token"]
    assert _get(client, key).status_code == 200

    listed = api.get(TOKENS_URL).json()["results"]
    assert [t["name"] for t in listed] == ["Telephony", "test"]
    assert all("token" not in t and "key_hash" not in t for t in listed)
    assert listed[0]["prefix"] == key[:8]

    revoked = api.delete(f"{TOKENS_URL}{made.json()['id']}/")
    assert revoked.status_code == 204
    assert _get(client, key).status_code == 401
    assert [t["name"] for t in api.get(TOKENS_URL).json()["results"]] == ["test"]


def test_nobody_sees_or_revokes_another_persons_tokens(api_client_for, manager, manager2):
    theirs, _key = services.api_token_create(actor=manager2, user=manager2, name="Theirs")
    api = api_client_for(manager, token=True)

    assert theirs.pk not in [t["id"] for t in api.get(TOKENS_URL).json()["results"]]
    assert api.delete(f"{TOKENS_URL}{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_delete_on_the_token_endpoint_revokes_the_token_used(api_client_for, client, manager):
    api = api_client_for(manager, token=True)
    _other, other_key = services.api_token_create(actor=manager, user=manager, name="Other")

    response = api.delete(TOKEN_URL)

    assert response.status_code == 204
    assert api.get(ME_URL).status_code == 401
    assert _get(client, other_key).status_code == 200  # the person's other tokens stay


def test_delete_on_the_token_endpoint_needs_a_token(api_client):
    response = api_client.delete(TOKEN_URL)

    assert response.status_code == 401
    assert set(response.json()) == {"status", "code", "detail", "fields"}


def test_a_token_can_be_named_when_it_is_asked_for(api_client, manager, password):
    response = api_client.post(
        TOKEN_URL,
        {"email": manager.email, "password": password, "name": "Nightly export"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Nightly export"


# --- in the profile ------------------------------------------------------------------------


def test_the_profile_lists_makes_and_revokes_tokens(client, manager):
    client.force_login(manager)
    old, old_key = services.api_token_create(actor=manager, user=manager, name="Old script")

    page = client.get("/settings/").content.decode()
    assert "Old script" in page
    assert old.prefix in page
    assert old_key not in page

    made = client.post("/settings/tokens/", {"name": "Telephony"})
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    new = ApiToken.objects.get(user=manager, name="Telephony")
    html = made.content.decode()
    start = html.index('id="new-token-key">') + len('id="new-token-key">')
    new_key = html[start : html.index("<", start)]
    assert new_key.startswith(new.prefix)
    assert _get(client, new_key).status_code == 200
    assert new_key not in client.get("/settings/").content.decode()  # shown once

    revoked = client.post(f"/settings/tokens/{old.pk}/revoke/")
    assert revoked.status_code == 302
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert f'data-token="{old.pk}"' not in client.get("/settings/").content.decode()


def test_the_profile_cannot_revoke_another_persons_token(client, manager, manager2):
    theirs, _key = services.api_token_create(actor=manager2, user=manager2, name="Theirs")
    client.force_login(manager)

    assert client.post(f"/settings/tokens/{theirs.pk}/revoke/").status_code == 404


def test_a_token_needs_a_name_in_the_profile(client, manager):
    client.force_login(manager)

    response = client.post("/settings/tokens/", {"name": ""})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


# --- revoked on a new password and on deactivation ------------------------------------------


@pytest.fixture
def two_tokens(manager):
    return [services.api_token_create(actor=manager, user=manager, name=n)[1] for n in "ab"]


def _all_refused(client, keys) -> bool:
    return all(_get(client, key).status_code == 401 for key in keys)


def test_changing_the_password_on_the_page_revokes_every_token(
    client, manager, password, two_tokens
):
    client.force_login(manager)

    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": password,
            "new_password1": "Fresh-pass-2024!",
            "new_password2": "Fresh-pass-2024!",
        },
    )

    assert response.status_code == 302
    assert _all_refused(client, two_tokens)


def test_an_admin_setting_the_password_revokes_every_token(
    admin_client, client, manager, two_tokens
):
    response = admin_client.post(
        f"/admin/crm/user/{manager.pk}/password/",
        {
            "password1": "Fresh-pass-2024!",
            "password2": "Fresh-pass-2024!",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    assert _all_refused(client, two_tokens)


def test_set_password_in_code_revokes_every_token(client, manager, two_tokens):
    manager.set_password("Fresh-pass-2024!")
    manager.save()

    assert _all_refused(client, two_tokens)


def test_saving_the_user_without_a_new_password_keeps_the_tokens(client, manager, two_tokens):
    manager.first_name = "Renamed"
    manager.save()
    manager.last_login = timezone.now()
    manager.save(update_fields=["last_login"])

    assert all(_get(client, key).status_code == 200 for key in two_tokens)


def test_deactivating_the_user_revokes_every_token(client, manager, two_tokens):
    manager.is_active = False
    manager.save()

    assert ApiToken.objects.filter(user=manager, revoked_at__isnull=True).count() == 0
    manager.is_active = True
    manager.save()
    assert _all_refused(client, two_tokens)  # reactivating does not bring them back


def test_an_admin_revokes_a_persons_tokens_from_the_user_list(
    admin_client, client, manager, two_tokens
):
    response = admin_client.post(
        "/admin/crm/user/",
        {"action": "revoke_api_tokens", "_selected_action": [manager.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert _all_refused(client, two_tokens)

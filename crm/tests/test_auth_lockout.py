"""Password guessing is stopped on every door that takes a password, without letting a
guesser lock the account's owner out: the staff login, the admin login, the token endpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone

from crm.http import client_ip

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
ADMIN_LOGIN_URL = "/admin/login/"
TOKEN_URL = "/api/v1/auth/token/"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


def _login(client, email: str, password: str, *, address: str = ATTACKER, **headers):
    return client.post(
        LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR=address, **headers
    )


def _failures_counted(**filters) -> int:
    return sum(a.failures_since_start for a in AccessAttempt.objects.filter(**filters))


def _age_attempts(minutes: float) -> None:
    """Move the clock of every recorded failure back, as if ``minutes`` had passed."""
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=minutes))


# --- the staff login -----------------------------------------------------------------------


def test_sixty_wrong_passwords_are_refused_then_locked(client, manager):
    # when a guesser sends 60 wrong passwords from one address
    statuses = [_login(client, manager.email, f"guess-{i}").status_code for i in range(60)]

    # then the first ones are refused as wrong and the rest locked out, with a page not a 500
    limit = settings.LOGIN_FAILURE_LIMIT
    assert statuses[: limit - 1] == [200] * (limit - 1)
    assert statuses[limit - 1 :] == [429] * (60 - limit + 1)
    # only the passwords actually checked count: knocking on a locked door does not
    assert _failures_counted(username=manager.email) == limit


def test_the_lockout_page_says_what_happened(client, manager, password):
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, manager.email, f"guess-{i}")

    response = _login(client, manager.email, password)

    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.LOGIN_COOLOFF_MINUTES * 60)
    assert 'id="locked-out"' in response.content.decode()
    assert client.get("/").status_code == 302  # the right password did not sign in from there


def test_the_owner_signs_in_from_their_own_address_while_the_guesser_is_locked(
    client, manager, password
):
    for i in range(60):
        _login(client, manager.email, f"guess-{i}")

    response = _login(client, manager.email, password, address=OWNER)

    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == manager


def test_a_forged_forwarded_for_does_not_walk_past_the_lockout(client, manager, password):
    # given no proxy of ours in front (TRUSTED_PROXY_COUNT = 0), each guess claims another address
    statuses = [
        _login(
            client, manager.email, f"guess-{i}", HTTP_X_FORWARDED_FOR=f"10.0.{i // 250}.{i % 250}"
        ).status_code
        for i in range(30)
    ]

    assert statuses[-20:] == [429] * 20
    assert _login(client, manager.email, password, HTTP_X_FORWARDED_FOR=OWNER).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_one_locked(
    client, manager, password, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.1.1.1"
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        _login(
            client,
            manager.email,
            f"guess-{i}",
            address=proxy,
            HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, {ATTACKER}",  # what the client wrote, then ours
        )

    locked = _login(client, manager.email, password, address=proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    owner = _login(client, manager.email, password, address=proxy, HTTP_X_FORWARDED_FOR=OWNER)

    assert locked.status_code == 429
    assert owner.status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, manager, password):
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, manager.email, f"guess-{i}")
    assert _login(client, manager.email, password).status_code == 429

    _age_attempts(settings.LOGIN_COOLOFF_MINUTES + 1)

    assert _login(client, manager.email, password).status_code == 302


def test_an_address_spraying_many_accounts_is_locked(client, manager, password, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    for i in range(12):
        _login(client, f"someone-{i}@example.com", "guess")

    assert _login(client, manager.email, password).status_code == 429
    assert _login(client, manager.email, password, address=OWNER).status_code == 302


# --- one account, many addresses -----------------------------------------------------------


def test_guesses_from_rotating_addresses_are_capped_per_account(client, manager, password):
    # given the owner signed in from their office before
    assert _login(client, manager.email, password, address=OWNER).status_code == 302
    client.logout()

    # when a guesser rotates addresses, staying under each address's limit
    statuses = [
        _login(client, manager.email, f"guess-{i}", address=f"203.0.113.{i // 5}").status_code
        for i in range(60)
    ]

    # then the account takes no more guesses than its limit within the cool-off: at most
    # limit × (60 / cool-off) an hour, which is 100 with the defaults
    cap = settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    assert cap * 60 // settings.LOGIN_COOLOFF_MINUTES <= 100
    assert _failures_counted(username=manager.email) == cap
    # (the guess that reaches the limit is checked, and already answered as locked)
    assert statuses.count(429) == 60 - cap + 1
    # a new address is refused even with the right password…
    assert _login(client, manager.email, password, address="192.0.2.200").status_code == 429
    # …but the owner at their usual address is not locked out by strangers
    assert _login(client, manager.email, password, address=OWNER).status_code == 302
    client.logout()
    # and the account lock is short: one cool-off after the last guess it has lifted
    _age_attempts(settings.LOGIN_COOLOFF_MINUTES + 1)
    assert _login(client, manager.email, password, address="192.0.2.200").status_code == 302


# --- the admin unlocks ---------------------------------------------------------------------


def test_an_admin_unlocks_an_account_from_the_user_list(client, admin_client, manager, password):
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, manager.email, f"guess-{i}")
    assert _login(client, manager.email, password).status_code == 429

    response = admin_client.post(
        "/admin/crm/user/",
        {"action": "unlock_sign_in", "_selected_action": [manager.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert not AccessAttempt.objects.filter(username=manager.email).exists()
    assert _login(client, manager.email, password).status_code == 302


def test_an_admin_unlocks_by_deleting_the_access_attempts(client, admin_client, manager, password):
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, manager.email, f"guess-{i}")
    attempt = AccessAttempt.objects.get(username=manager.email)

    listed = admin_client.get("/admin/axes/accessattempt/")
    deleted = admin_client.post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}, follow=True
    )

    assert listed.status_code == 200
    assert manager.email in listed.content.decode()
    assert deleted.status_code == 200
    assert _login(client, manager.email, password).status_code == 302


def test_only_an_admin_may_unlock(manager, head):
    from django.core.exceptions import PermissionDenied

    from crm import services

    with pytest.raises(PermissionDenied):
        services.login_lockout_clear(actor=head, user=manager)


# --- the admin login and the token endpoint ------------------------------------------------


def test_the_admin_login_is_locked_too(client, admin_user, password):
    for i in range(settings.LOGIN_FAILURE_LIMIT - 1):
        response = client.post(
            ADMIN_LOGIN_URL,
            {"username": admin_user.email, "password": f"guess-{i}"},
            REMOTE_ADDR=ATTACKER,
        )
        assert response.status_code == 200
    last = client.post(
        ADMIN_LOGIN_URL, {"username": admin_user.email, "password": "x"}, REMOTE_ADDR=ATTACKER
    )
    right = client.post(
        ADMIN_LOGIN_URL, {"username": admin_user.email, "password": password}, REMOTE_ADDR=ATTACKER
    )

    assert last.status_code == 429
    assert right.status_code == 429


def test_the_token_endpoint_locks_with_the_api_error_format(api_client, manager, password):
    def ask(secret: str, address: str = ATTACKER, **headers):
        body = {"email": manager.email, "password": secret}
        return api_client.post(TOKEN_URL, body, format="json", REMOTE_ADDR=address, **headers)

    limit = settings.LOGIN_FAILURE_LIMIT
    wrong = [ask(f"guess-{i}", HTTP_X_FORWARDED_FOR=f"10.9.9.{i}") for i in range(limit)]
    locked = ask(password)
    owner = ask(password, address=OWNER)

    assert [r.status_code for r in wrong] == [400] * (limit - 1) + [429]
    assert locked.status_code == 429
    assert locked.json() == {
        "status": 429,
        "code": "locked_out",
        "detail": "Too many failed sign-ins: try again later.",
        "fields": {},
    }
    assert owner.status_code == 200


def test_the_token_throttle_is_not_walked_past_with_forwarded_for(api_client, manager, password):
    answers = [
        api_client.post(
            TOKEN_URL,
            {"email": manager.email, "password": password},
            format="json",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"10.8.0.{i}",
        ).status_code
        for i in range(21)
    ]

    assert answers[:20] == [200] * 20
    assert answers[20] == 429
    # another client is not throttled by the first one's requests
    assert (
        api_client.post(
            TOKEN_URL,
            {"email": manager.email, "password": password},
            format="json",
            REMOTE_ADDR=OWNER,
        ).status_code
        == 200
    )


# --- the client address --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, "192.0.2.1"),
        (0, "6.6.6.6", "192.0.2.1"),
        (1, "6.6.6.6, 198.51.100.9", "198.51.100.9"),
        (2, "6.6.6.6, 198.51.100.9, 10.0.0.2", "198.51.100.9"),
        (2, "198.51.100.9", "198.51.100.9"),
        (1, None, "192.0.2.1"),
    ],
)
def test_client_ip_follows_the_trusted_proxy_count(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", **headers)

    assert client_ip(request) == expected


def test_drf_throttles_count_proxies_as_the_setting_says():
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT
    assert settings.AXES_CLIENT_IP_CALLABLE == "crm.http.client_ip"


def test_old_sign_in_records_are_purged(client, manager, password):
    from axes.models import AccessLog as SignInLog

    from crm.tasks import purge_sign_in_records

    _login(client, manager.email, "wrong")
    _login(client, manager.email, password, address=OWNER)
    SignInLog.objects.update(
        attempt_time=timezone.now() - dt.timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS + 1)
    )
    _age_attempts(settings.LOGIN_COOLOFF_MINUTES + 1)

    assert purge_sign_in_records() == 2
    assert not SignInLog.objects.exists()
    assert not AccessAttempt.objects.exists()

"""Login lockout: which failures refuse a sign-in, on top of django-axes' records.

Every door that takes a password (the staff login, the admin login, the API token endpoint)
calls ``django.contrib.auth.authenticate``; axes' backend refuses a locked request before any
password is checked, and its signal handler records each failure (``axes.AccessAttempt``: one
row per account, address and browser). This handler decides what "locked" means:

- the (account, address) pair after ``LOGIN_FAILURE_LIMIT`` failures: the guesser is stopped,
  the account's owner elsewhere is not;
- the address after ``LOGIN_ADDRESS_FAILURE_LIMIT`` failures over any accounts: one address
  spraying passwords over many accounts (higher, since a whole office may share one address);
- the account from every address after ``LOGIN_ACCOUNT_FAILURE_LIMIT`` failures: a guesser
  rotating addresses. This lock spares the addresses the account signed in from within
  ``LOGIN_KNOWN_ADDRESS_DAYS``, so a stranger cannot lock the owner out, and it lasts one
  cool-off at most: the limit over the cool-off is the most guesses an account takes per hour.

Each lock lifts ``LOGIN_COOLOFF_MINUTES`` after the last counted failure; a request refused
while locked is not counted (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False``), so
knocking on a locked door does not keep it shut. An admin lifts a lock at once by deleting the
access attempts in the admin ("Access attempts", or the "Unlock sign-in" action on users).
"""

from __future__ import annotations

import datetime as dt

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone


def username_of(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The account a sign-in names, written one way (the login is case-insensitive), so that
    ``Manager@Example.com`` and ``manager@example.com`` count as the same account."""
    # Django's signal names it "username" (the keyword of authenticate()); axes' backend, the
    # user model's USERNAME_FIELD ("email").
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("email")
    if value is None:
        data = getattr(request, "data", None) or request.POST
        value = data.get("username") or data.get("email")
    if not isinstance(value, str):
        return None
    return value.strip().lower() or None


def _failures(attempts) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LockoutHandler(AxesDatabaseHandler):
    def _since(self) -> dt.datetime:
        return timezone.now() - dt.timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)

    def get_failures(self, request, credentials: dict | None = None) -> int:
        # What axes compares with AXES_FAILURE_LIMIT (= LOGIN_FAILURE_LIMIT): the failures of
        # this account from this address. The other locks are checked in is_locked.
        pair, _address = self.get_user_attempts(request, credentials)
        return _failures(pair)

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        pair, address = self.get_user_attempts(request, credentials)
        if _failures(pair) >= settings.LOGIN_FAILURE_LIMIT:
            return True
        if _failures(address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return True
        return self.account_locked(request, credentials)

    def account_locked(self, request, credentials: dict | None = None) -> bool:
        username = get_client_username(request, credentials)
        if not username:
            return False
        # Rows whose last failure is within the cool-off; a row may hold older failures too,
        # which only makes the count stricter.
        recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=self._since())
        if _failures(recent) < settings.LOGIN_ACCOUNT_FAILURE_LIMIT:
            return False
        known_since = timezone.now() - dt.timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
        known_address = AccessLog.objects.filter(
            username=username,
            ip_address=request.axes_ip_address,
            attempt_time__gte=known_since,
        ).exists()
        return not known_address

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        # Axes flags the failure that reaches the pair's limit; the address and account
        # limits are ours, and the failure that reaches one of them is answered as locked too.
        if (
            request is not None
            and not request.axes_locked_out
            and self.is_locked(request, credentials)
        ):
            request.axes_locked_out = True
            request.axes_credentials = credentials

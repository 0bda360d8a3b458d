"""``Authorization: Token <key>`` with the project's tokens (crm.ApiToken): hashed, named,
several per person, expiring when idle and at a fixed age, revocable."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .. import services


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = services.api_token_authenticate(key=key)
        if token is None:
            # One answer for unknown, revoked and expired keys: the caller learns only that
            # this key no longer opens anything.
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        return token.user, token

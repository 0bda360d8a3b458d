"""Small request helpers every app's views share."""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, for the access log.

    REMOTE_ADDR only: behind a proxy, the proxy (or gunicorn's ``--forwarded-allow-ips``) sets
    it; a client-supplied X-Forwarded-For is never trusted for evidence.
    """
    return request.META.get("REMOTE_ADDR") or None

"""Small request helpers every app's views share."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, for the access log.

    REMOTE_ADDR only: behind a proxy, the proxy (or gunicorn's ``--forwarded-allow-ips``) sets
    it; a client-supplied X-Forwarded-For is never trusted for evidence.
    """
    return request.META.get("REMOTE_ADDR") or None


def safe_next(request: HttpRequest, fallback: str, *, use_referer: bool = False) -> str:
    """Where to send the person after a POST: their ``next`` when it stays on this site.

    Every view that follows ``next`` asks here, so that ``next=https://evil.example/phish``
    (or ``//evil.example``, ``/\\evil.example``, ``javascript:…``) cannot turn a link to the
    CRM into a redirect elsewhere (an open redirect, the phishing helper). ``fallback`` is a
    URL or a URL name; with ``use_referer`` the Referer header, checked the same way, comes
    before it. Over HTTPS an ``http:`` target on the same host is refused too.
    """
    candidates = [request.POST.get("next"), request.GET.get("next")]
    if use_referer:
        candidates.append(request.META.get("HTTP_REFERER"))
    for target in candidates:
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
    return resolve_url(fallback)

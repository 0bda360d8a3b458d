"""Small request helpers every app's views share."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from: for the access log, the login lockout and (with
    the same rule, through DRF's ``NUM_PROXIES``) the API throttles.

    With ``TRUSTED_PROXY_COUNT = 0`` it is the connection's address and X-Forwarded-For is
    ignored: anybody can write that header, and an address a client chooses would let it walk
    past a lockout or a throttle. Behind N proxies of our own, each appends the address it
    received the request from, so the N-th entry from the right is the one the outermost
    proxy saw; whatever the client wrote stands further left and is never read.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote
    chain = [part.strip() for part in forwarded.split(",")]
    # Same rule as rest_framework.throttling.SimpleRateThrottle.get_ident.
    return chain[-min(proxies, len(chain))] or remote


def rate_limited(scope: str, ident: str, *, limit: int, period: int) -> bool:
    """Count one more request of ``ident`` in ``scope``; true once more than ``limit`` were
    made in the current window of ``period`` seconds (a fixed window in the shared cache)."""
    key = f"rate:{scope}:{ident}"
    # add() only sets a missing key, so the window starts at the first request and is not
    # moved by later ones; incr() is atomic in Redis, so concurrent requests all count.
    cache.add(key, 0, timeout=period)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.add(key, 1, timeout=period)
        count = 1
    return count > limit


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

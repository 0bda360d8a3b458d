"""Every route of the URL configuration, read from the resolver: what the permission matrix
and the masking crawl walk, so that a new route cannot be left out of them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the whole pattern when the route has no name
    pattern: str  # the whole path pattern, prefixes of the includes and all
    params: tuple[str, ...]  # the names of the path's parameters


def _params(patterns: list) -> tuple[str, ...]:
    names: list[str] = []
    for part in patterns:
        if isinstance(part, RoutePattern):
            names += list(part.converters)
        elif isinstance(part, RegexPattern):
            names += list(part.regex.groupindex)
    return tuple(names)


def routes(
    resolver: URLResolver | None = None,
    prefix: str = "",
    namespace: str = "",
    parents: tuple = (),
) -> Iterator[Route]:
    """Walk the URL configuration recursively, with namespaces and the prefixes of includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from routes(entry, pattern, inner, (*parents, entry.pattern))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(
                name=name or pattern,
                pattern=pattern,
                params=_params([*parents, entry.pattern]),
            )

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .navigation import navigation_for


def _nav_items(request) -> list[dict]:
    path = request.path
    items = []
    for item in navigation_for(request.user):
        url = reverse(item.url_name, kwargs=item.url_kwargs or None)
        matches = path.startswith(url) and (url != "/" or path == "/")
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": matches})
    # Areas nest (/deals/leads/ inside /deals/): only the closest one is the current page, or
    # the menu would mark two entries, and announce both as the current page.
    closest = max((len(i["url"]) for i in items if i["active"]), default=0)
    for entry in items:
        entry["active"] = entry["active"] and len(entry["url"]) == closest
    return items


def shell(request):
    """What the base layout needs on every page.

    The navigation is a callable, so partials that never show it (the bell, search results)
    do not pay for it: templates call it only where it is used.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "languages": settings.LANGUAGES}
    return {
        "nav_items": lambda: _nav_items(request),
        "languages": settings.LANGUAGES,
        "search_placeholder": _("Search clients, deals, tickets…"),
    }

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .navigation import navigation_for


def shell(request):
    """What the base layout needs on every page: the navigation of the user's areas."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "languages": settings.LANGUAGES}
    path = request.path
    items = []
    for item in navigation_for(user):
        url = reverse(item.url_name, kwargs=item.url_kwargs or None)
        items.append(
            {
                "label": item.label,
                "url": url,
                "icon": item.icon,
                "active": path.startswith(url) and (url != "/" or path == "/"),
            }
        )
    return {
        "nav_items": items,
        "languages": settings.LANGUAGES,
        "search_placeholder": _("Search clients, deals, tickets…"),
    }

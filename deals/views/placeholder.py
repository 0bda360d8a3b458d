"""Until a part of sales is built, its menu entry opens the core's "coming soon" page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


@login_required
def coming_soon(request, **kwargs):
    return render(request, "crm/area_coming.html", {"area": "deals", "area_label": _("Sales")})

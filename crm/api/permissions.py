"""Who may call what: the role's permission for each method, declared on the viewset.

Sentry's ``scope_map`` is the model: a viewset says which permission each HTTP method needs,
and this one class checks it for every app, reads included (DRF's own
``DjangoModelPermissions`` lets every read through)::

    permission_map = model_permissions(Phone, DELETE="change")
    # {"GET": "contacts.view_phone", "POST": "contacts.add_phone", …,
    #  "DELETE": "contacts.change_phone"}

A key may also be an extra action's name (``{"status": "crm.change_task"}``), which wins over
its method. ``None`` as a permission means "any signed-in user": the viewset's selector alone
decides which rows they get. A method the map does not name is refused (fail closed).
"""

from __future__ import annotations

from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

VERBS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}

PermissionMap = dict[str, str | None]


def model_permissions(model: type[Model], **verbs: str) -> PermissionMap:
    """The map of Django's model permissions for ``model``: view for reads, add for POST,
    change for PUT and PATCH, delete for DELETE; ``verbs`` changes a method's verb
    (``DELETE="change"``)."""
    meta = model._meta
    return {
        method: f"{meta.app_label}.{verbs.get(method, verb)}_{meta.model_name}"
        for method, verb in VERBS.items()
    }


def required_permission(view, request) -> tuple[bool, str | None]:
    """(known, permission) for this request on ``view``: unknown methods are refused."""
    permission_map: PermissionMap = getattr(view, "permission_map", {})
    action = getattr(view, "action", None)
    for key in (action, request.method):
        if key and key in permission_map:
            return True, permission_map[key]
    if request.method in ("HEAD", "OPTIONS") and "GET" in permission_map:
        return True, permission_map["GET"]
    return False, None


class RolePermission(permissions.BasePermission):
    """The permission ``view.permission_map`` names for the method, then the list rule.

    Listing can be listing a whole client base: a viewset that sets ``list_permission`` answers
    a list to a user without it only when narrowed by one of ``list_narrowed_by`` (a search,
    or one record's parts), e.g. an operator finding a caller without paging through everyone.
    """

    list_refused = _(
        "Your role cannot list the client base: search for a client, or open one client's records."
    )

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        known, needed = required_permission(view, request)
        if not known:
            # A method the viewset does not serve answers 405 further on; one it serves but
            # does not map is refused.
            return request.method not in getattr(view, "allowed_methods", ())
        if needed is not None and not user.has_perm(needed):
            return False
        list_permission = getattr(view, "list_permission", None)
        if (
            list_permission
            and getattr(view, "action", None) == "list"
            and not any(
                request.query_params.get(p, "").strip()
                for p in getattr(view, "list_narrowed_by", ())
            )
            and not user.has_perm(list_permission)
        ):
            raise exceptions.PermissionDenied(self.list_refused)
        return True

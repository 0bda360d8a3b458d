"""Serializer fields every app's API shares."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


# Every model of the project has an integer key; a serializer without a model (an action's
# input) would otherwise leave the schema to guess a string.
@extend_schema_field(OpenApiTypes.INT)
class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key accepted only among the records the requesting user may see.

    ``scope(user) -> queryset`` is one of the app's selectors, so an id the user cannot open
    is answered like an id that does not exist (no hint that it does).
    """

    def __init__(self, scope: Callable[..., QuerySet], **kwargs) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.scope(self.context["request"].user)

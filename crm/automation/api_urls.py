"""The automation API (namespace automation-api)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api.views import routes

router = SimpleRouter()
for prefix, viewset, basename in routes:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [path("", include(router.urls))]

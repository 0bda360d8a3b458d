"""The sales API, a module per part under ``deals/api/``; each adds its viewsets to the one
router (``routes``) and may add plain paths (``urlpatterns``)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api import deals, forecast, invoices, leads, products

router = SimpleRouter()
parts = (deals, leads, products, invoices, forecast)
for part in parts:
    for prefix, viewset, basename in part.routes:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    *(p for part in parts for p in part.urlpatterns),
    path("", include(router.urls)),
]

"""The sales pages, a module per part; every name is in the ``deals`` namespace."""

from django.urls import include, path

app_name = "deals"

urlpatterns = [
    path("", include("deals.urls.board")),
    path("leads/", include("deals.urls.leads")),
    path("products/", include("deals.urls.products")),
    path("invoices/", include("deals.urls.invoices")),
    path("forecast/", include("deals.urls.forecast")),
    path("automation/", include("deals.urls.robots")),
    path("generator/", include("deals.urls.generator")),
]

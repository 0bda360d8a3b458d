from django.urls import path

from deals.views.placeholder import coming_soon

urlpatterns = [
    path("", coming_soon, name="invoice-list"),
]

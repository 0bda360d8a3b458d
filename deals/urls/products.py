from django.urls import path

from deals.views import products as views

urlpatterns = [
    path("", views.product_list, name="product-list"),
    path("new/", views.product_create, name="product-create"),
    path("<int:pk>/edit/", views.product_edit, name="product-edit"),
    path("deal/<int:deal_pk>/lines/", views.deal_line_add, name="deal-line-add"),
    path("lines/<int:pk>/", views.deal_line_edit, name="deal-line-edit"),
    path("lines/<int:pk>/remove/", views.deal_line_remove, name="deal-line-remove"),
]

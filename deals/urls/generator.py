from django.urls import path

from ..views import generator

urlpatterns = [
    path("", generator.rule_list, name="generator-list"),
    path("new/", generator.rule_create, name="generator-create"),
    path("<int:pk>/edit/", generator.rule_edit, name="generator-edit"),
]

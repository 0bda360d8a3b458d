from django.urls import path

from . import views

urlpatterns = [
    path("", views.rule_list, name="rule-list"),
    path("new/", views.rule_create, name="rule-create"),
    path("<int:pk>/", views.rule_edit, name="rule-edit"),
    path("<int:pk>/delete/", views.rule_delete, name="rule-delete"),
    path("log/", views.assignment_log, name="assignment-log"),
    path("people/", views.profile_list, name="profile-list"),
]

"""Robots and triggers of the pipelines (under /deals/automation/)."""

from django.urls import path

from ..views import robots

urlpatterns = [
    path("", robots.robots_default, name="robots-default"),
    path("<int:pk>/", robots.robots, name="robots"),
    path("<int:pk>/new/", robots.robot_create, name="robot-create"),
    path("rules/<int:pk>/edit/", robots.robot_edit, name="robot-edit"),
    path("rules/<int:pk>/toggle/", robots.robot_toggle, name="robot-toggle"),
    path("runs/<int:pk>/retry/", robots.run_retry, name="robot-run-retry"),
]
